"""Checking one vitals object (SPEC section 4): required fields, ranges, blood pressure, waveform
names, placeholders, and whether the rhythm agrees with the numbers; and its quality score.

Messages are plain sentences for nurses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from desktop.domain.models import (
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    Issue,
    IssueCode,
    Severity,
)
from desktop.domain.vital_limits import (
    ALL_FIELDS,
    DIASTOLIC,
    FAHRENHEIT,
    FIELD_NAMES,
    RANGES,
    SYSTOLIC,
)
from desktop.domain.vitals import (
    field_keys,
    is_missing,
    is_placeholder,
    parse_bp,
    parse_number,
    split_bp_keys,
)
from desktop.domain.waveforms import Waveform, canonical_waveform, get_waveform, is_canonical

CRITICAL, WARNING, INFO = Severity.CRITICAL, Severity.WARNING, Severity.INFO
MAX_SCORE = 20 * len(REQUIRED_FIELDS) + 10 * len(OPTIONAL_FIELDS) + 10


def show_number(value: float) -> str:
    """A number as a nurse writes it: 88, 37.2."""
    return str(int(value)) if value == int(value) else f"{value:g}"


def show_value(value: object) -> str:
    """A value quoted in a message, cut at 40 characters."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "…"


@dataclass(slots=True)
class CheckedVitals:
    """What checking one vitals object found, kept for the score and the state comparisons."""

    issues: list[Issue] = field(default_factory=list)
    numbers: dict[str, float] = field(default_factory=dict)
    bp: tuple[int, int] | None = None
    waveform: Waveform | None = None
    canonical_waveform: bool = False
    valid: set[str] = field(default_factory=set)
    present: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)

    def add(self, severity: Severity, code: IssueCode, where: str, message: str) -> None:
        """Record one issue."""
        self.issues.append(Issue(severity, code, where, message))


def _check_number(out: CheckedVitals, column: str, name: str, value: object, arrest: bool) -> None:
    spec = RANGES[name]
    where = f"{column}.{name}"
    number = parse_number(value)
    if number is None:
        out.add(CRITICAL, IssueCode.OUT_OF_RANGE, where, f"{spec.label} {show_value(value)} is not a number.")
        return
    lo, hi = spec.hard
    if not lo <= number <= hi:
        message = f"{spec.label} {show_number(number)}{spec.unit} is outside the possible range {lo}–{hi}."
        if name == "Temp" and FAHRENHEIT[0] <= number <= FAHRENHEIT[1]:
            celsius = round((number - 32) * 5 / 9, 1)
            message = (
                f"Temperature {show_number(number)} is outside the possible range {lo}–{hi} °C; "
                f"it looks like °F ({celsius} °C), which auto-fix converts."
            )
        out.add(CRITICAL, IssueCode.OUT_OF_RANGE, where, message)
        return
    out.numbers[name] = number
    out.valid.add(name)
    lo, hi = spec.typical
    if not lo <= number <= hi and not (arrest and name != "Temp"):
        message = f"{spec.label} {show_number(number)}{spec.unit} is unusual (typical range {lo}–{hi})."
        out.add(WARNING, IssueCode.ATYPICAL_VALUE, where, message)


def _check_bp(out: CheckedVitals, column: str, value: object, arrest: bool) -> None:
    where = f"{column}.BP"
    bp = parse_bp(value)
    if bp is None:
        message = f"Blood pressure {show_value(value)} is not written as systolic/diastolic, like 120/80."
        out.add(CRITICAL, IssueCode.OUT_OF_RANGE, where, message)
        return
    bad = False
    for part, spec in zip(bp, (SYSTOLIC, DIASTOLIC), strict=True):
        lo, hi = spec.hard
        if not lo <= part <= hi:
            bad = True
            message = f"{spec.label} {part} mmHg is outside the possible range {lo}–{hi}."
            out.add(CRITICAL, IssueCode.OUT_OF_RANGE, where, message)
    if bp[0] < bp[1]:
        bad = True
        message = f"Blood pressure {bp[0]}/{bp[1]} has a systolic value below the diastolic value."
        out.add(CRITICAL, IssueCode.OUT_OF_RANGE, where, message)
    if bad:
        return
    out.bp = bp
    out.valid.add("BP")
    if arrest:
        return
    for part, spec in zip(bp, (SYSTOLIC, DIASTOLIC), strict=True):
        lo, hi = spec.typical
        if not lo <= part <= hi:
            message = f"{spec.label} {part} mmHg is unusual (typical range {lo}–{hi})."
            out.add(WARNING, IssueCode.ATYPICAL_VALUE, where, message)


