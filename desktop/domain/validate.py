"""Validation of scenario rows (SPEC section 4): required fields, JSON, ranges, waveform names,
placeholders, consistency between rhythm and numbers and between states, completeness and the score.

Every cell is parsed once per validation; messages are plain sentences for nurses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from desktop.domain.layout import vitals_order
from desktop.domain.models import (
    INITIAL_VITALS,
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    Issue,
    IssueCode,
    RowReport,
    Scenario,
    Severity,
)
from desktop.domain.vitals import (
    CellKind,
    field_keys,
    is_missing,
    is_placeholder,
    parse_bp,
    parse_cell,
    parse_number,
    split_bp_keys,
)
from desktop.domain.waveforms import Waveform, canonical_waveform, get_waveform, is_canonical

CRITICAL, WARNING, INFO = Severity.CRITICAL, Severity.WARNING, Severity.INFO
ALL_FIELDS: tuple[str, ...] = REQUIRED_FIELDS + OPTIONAL_FIELDS
MAX_SCORE = 20 * len(REQUIRED_FIELDS) + 10 * len(OPTIONAL_FIELDS) + 10


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


def _num(value: float) -> str:
    """A number as a nurse writes it: 88, 37.2."""
    return str(int(value)) if value == int(value) else f"{value:g}"


def _show(value: object) -> str:
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
        out.add(CRITICAL, IssueCode.OUT_OF_RANGE, where, f"{spec.label} {_show(value)} is not a number.")
        return
    lo, hi = spec.hard
    if not lo <= number <= hi:
        message = f"{spec.label} {_num(number)}{spec.unit} is outside the possible range {lo}–{hi}."
        if name == "Temp" and FAHRENHEIT[0] <= number <= FAHRENHEIT[1]:
            celsius = round((number - 32) * 5 / 9, 1)
            message = (
                f"Temperature {_num(number)} is outside the possible range {lo}–{hi} °C; it looks like °F "
                f"({celsius} °C), which auto-fix converts."
            )
        out.add(CRITICAL, IssueCode.OUT_OF_RANGE, where, message)
        return
    out.numbers[name] = number
    out.valid.add(name)
    lo, hi = spec.typical
    if not lo <= number <= hi and not (arrest and name != "Temp"):
        message = f"{spec.label} {_num(number)}{spec.unit} is unusual (typical range {lo}–{hi})."
        out.add(WARNING, IssueCode.ATYPICAL_VALUE, where, message)


def _check_bp(out: CheckedVitals, column: str, value: object, arrest: bool) -> None:
    where = f"{column}.BP"
    bp = parse_bp(value)
    if bp is None:
        message = f"Blood pressure {_show(value)} is not written as systolic/diastolic, like 120/80."
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
        message = f"Rhythm {_show(value)} is not a known waveform name; use a name such as sinus_ecg."
        out.add(CRITICAL, IssueCode.INVALID_WAVEFORM, where, message)
        return
    out.waveform = get_waveform(name)
    out.valid.add("waveform")
    if is_canonical(value):
        out.canonical_waveform = True
    else:
        message = f"Rhythm {_show(value)} is another name for {name}; auto-fix writes the canonical name."
        out.add(WARNING, IssueCode.NONCANONICAL_WAVEFORM, where, message)


def _check_rhythm_agrees(out: CheckedVitals, column: str) -> None:
    wave = out.waveform
    if wave is None:
        return
    hr = out.numbers.get("HR")
    if not wave.perfusing:
        # A pulse or a blood pressure in a pulseless rhythm is impossible, not just unusual.
        if hr is not None and hr > 0:
            message = f"{wave.label} has no pulse, so the heart rate should be 0, but it is {_num(hr)} bpm."
            out.add(CRITICAL, IssueCode.INCONSISTENT_STATE, f"{column}.HR", message)
        if out.bp is not None and out.bp[0] > 0:
            message = f"{wave.label} has no pulse, but the blood pressure is {out.bp[0]}/{out.bp[1]}."
            out.add(CRITICAL, IssueCode.INCONSISTENT_STATE, f"{column}.BP", message)
        return
    lo, hi = wave.hr_range
    if hr is not None and not lo <= hr <= hi:
        message = f"{wave.label} usually has a heart rate of {lo}–{hi} bpm, but it is {_num(hr)} bpm."
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
            message = f"The {FIELD_NAMES[name]} in {column} is the placeholder {_show(value)}, not a value."
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


def _cell_issue(column: str, kind: CellKind, error: str | None, raw: object) -> Issue | None:
    initial = column == INITIAL_VITALS
    if kind is CellKind.EMPTY:
        if not initial:
            return None  # later states are generated
        return Issue(CRITICAL, IssueCode.MISSING_FIELD, column, "Initial_Vitals is empty.")
    if kind is CellKind.PLACEHOLDER:
        return Issue(
            CRITICAL if initial else WARNING,
            IssueCode.PLACEHOLDER_VALUE,
            column,
            f"{column} holds the placeholder {_show(raw)} instead of vitals.",
        )
    message = f"{column} is not a readable vitals object: {error}."
    return Issue(CRITICAL, IssueCode.INVALID_JSON, column, message)


def _compare_keys(column: str, initial: CheckedVitals, state: CheckedVitals) -> list[Issue]:
    issues: list[Issue] = []
    # Required fields missing from a state are already reported as missing_field.
    lacking = sorted(k for k in initial.keys - state.keys if k not in REQUIRED_FIELDS)
    extra = sorted(state.keys - initial.keys)
    if lacking:
        issues.append(
            Issue(
                WARNING,
                IssueCode.INCONSISTENT_STATE,
                column,
                f"{column} has no {', '.join(lacking)}, which Initial_Vitals has.",
            )
        )
    if extra:
        issues.append(
            Issue(
                WARNING,
                IssueCode.INCONSISTENT_STATE,
                column,
                f"{column} has {', '.join(extra)}, which Initial_Vitals does not have.",
            )
        )
    return issues


def _compare_steps(prev_col: str, prev: CheckedVitals, column: str, cur: CheckedVitals) -> list[Issue]:
    for checked in (prev, cur):
        if checked.waveform is not None and not checked.waveform.perfusing:
            return []  # arrest and return of circulation change everything at once
    issues: list[Issue] = []
    between = f"between {prev_col} and {column}"

    def jump(name: str, text: str) -> None:
        issues.append(Issue(WARNING, IssueCode.INCONSISTENT_STATE, f"{column}.{name}", text))

    a, b = prev.numbers.get("HR"), cur.numbers.get("HR")
    if a is not None and b is not None and abs(b - a) > MAX_HR_CHANGE:
        jump("HR", f"Heart rate jumps from {_num(a)} to {_num(b)} bpm {between}.")
    a, b = prev.numbers.get("SpO2"), cur.numbers.get("SpO2")
    if a is not None and b is not None and a - b > MAX_SPO2_DROP:
        jump("SpO2", f"Oxygen saturation drops from {_num(a)}% to {_num(b)}% {between}.")
    a, b = prev.numbers.get("Temp"), cur.numbers.get("Temp")
    if a is not None and b is not None and abs(b - a) > MAX_TEMP_CHANGE:
        jump("Temp", f"Temperature changes from {_num(a)} to {_num(b)} °C {between}.")
    if prev.bp is not None and cur.bp is not None and abs(cur.bp[0] - prev.bp[0]) > MAX_SYSTOLIC_CHANGE:
        jump("BP", f"Systolic blood pressure changes from {prev.bp[0]} to {cur.bp[0]} mmHg {between}.")
    return issues


def score(checked: CheckedVitals | None) -> int:
    """Quality score of Initial_Vitals: 20 per valid required field, 10 per valid optional field,
    10 for a canonical waveform (maximum 130)."""
    if checked is None:
        return 0
    points = sum(20 for name in REQUIRED_FIELDS if name in checked.valid)
    points += sum(10 for name in OPTIONAL_FIELDS if name in checked.valid)
    return points + (10 if checked.canonical_waveform else 0)


def _completeness(cells: Sequence[tuple[CellKind, CheckedVitals | None]]) -> tuple[int, int]:
    filled = slots = 0
    for kind, checked in cells:
        if kind is CellKind.EMPTY:
            continue
        slots += len(ALL_FIELDS)
        if checked is not None:
            filled += len(checked.present)
    return filled, slots


def completeness(scenario: Scenario) -> float:
    """Percentage of required and optional fields populated across the row's non-empty vitals cells."""
    cells = []
    for column, raw in scenario.vitals.items():
        parsed = parse_cell(raw)
        checked = check_vitals(parsed.data, column) if parsed.data is not None else None
        cells.append((parsed.kind, checked))
    filled, slots = _completeness(cells)
    return round(100.0 * filled / slots, 1) if slots else 0.0


