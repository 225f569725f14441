"""Reading and writing one vitals cell: JSON parsing, numbers with units, blood pressure, placeholders,
and field keys written in another case (``hr``, ``spo2``).

Nothing here raises on user data: every helper answers None (or a ``ParsedCell`` of the right kind).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from desktop.domain.layout import header_key
from desktop.domain.models import CANONICAL_ORDER

PLACEHOLDERS: frozenset[str] = frozenset(
    {"", "n/a", "na", "n.a.", "-", "--", "---", "—", "–", "?", "??", "null", "none", "nil", "tbd", "unknown"}
)

_NUMBER_RE = re.compile(
    r"^\s*([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*"
    r"(?:bpm|beats?\s*/\s*min|b/min|/\s*min|breaths?\s*/\s*min|rpm|%|°\s*[cf]?|deg\s*[cf]?|[cf]"
    r"|mm\s*hg|mmhg)?\s*$",
    re.IGNORECASE | re.ASCII,
)
_BP_RE = re.compile(r"^\s*([0-9]{1,3})\s*/\s*([0-9]{1,3})\s*(?:mm\s*hg)?\s*$", re.IGNORECASE | re.ASCII)

#: Normalised key spellings (lower case, letters and digits only) of each canonical field.
_FIELD_KEYS: dict[str, str] = {
    "hr": "HR", "heartrate": "HR", "pulse": "HR",
    "bp": "BP", "bloodpressure": "BP", "nibp": "BP",
    "spo2": "SpO2", "sao2": "SpO2", "o2sat": "SpO2", "sats": "SpO2", "oxygensaturation": "SpO2",
    "rr": "RR", "resprate": "RR", "respiratoryrate": "RR", "resp": "RR",
    "temp": "Temp", "temperature": "Temp",
    "etco2": "EtCO2", "endtidalco2": "EtCO2",
    "waveform": "waveform", "rhythm": "waveform", "ecg": "waveform",
}  # fmt: skip
_SYSTOLIC_KEYS = frozenset({"sbp", "sys", "systolic", "systolicbp", "bpsys", "bpsystolic"})
_DIASTOLIC_KEYS = frozenset({"dbp", "dia", "diastolic", "diastolicbp", "bpdia", "bpdiastolic"})


class CellKind(StrEnum):
    """What a vitals cell turned out to hold."""

    EMPTY = "empty"
    PLACEHOLDER = "placeholder"
    INVALID_JSON = "invalid_json"
    NOT_OBJECT = "not_object"
    OBJECT = "object"


@dataclass
class ParsedCell:
    """A parsed vitals cell: ``data`` is set for OBJECT cells, ``error`` for INVALID_JSON/NOT_OBJECT."""

    kind: CellKind
    data: dict[str, object] | None
    error: str | None


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number JSON allows")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "null"
    return type(value).__name__


def parse_cell(raw: object) -> ParsedCell:
    """Parse one vitals cell (a JSON object string, or already a dict). Never raises."""
    if raw is None:
        return ParsedCell(CellKind.EMPTY, None, None)
    if isinstance(raw, Mapping):
        return ParsedCell(CellKind.OBJECT, {str(k): v for k, v in raw.items()}, None)
    if not isinstance(raw, str):
        return ParsedCell(CellKind.NOT_OBJECT, None, f"the cell holds {_type_name(raw)}, not a vitals object")
    text = raw.strip()
    if not text:
        return ParsedCell(CellKind.EMPTY, None, None)
    if text.lower() in PLACEHOLDERS:
        return ParsedCell(CellKind.PLACEHOLDER, None, None)
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        return ParsedCell(CellKind.INVALID_JSON, None, f"{exc.msg} at character {exc.pos + 1}")
    except (ValueError, RecursionError) as exc:
        return ParsedCell(CellKind.INVALID_JSON, None, str(exc) or "the text is not valid JSON")
    if isinstance(value, dict):
        return ParsedCell(CellKind.OBJECT, value, None)
    return ParsedCell(CellKind.NOT_OBJECT, None, f"the cell holds {_type_name(value)}, not a vitals object")


def format_vitals(data: Mapping[str, object]) -> str:
    """The write-back form: compact JSON, canonical fields first in CANONICAL_ORDER, then other keys."""
    ordered: dict[str, object] = {key: data[key] for key in CANONICAL_ORDER if key in data}
    for key, value in data.items():
        if key not in ordered:
            ordered[key] = value
    return json.dumps(ordered, ensure_ascii=False)


def is_placeholder(value: object) -> bool:
    """True for text that stands for "no value": ``N/A``, ``-``, ``""``, ``null``, ``?`` …"""
    return isinstance(value, str) and value.strip().lower() in PLACEHOLDERS


def parse_number_text(text: str) -> int | float | None:
    """A number from text with an optional unit (``"88 bpm"`` → 88, ``"37.2 °C"`` → 37.2), or None.

    Integers stay integers so that auto-fix writes ``88``, not ``88.0``.
    """
    match = _NUMBER_RE.match(text)
    if match is None:
        return None
    digits = match.group(1)
    if "." in digits:
        number = float(digits)
        return number if math.isfinite(number) else None
    return int(digits)


def parse_number(value: object) -> float | None:
    """A finite number from a JSON number or text with a unit; None for bools and anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str) and len(value) < 64:
        number = parse_number_text(value)
        return None if number is None else float(number)
    return None


