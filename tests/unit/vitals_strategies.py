"""Vitals test data shared by the domain tests: a clean vitals object, a row built from its cells, and
Hypothesis strategies for messy vitals cells."""

from __future__ import annotations

import json

from hypothesis import strategies as st

from desktop.domain.models import Scenario

#: A complete, clean vitals object in canonical key order.
GOOD: dict[str, object] = {
    "HR": 88,
    "BP": "120/80",
    "SpO2": 98,
    "RR": 16,
    "Temp": 37.0,
    "EtCO2": 35,
    "waveform": "sinus_ecg",
}


def cells_row(*cells: object, row: int, case_id: str) -> Scenario:
    """A row whose vitals cells (Initial, State1 …) are dicts, written as JSON, or raw cell values."""
    vitals: dict[str, object] = {}
    for n, cell in enumerate(cells):
        column = "Initial_Vitals" if n == 0 else f"State{n}_Vitals"
        vitals[column] = json.dumps(cell, ensure_ascii=False) if isinstance(cell, dict) else cell
    return Scenario(row=row, case_id=case_id, title="t", vitals=vitals)  # type: ignore[arg-type]


PLACEHOLDER = st.sampled_from(["N/A", "n/a", "-", "", "NA", "null", "?", "--"])
NUMBERISH = st.one_of(
    st.integers(-50, 400),
    st.floats(-10, 400, allow_nan=False, allow_infinity=False),
    st.integers(0, 300).map(lambda n: f"{n} bpm"),
    st.integers(0, 100).map(lambda n: f"{n}%"),
    st.floats(80, 115).map(lambda t: f"{t:.1f} °F"),
    st.text(max_size=6),
    PLACEHOLDER,
    st.none(),
)
BP_VALUE = st.one_of(
    st.tuples(st.integers(0, 350), st.integers(0, 250)).map(lambda p: f"{p[0]} / {p[1]} mmHg"),
    st.tuples(st.integers(0, 350), st.integers(0, 250)).map(lambda p: f"{p[0]}/{p[1]}"),
    st.tuples(st.integers(0, 350), st.integers(0, 250)).map(lambda p: {"sys": p[0], "dia": p[1]}),
    PLACEHOLDER,
    st.text(max_size=8),
    st.none(),
)
WAVE = st.one_of(
    st.sampled_from(["sinus_ecg", "NSR", "V-fib", "afib", "Sinus Tach", "CHB", "asystole_ecg", "banana"]),
    st.text(max_size=8),
    PLACEHOLDER,
    st.none(),
)
KEY_SPELLINGS = {
    "HR": ["HR", "hr", "Heart Rate"],
    "BP": ["BP", "bp"],
    "SpO2": ["SpO2", "spo2", "SPO2"],
    "RR": ["RR", "rr"],
    "Temp": ["Temp", "temp", "TEMPERATURE"],
    "EtCO2": ["EtCO2", "etco2"],
    "waveform": ["waveform", "Waveform", "rhythm"],
}


@st.composite
def vitals_objects(draw: st.DrawFn) -> dict[str, object]:
    """A vitals object with a random subset of fields, spellings and value forms."""
    data: dict[str, object] = {}
    for field, spellings in KEY_SPELLINGS.items():
        if not draw(st.booleans()):
            continue
        key = draw(st.sampled_from(spellings))
        strategy = BP_VALUE if field == "BP" else WAVE if field == "waveform" else NUMBERISH
        data[key] = draw(strategy)
    if draw(st.booleans()):
        data["SBP"] = draw(st.integers(0, 320))
        data["DBP"] = draw(st.integers(0, 220))
    if draw(st.booleans()):
        data["Notes"] = draw(st.text(max_size=10))
    return data


def cells() -> st.SearchStrategy[object]:
    """Any vitals cell: JSON text of a messy object, a placeholder, empty, or broken JSON."""
    return st.one_of(
        vitals_objects().map(lambda d: json.dumps(d, ensure_ascii=False)),
        PLACEHOLDER,
        st.just(""),
        st.none(),
        st.text(max_size=12),
    )
