"""Table model over the scenario rows: one plain tuple per row, nothing recomputed per cell.

Columns: Row, Case ID, Title, Score, Issues, Severity, Status, Cost, Last run. Sorting goes through
:class:`RowsSortProxy`, by the raw values that ``SORT_ROLE`` also gives.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from desktop.app.text import format_count
from desktop.domain.models import RowReport, Scenario, Severity
from desktop.journal import NEEDS_REVIEW

COLUMNS: tuple[str, ...] = (
    "Row", "Case ID", "Title", "Score", "Issues", "Severity", "Status", "Cost", "Last run"
)
(COL_ROW, COL_CASE, COL_TITLE, COL_SCORE, COL_ISSUES, COL_SEVERITY, COL_STATUS, COL_COST,
 COL_LAST_RUN) = range(len(COLUMNS))

#: Raw, sortable value of a cell (numbers stay numbers).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: The row's worst severity as text: "critical", "warning", "info", "ok" or "" before validation.
SEVERITY_ROLE = Qt.ItemDataRole.UserRole + 2
#: The issue codes of the row (a frozenset of str; empty before validation).
CODES_ROLE = Qt.ItemDataRole.UserRole + 3
#: The row's run status as stored (e.g. "COMPLETED"), or NOT_RUN.
STATUS_ROLE = Qt.ItemDataRole.UserRole + 4

NOT_VALIDATED = "—"
NOT_RUN = "Not run"
#: How the Status column names a completed row flagged for review (shown with a flag badge).
NEEDS_REVIEW_TEXT = "Needs review"
OK = "ok"

_SEVERITY_RANK = {
    "": -1,
    OK: 0,
    Severity.INFO.value: 1,
    Severity.WARNING.value: 2,
    Severity.CRITICAL.value: 3,
}
_SEVERITY_COLOURS = {
    Severity.CRITICAL.value: "#d32f2f",
    Severity.WARNING.value: "#f9a825",
    Severity.INFO.value: "#1e88e5",
    OK: "#43a047",
}
_SCORE_MAX = 130

ModelIndex = QModelIndex | QPersistentModelIndex
#: How long run news for rows is gathered before the table shows it.
STATUS_BATCH_MS = 100
#: More blocks of changed rows than this are announced as one span.
_MAX_BLOCKS = 20


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

def _blocks(positions: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted positions as (first, last) blocks of adjacent numbers: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    blocks: list[tuple[int, int]] = []
    for pos in sorted(positions):
        if blocks and pos == blocks[-1][1] + 1:
            blocks[-1] = (blocks[-1][0], pos)
        else:
            blocks.append((pos, pos))
    return blocks


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


_icon_cache: dict[str, QIcon] = {}


def severity_icon(severity: str) -> QIcon:
    """A small coloured dot for a severity (created once per severity)."""
    icon = _icon_cache.get(severity)
    if icon is None:
        pixmap = QPixmap(12, 12)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QColor(_SEVERITY_COLOURS.get(severity, "#9e9e9e")))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(1, 1, 10, 10)
        painter.end()
        icon = QIcon(pixmap)
        _icon_cache[severity] = icon
    return icon


class RowsModel(QAbstractTableModel):
    """The scenario rows of the open source with their latest validation outcome."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[RowEntry] = []
        self._position: dict[int, int] = {}  # sheet row number -> model row
        self._pending_status: dict[int, str] = {}  # sheet row -> run status not shown yet
        self._status_timer = QTimer(self)
        self._status_timer.setSingleShot(True)
        self._status_timer.setInterval(STATUS_BATCH_MS)
        self._status_timer.timeout.connect(self.flush_row_status)

    # --- loading -------------------------------------------------------------------------------

    def set_scenarios(
        self,
        scenarios: Iterable[Scenario],
        *,
        keep_run_info: bool = False,
        reports: Mapping[int, RowReport] | None = None,
        entries: Sequence[RowEntry] | None = None,
    ) -> None:
        """Replace every row, with their validation ``reports`` when given (else not validated).
        ``entries`` are the rows' entries made beforehand by :func:`entries_for` (on a worker thread).

        With ``keep_run_info`` — the same source read again, e.g. after a run wrote to it — rows whose
        numbers are unchanged keep their status, cost and last run, and the rows are updated in place:
        the view keeps its selection and scroll position, no row flashes "Not run" until the run
        information is read again, and only rows that look different are announced, without the Row
        column (a change there would make the sorted view sort every row again).
        """
        entries = list(entries) if entries is not None else entries_for(scenarios, reports)
        if keep_run_info and [e.row for e in entries] == [e.row for e in self._entries]:
            old_entries = self._entries
            self._entries = [
                new._replace(status=old.status, cost=old.cost, last_run=old.last_run)
                for new, old in zip(entries, old_entries, strict=True)
            ]
            pairs = enumerate(zip(self._entries, old_entries, strict=True))
            changed = [pos for pos, (new, old) in pairs if new != old]
            self._announce(changed, COL_CASE, COL_SEVERITY)
            return
        self.beginResetModel()
        self._entries = entries
        self._position = {e.row: i for i, e in enumerate(self._entries)}
        self.endResetModel()

    def _announce(self, positions: Sequence[int], first_column: int, last_column: int) -> None:
        """One ``dataChanged`` per block of adjacent changed rows; one over them all when scattered
        (each announcement costs the proxy and the view a pass of their own)."""
        blocks = _blocks(positions)
        if len(blocks) > _MAX_BLOCKS:
            blocks = [(blocks[0][0], blocks[-1][1])]
        for first, last in blocks:
            self.dataChanged.emit(self.index(first, first_column), self.index(last, last_column))

    def set_reports(self, reports: Iterable[RowReport]) -> None:
        """Store validation reports for the rows they name; other rows keep what they had."""
        touched: list[int] = []
        for report in reports:
            pos = self._position.get(report.row)
            if pos is None:
                continue
            self._entries[pos] = with_report(self._entries[pos], report)
            touched.append(pos)
        if touched:
            self.dataChanged.emit(
                self.index(min(touched), COL_SCORE), self.index(max(touched), COL_SEVERITY)
            )

    def set_run_info(self, info: Mapping[int, RunInfo]) -> None:
        """Store each row's latest run status, cost and time; rows not named show "Not run"."""
        self._status_timer.stop()
        self._pending_status.clear()  # the journal's word is newer than any news still gathered
        changed: list[int] = []
        for pos, entry in enumerate(self._entries):
            run = info.get(entry.row)
            new = (
                entry._replace(status=NOT_RUN, cost=None, last_run="")
                if run is None
                else entry._replace(status=run.status, cost=run.cost, last_run=run.when)
            )
            if new != entry:
                self._entries[pos] = new
                changed.append(pos)
        self._announce(changed, COL_STATUS, COL_LAST_RUN)

    def set_claims(self, claims: Mapping[str, str]) -> None:
        """Show which rows colleagues hold, by case ID (``{case_id: "in progress by …, since …"}``);
        rows not named are nobody else's."""
        changed: list[int] = []
        for pos, entry in enumerate(self._entries):
            new = entry._replace(claimed_by=claims.get(entry.case_id, ""))
            if new != entry:
                self._entries[pos] = new
                changed.append(pos)
        self._announce(changed, COL_STATUS, COL_STATUS)

    def set_row_status(self, sheet_row: int, status: str) -> None:
        """Show a run's news for one row: its status changes, its cost and last run stay (a row
        never run before costs $0 so far).

        News is gathered for ``STATUS_BATCH_MS`` and then shown at once, one repaint per block of
        adjacent rows: a run sends a few events per row, and announcing each to the view (and the
        filter proxy behind it) cost the GUI thread more than the events were worth.
        """
        if sheet_row not in self._position:
            return
        self._pending_status[sheet_row] = status
        if not self._status_timer.isActive():
            self._status_timer.start()

    def flush_row_status(self) -> None:
        """Show the gathered run news now, one ``dataChanged`` per block of adjacent changed rows."""
        self._status_timer.stop()
        pending, self._pending_status = self._pending_status, {}
        changed: list[int] = []
        for sheet_row, status in pending.items():
            pos = self._position.get(sheet_row)
            if pos is None:
                continue
            entry = self._entries[pos]
            new = entry._replace(status=status, cost=entry.cost or 0.0)
            if new != entry:
                self._entries[pos] = new
                changed.append(pos)
        self._announce(changed, COL_STATUS, COL_LAST_RUN)

    def clear(self) -> None:
        """Remove every row."""
        self.set_scenarios(())

    # --- lookups -------------------------------------------------------------------------------

    def entry(self, model_row: int) -> RowEntry:
        """The entry at a model row."""
        return self._entries[model_row]

    def entry_for_row(self, sheet_row: int) -> RowEntry | None:
        """The entry of a sheet row number, if loaded."""
        self.flush_row_status()
        pos = self._position.get(sheet_row)
        return None if pos is None else self._entries[pos]

    def sort_keys(self, column: int) -> list[Any]:
        """The raw sort value of every row in ``column``, in model order."""
        self.flush_row_status()
        return [_sort_key(entry, column) for entry in self._entries]

    def entries(self) -> Sequence[RowEntry]:
        """Every entry, in sheet order."""
        self.flush_row_status()
        return tuple(self._entries)

    # --- Qt model API --------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: ModelIndex = QModelIndex()) -> QModelIndex:
        """The index of a cell (invalid outside the table); one call where Qt's default makes three."""
        if parent.isValid() or not (0 <= row < len(self._entries) and 0 <= column < len(COLUMNS)):
            return QModelIndex()
        return self.createIndex(row, column)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        """Number of scenario rows (0 under any parent: this is a flat table)."""
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        """Number of columns."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Display text, sort key, tooltip, severity icon and alignment of one cell."""
        if not index.isValid():
            return None
        return self._value(self._entries[index.row()], index.column(), role)

    @staticmethod
    def _value(entry: RowEntry, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(entry, column)
        if role == SORT_ROLE:
            return _sort_key(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(entry, column)
        if role == SEVERITY_ROLE:
            return entry.severity
        if role == CODES_ROLE:
            return entry.codes
        if role == STATUS_ROLE:
            return entry.status
        if role == Qt.ItemDataRole.DecorationRole and column == COL_SEVERITY and entry.severity:
            return severity_icon(entry.severity)
        if role == Qt.ItemDataRole.DecorationRole and column == COL_STATUS and entry.status == NEEDS_REVIEW:
            return severity_icon(Severity.WARNING.value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_ROW, COL_SCORE, COL_ISSUES, COL_COST):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _display(entry: RowEntry, column: int) -> str:
    if column == COL_ROW:
        return str(entry.row)
    if column == COL_CASE:
        return entry.case_id
    if column == COL_TITLE:
        return entry.title
    if column == COL_SCORE:
        return NOT_VALIDATED if entry.score is None else str(entry.score)
    if column == COL_ISSUES:
        return NOT_VALIDATED if entry.issues is None else str(entry.issues)
    if column == COL_SEVERITY:
        return entry.severity or NOT_VALIDATED
    if column == COL_COST:
        return "" if entry.cost is None else cost_text(entry.cost)
    if column == COL_LAST_RUN:
        return compact_time(entry.last_run)
    if entry.claimed_by and entry.status in (NOT_RUN, "PENDING", "CANCELLED"):
        return entry.claimed_by[0].upper() + entry.claimed_by[1:]
    return NEEDS_REVIEW_TEXT if entry.status == NEEDS_REVIEW else entry.status


#: The widest text the Last run column shows (its width is measured on it).
COMPACT_TIME_SAMPLE = "30 May 00:00"


def cost_text(cost: float) -> str:
    """A row's cost to four decimals; "$0" when nothing was paid, "< $0.0001" below what four show."""
    if cost <= 0:
        return "$0"
    if cost < 0.00005:
        return "< $0.0001"
    return f"${cost:.4f}"


def compact_time(iso: str) -> str:
    """A journal time as a short local date and time, e.g. ``29 Nov 14:05`` (empty stays empty)."""
    if not iso:
        return ""
    try:
        moment = _dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso[:16].replace("T", " ")
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return f"{moment.day} {moment:%b %H:%M}"


def _sort_key(entry: RowEntry, column: int) -> Any:
    if column == COL_ROW:
        return entry.row
    if column == COL_CASE:
        return entry.case_id.casefold()
    if column == COL_TITLE:
        return entry.title.casefold()
    if column == COL_SCORE:
        return -1 if entry.score is None else entry.score
    if column == COL_ISSUES:
        return -1 if entry.issues is None else entry.issues
    if column == COL_SEVERITY:
        return _SEVERITY_RANK.get(entry.severity, -1)
    if column == COL_COST:
        return -1.0 if entry.cost is None else entry.cost
    if column == COL_LAST_RUN:
        return entry.last_run
    return entry.status


def _tooltip(entry: RowEntry, column: int) -> str:
    if column == COL_ROW:
        return f"Sheet row {entry.row}"
    if column == COL_CASE:
        return f"Case ID {entry.case_id}" if entry.case_id else "This row has no Case ID"
    if column == COL_TITLE:
        return entry.title or "This row has no title"
    if entry.score is None and column in (COL_SCORE, COL_ISSUES, COL_SEVERITY):
        return "Not validated yet: press Validate"
    if column == COL_SCORE:
        return f"Quality score {entry.score} of {_SCORE_MAX} (initial vitals)"
    if column == COL_ISSUES:
        warnings = format_count(entry.warnings, "warning")
        return f"{format_count(entry.issues or 0, 'issue')}: {entry.critical} critical, {warnings}"
    if column == COL_SEVERITY:
        if entry.severity == OK:
            return "No issues found"
        return f"Worst issue: {entry.severity}"
    if column == COL_COST:
        return "Cost of the latest run for this row" if entry.cost is not None else "Not run yet"
    if column == COL_LAST_RUN:
        return f"Latest run: {entry.last_run}" if entry.last_run else "Not run yet"
    if entry.status == NEEDS_REVIEW:
        return "Completed and written, but the written vitals have warnings: check them in Review"
    if entry.claimed_by:
        return f"A colleague's SimBatch holds this row: {entry.claimed_by}. Runs here leave it to them."
    return "No enrichment run has touched this row yet" if entry.status == NOT_RUN else entry.status


class RowsSortProxy(QSortFilterProxyModel):
    """Sorts the rows by their raw values (numbers as numbers), fast.

    Qt's own sort asks the Python model for both cells of every comparison (about 260,000 calls for
    10,000 rows, seconds of GUI time). Here the sort column's keys are read once and ranked in Python;
    a comparison is two list lookups. The ranks are forgotten whenever the rows or the sort column's
    values change, before the proxy re-sorts (the handlers are connected ahead of the proxy's own).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._ranks: tuple[int, list[int]] | None = None  # (column, rank per model row)

    def setSourceModel(self, model: Any) -> None:
        """Use ``model`` (a :class:`RowsModel`) as the source."""
        if isinstance(model, RowsModel):
            for signal in (model.modelReset, model.layoutChanged, model.rowsInserted, model.rowsRemoved):
                signal.connect(self._forget_ranks)
            model.dataChanged.connect(self._values_changed)
        super().setSourceModel(model)

    def lessThan(self, left: ModelIndex, right: ModelIndex) -> bool:
        """Whether the ``left`` row sorts before the ``right`` one in their column."""
        ranks = self._ranks_of(left.column())
        return ranks[left.row()] < ranks[right.row()]

    def _ranks_of(self, column: int) -> list[int]:
        if self._ranks is None or self._ranks[0] != column:
            model = self.sourceModel()
            keys = model.sort_keys(column) if isinstance(model, RowsModel) else []
            ranks = [0] * len(keys)
            rank, previous = -1, object()
            for pos in sorted(range(len(keys)), key=keys.__getitem__):
                if keys[pos] != previous:
                    rank, previous = rank + 1, keys[pos]
                ranks[pos] = rank
            self._ranks = (column, ranks)
        return self._ranks[1]

    def _forget_ranks(self, *_args: object) -> None:
        self._ranks = None

    def _values_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, *_args: object) -> None:
        if self._ranks is not None and top_left.column() <= self._ranks[0] <= bottom_right.column():
            self._ranks = None