def _whole(value: object) -> int | None:
    number = parse_number(value)
    if number is None or number < 0 or number != int(number):
        return None
    return int(number)


def parse_bp(value: object) -> tuple[int, int] | None:
    """(systolic, diastolic) from ``"120/80"``, ``"120 / 80 mmHg"``, ``{"sys": 120, "dia": 80}``
    (also systolic/diastolic/SBP/DBP keys) or ``[120, 80]``; None when not parseable."""
    if isinstance(value, str):
        match = _BP_RE.match(value)
        return (int(match.group(1)), int(match.group(2))) if match else None
    if isinstance(value, Mapping):
        systolic = diastolic = None
        for key, item in value.items():
            norm = header_key(str(key))
            if norm in _SYSTOLIC_KEYS:
                systolic = _whole(item)
            elif norm in _DIASTOLIC_KEYS:
                diastolic = _whole(item)
        return (systolic, diastolic) if systolic is not None and diastolic is not None else None
    if isinstance(value, list | tuple) and len(value) == 2:
        systolic, diastolic = _whole(value[0]), _whole(value[1])
        return (systolic, diastolic) if systolic is not None and diastolic is not None else None
    return None


def format_bp(bp: tuple[int, int]) -> str:
    """The canonical blood-pressure text, ``"120/80"``."""
    return f"{bp[0]}/{bp[1]}"


def canonical_key(key: str) -> str | None:
    """The canonical field a key stands for (``"spo2"`` → ``"SpO2"``), or None for other keys."""
    if key in CANONICAL_ORDER:
        return key
    return _FIELD_KEYS.get(header_key(key))


def is_systolic_key(key: str) -> bool:
    """True for a separate systolic key (``SBP``, ``systolic`` …)."""
    return header_key(key) in _SYSTOLIC_KEYS


def is_diastolic_key(key: str) -> bool:
    """True for a separate diastolic key (``DBP``, ``diastolic`` …)."""
    return header_key(key) in _DIASTOLIC_KEYS


def field_keys(data: Mapping[str, object]) -> dict[str, str]:
    """Canonical field → the key that holds it in ``data``. An exact canonical key wins over another
    spelling; among other spellings the first one wins."""
    found: dict[str, str] = {}
    for key in data:
        field = canonical_key(key)
        if field is None:
            continue
        if key == field or field not in found:
            found[field] = key
    return found


def split_bp_keys(data: Mapping[str, object]) -> tuple[str, str] | None:
    """The (systolic key, diastolic key) pair when BP is written as two separate keys, else None."""
    systolic = diastolic = None
    for key in data:
        if systolic is None and is_systolic_key(key):
            systolic = key
        elif diastolic is None and is_diastolic_key(key):
            diastolic = key
    return (systolic, diastolic) if systolic is not None and diastolic is not None else None


def is_missing(value: object) -> bool:
    """True when a field value counts as absent: null or a placeholder."""
    return value is None or is_placeholder(value)
