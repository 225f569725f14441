"""The limits vitals are checked against: the possible (hard) and typical range of each number, how
to name each field to a nurse, the Fahrenheit temperatures auto-fix converts, and the largest plausible
change between consecutive states."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.domain.models import OPTIONAL_FIELDS, REQUIRED_FIELDS

ALL_FIELDS: tuple[str, ...] = REQUIRED_FIELDS + OPTIONAL_FIELDS


@dataclass(frozen=True, slots=True)
class Range:
    """Possible (hard) and typical limits of one number, with how to name it to a nurse."""

    label: str
    unit: str
    hard: tuple[float, float]
    typical: tuple[float, float]


RANGES: dict[str, Range] = {
    "HR": Range("Heart rate", " bpm", (0, 300), (40, 160)),
    "SpO2": Range("Oxygen saturation (SpO2)", "%", (0, 100), (88, 100)),
    "RR": Range("Respiratory rate", "/min", (0, 60), (8, 30)),
    "Temp": Range("Temperature", " °C", (30, 45), (36, 39)),
    "EtCO2": Range("End-tidal CO2", " mmHg", (0, 100), (25, 50)),
}
SYSTOLIC = Range("Systolic blood pressure", " mmHg", (0, 300), (80, 180))
DIASTOLIC = Range("Diastolic blood pressure", " mmHg", (0, 200), (40, 120))
FIELD_NAMES: dict[str, str] = {
    "HR": "heart rate (HR)", "BP": "blood pressure (BP)", "SpO2": "oxygen saturation (SpO2)",
    "RR": "respiratory rate (RR)", "Temp": "temperature (Temp)", "EtCO2": "end-tidal CO2 (EtCO2)",
    "waveform": "rhythm (waveform)",
}  # fmt: skip
#: Fahrenheit temperatures that auto-fix converts to °C.
FAHRENHEIT = (86.0, 113.0)
#: Largest plausible change between consecutive states.
MAX_HR_CHANGE = 60
MAX_SPO2_DROP = 30
MAX_TEMP_CHANGE = 3.0
MAX_SYSTOLIC_CHANGE = 80