def validate_scenario(scenario: Scenario) -> RowReport:
    """All checks of SPEC section 4 on one row, and its quality score."""
    issues: list[Issue] = []
    if not str(scenario.case_id or "").strip():
        issues.append(Issue(CRITICAL, IssueCode.MISSING_FIELD, "Case_ID", "The row has no Case ID."))
    if not str(scenario.title or "").strip():
        issues.append(
            Issue(
                WARNING,
                IssueCode.MISSING_FIELD,
                "Case_Title",
                "The row has no case title; vitals cannot be generated without one.",
            )
        )
    columns = sorted(scenario.vitals, key=vitals_order)
    if INITIAL_VITALS not in scenario.vitals:
        columns.insert(0, INITIAL_VITALS)
    cells: list[tuple[CellKind, CheckedVitals | None]] = []
    initial: CheckedVitals | None = None
    previous: tuple[str, CheckedVitals] | None = None
    for column in columns:
        raw = scenario.vitals.get(column)
        parsed = parse_cell(raw)
        if parsed.data is None:
            cells.append((parsed.kind, None))
            problem = _cell_issue(column, parsed.kind, parsed.error, raw)
            if problem is not None:
                issues.append(problem)
            continue
        checked = check_vitals(parsed.data, column)
        cells.append((parsed.kind, checked))
        issues.extend(checked.issues)
        if column == INITIAL_VITALS:
            initial = checked
        elif initial is not None:
            issues.extend(_compare_keys(column, initial, checked))
        if previous is not None:
            issues.extend(_compare_steps(previous[0], previous[1], column, checked))
        previous = (column, checked)
    filled, slots = _completeness(cells)
    if slots and filled < slots:
        percent = round(100.0 * filled / slots)
        issues.append(
            Issue(
                INFO,
                IssueCode.MISSING_FIELD,
                "Vitals",
                f"Vitals are {percent}% complete ({filled} of {slots} fields filled).",
            )
        )
    return RowReport(row=scenario.row, case_id=scenario.case_id, score=score(initial), issues=issues)