def _check_waveform(out: CheckedVitals, column: str, value: object) -> None:
    where = f"{column}.waveform"
    name = canonical_waveform(value)
    if name is None:
        message = f"Rhythm {show_value(value)} is not a known waveform name; use a name such as sinus_ecg."
        out.add(CRITICAL, IssueCode.INVALID_WAVEFORM, where, message)
        return
    out.waveform = get_waveform(name)
    out.valid.add("waveform")
    if is_canonical(value):
        out.canonical_waveform = True
    else:
        message = (
            f"Rhythm {show_value(value)} is another name for {name}; auto-fix writes the canonical name."
        )
        out.add(WARNING, IssueCode.NONCANONICAL_WAVEFORM, where, message)


def _check_rhythm_agrees(out: CheckedVitals, column: str) -> None:
    wave = out.waveform
    if wave is None:
        return
    hr = out.numbers.get("HR")
    if not wave.perfusing:
        # A pulse or a blood pressure in a pulseless rhythm is impossible, not just unusual.
        if hr is not None and hr > 0:
            message = (
                f"{wave.label} has no pulse, so the heart rate should be 0, but it is {show_number(hr)} bpm."
            )
            out.add(CRITICAL, IssueCode.INCONSISTENT_STATE, f"{column}.HR", message)
        if out.bp is not None and out.bp[0] > 0:
            message = f"{wave.label} has no pulse, but the blood pressure is {out.bp[0]}/{out.bp[1]}."
            out.add(CRITICAL, IssueCode.INCONSISTENT_STATE, f"{column}.BP", message)
        return
    lo, hi = wave.hr_range
    if hr is not None and not lo <= hr <= hi:
        message = f"{wave.label} usually has a heart rate of {lo}–{hi} bpm, but it is {show_number(hr)} bpm."
        out.add(WARNING, IssueCode.INCONSISTENT_STATE, f"{column}.HR", message)


def check_vitals(data: Mapping[str, object], column: str) -> CheckedVitals:
    """Check one vitals object and keep what was learnt (valid fields, numbers, rhythm)."""
    out = CheckedVitals()
    keys = field_keys(data)
    for key in data:
        if key not in keys.values() and not is_missing(data[key]):
            out.keys.add(key)
    wave_key = keys.get("waveform")
    if wave_key is not None and not is_missing(data[wave_key]):
        _check_waveform(out, column, data[wave_key])
    arrest = out.waveform is not None and not out.waveform.perfusing
    split = split_bp_keys(data) if "BP" not in keys or is_missing(data[keys["BP"]]) else None
    if split is not None:
        out.keys.difference_update(split)
    for name in ALL_FIELDS:
        required = name in REQUIRED_FIELDS
        found = keys.get(name)
        value = data[found] if found is not None else None
        if name == "BP" and split is not None and is_missing(value):
            value = {"sys": data[split[0]], "dia": data[split[1]]}
        if value is None:
            severity = CRITICAL if required else INFO
            note = "" if required else "; it is optional"
            message = f"{column} has no {FIELD_NAMES[name]}{note}."
            out.add(severity, IssueCode.MISSING_FIELD, f"{column}.{name}", message)
            continue
        if is_placeholder(value):
            severity = CRITICAL if required else WARNING
            message = (
                f"The {FIELD_NAMES[name]} in {column} is the placeholder {show_value(value)}, not a value."
            )
            out.add(severity, IssueCode.PLACEHOLDER_VALUE, f"{column}.{name}", message)
            continue
        out.present.add(name)
        out.keys.add(name)
        if name == "waveform":
            continue
        if name == "BP":
            _check_bp(out, column, value, arrest)
        else:
            _check_number(out, column, name, value, arrest)
    _check_rhythm_agrees(out, column)
    return out


def validate_vitals(data: Mapping[str, object], column: str) -> list[Issue]:
    """Every issue of one vitals object (used for cells and for generated vitals)."""
    return check_vitals(data, column).issues


def score(checked: CheckedVitals | None) -> int:
    """Quality score of Initial_Vitals: 20 per valid required field, 10 per valid optional field,
    10 for a canonical waveform (maximum 130)."""
    if checked is None:
        return 0
    points = sum(20 for name in REQUIRED_FIELDS if name in checked.valid)
    points += sum(10 for name in OPTIONAL_FIELDS if name in checked.valid)
    return points + (10 if checked.canonical_waveform else 0)
