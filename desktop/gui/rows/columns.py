"""The rows table's columns, roles and row entries (one plain tuple per scenario row), Qt-widget-free."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from PySide6.QtCore import Qt

from desktop.domain.models import RowReport, Scenario

COLUMNS: tuple[str, ...] = (
    "Row", "Case ID", "Title", "Score", "Issues", "Severity", "Status", "Cost", "Last run"
)
(COL_ROW, COL_CASE, COL_TITLE, COL_SCORE, COL_ISSUES, COL_SEVERITY, COL_STATUS, COL_COST,
 COL_LAST_RUN) = range(len(COLUMNS))

#: Raw, sortable value of a cell (numbers stay numbers).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: What the status and issue filters match, on the Row column: see gui/rows/filtering.py.
FILTER_ROLE = Qt.ItemDataRole.UserRole + 2

NOT_VALIDATED = "—"
NOT_RUN = "Not run"
#: How the Status column names a completed row flagged for review (shown with a flag badge).
NEEDS_REVIEW_TEXT = "Needs review"
OK = "ok"


class RowEntry(NamedTuple):
    """What the table shows for one scenario row."""

    row: int
    case_id: str
    title: str
    score: int | None = None
    issues: int | None = None
    critical: int = 0
    warnings: int = 0
    severity: str = ""  # "" until validated
    status: str = NOT_RUN
    cost: float | None = None
    last_run: str = ""  # time of the latest run that touched the row (journal ISO text)
    codes: frozenset[str] = frozenset()
    claimed_by: str = ""  # "in progress by Dana's PC, since 10:42": a colleague holds the row


class RunInfo(NamedTuple):
    """The latest enrichment run's outcome for one row (from the journal)."""

    status: str
    cost: float
    when: str


def entries_for(scenarios: Iterable[Scenario], reports: Mapping[int, RowReport] | None) -> list[RowEntry]:
    """The entries of rows with their reports (Qt-free: a worker thread may make them)."""
    entries = [entry_for(s) for s in scenarios]
    if reports:
        entries = [with_report(e, reports[e.row]) if e.row in reports else e for e in entries]
    return entries


def entry_for(scenario: Scenario) -> RowEntry:
    """A fresh, not-yet-validated entry for a scenario."""
    return RowEntry(scenario.row, scenario.case_id, scenario.title)


def with_report(entry: RowEntry, report: RowReport) -> RowEntry:
    """The entry updated with a validation report."""
    worst = report.worst_severity
    return entry._replace(
        score=report.score,
        issues=len(report.issues),
        critical=report.critical_count,
        warnings=report.warning_count,
        severity=worst.value if worst is not None else OK,
        codes=frozenset(issue.code.value for issue in report.issues),
    )
