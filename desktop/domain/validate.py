"""Validation of scenario rows (SPEC section 4): each vitals cell read and checked (``vitals_check``),
the states compared with Initial_Vitals and with the state before, completeness and the score; the
table's reports and their summary.

Every cell is parsed once per validation; messages are plain sentences for nurses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from desktop.domain.layout import vitals_order
from desktop.domain.models import (
    INITIAL_VITALS,
    REQUIRED_FIELDS,
    Issue,
    IssueCode,
    RowReport,
    Scenario,
    Severity,
)
from desktop.domain.vital_limits import (
    ALL_FIELDS,
    MAX_HR_CHANGE,
    MAX_SPO2_DROP,
    MAX_SYSTOLIC_CHANGE,
    MAX_TEMP_CHANGE,
)
from desktop.domain.vitals import (
    CellKind,
    parse_cell,
)
from desktop.domain.vitals_check import CheckedVitals, check_vitals, score, show_number, show_value

CRITICAL, WARNING, INFO = Severity.CRITICAL, Severity.WARNING, Severity.INFO


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
            f"{column} holds the placeholder {show_value(raw)} instead of vitals.",
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
        jump("HR", f"Heart rate jumps from {show_number(a)} to {show_number(b)} bpm {between}.")
    a, b = prev.numbers.get("SpO2"), cur.numbers.get("SpO2")
    if a is not None and b is not None and a - b > MAX_SPO2_DROP:
        jump("SpO2", f"Oxygen saturation drops from {show_number(a)}% to {show_number(b)}% {between}.")
    a, b = prev.numbers.get("Temp"), cur.numbers.get("Temp")
    if a is not None and b is not None and abs(b - a) > MAX_TEMP_CHANGE:
        jump("Temp", f"Temperature changes from {show_number(a)} to {show_number(b)} °C {between}.")
    if prev.bp is not None and cur.bp is not None and abs(cur.bp[0] - prev.bp[0]) > MAX_SYSTOLIC_CHANGE:
        jump("BP", f"Systolic blood pressure changes from {prev.bp[0]} to {cur.bp[0]} mmHg {between}.")
    return issues


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
    # One pass over every issue: the window shows this on its GUI thread after each read of the rows.
    severities = Counter(issue.severity for report in reports for issue in report.issues)
    return {
        "rows": count,
        "critical": severities[Severity.CRITICAL],
        "warnings": severities[Severity.WARNING],
        "average_score": average,
    }