def validate_table(scenarios: Sequence[Scenario]) -> list[RowReport]:
    """Validate every row, and flag Case IDs used by more than one row."""
    reports = [validate_scenario(s) for s in scenarios]
    rows_by_id: dict[str, list[int]] = {}
    for scenario in scenarios:
        key = str(scenario.case_id or "").strip().casefold()
        if key:
            rows_by_id.setdefault(key, []).append(scenario.row)
    for report, scenario in zip(reports, scenarios, strict=True):
        key = str(scenario.case_id or "").strip().casefold()
        rows = rows_by_id.get(key, [])
        if len(rows) > 1:
            others = ", ".join(str(r) for r in rows if r != scenario.row) or str(scenario.row)
            report.issues.append(
                Issue(
                    WARNING,
                    IssueCode.DUPLICATE_CASE_ID,
                    "Case_ID",
                    f"Case ID {scenario.case_id.strip()} is also used in row {others}.",
                )
            )
    return reports


def summarize(reports: Sequence[RowReport]) -> dict[str, object]:
    """Totals for a validation: rows, critical issues, warnings and the average score (1 decimal)."""
    count = len(reports)
    average = round(sum(r.score for r in reports) / count, 1) if count else 0.0
    return {
        "rows": count,
        "critical": sum(r.critical_count for r in reports),
        "warnings": sum(r.warning_count for r in reports),
        "average_score": average,
    }
