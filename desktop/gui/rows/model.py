"""Table model over the scenario rows: one plain tuple per row, nothing recomputed per cell.

Columns: Row, Case ID, Title, Score, Issues, Severity, Status, Cost, Last run (gui/rows/columns.py);
what a cell shows is gui/rows/cells.py; sorting goes through gui/rows/sorting.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer

from desktop.domain.models import RowReport, Scenario, Severity
from desktop.gui.rows.cells import cell_text, severity_icon, sort_key, tooltip_text
from desktop.gui.rows.columns import (
    CODES_ROLE,
    COL_CASE,
    COL_COST,
    COL_ISSUES,
    COL_LAST_RUN,
    COL_ROW,
    COL_SCORE,
    COL_SEVERITY,
    COL_STATUS,
    COLUMNS,
    NOT_RUN,
    SEVERITY_ROLE,
    SORT_ROLE,
    STATUS_ROLE,
    RowEntry,
    RunInfo,
    entries_for,
    with_report,
)
from desktop.journal import NEEDS_REVIEW

ModelIndex = QModelIndex | QPersistentModelIndex
#: How long run news for rows is gathered before the table shows it.
STATUS_BATCH_MS = 100
#: More blocks of changed rows than this are announced as one span.
_MAX_BLOCKS = 20


def _blocks(positions: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted positions as (first, last) blocks of adjacent numbers: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    blocks: list[tuple[int, int]] = []
    for pos in sorted(positions):
        if blocks and pos == blocks[-1][1] + 1:
            blocks[-1] = (blocks[-1][0], pos)
        else:
            blocks.append((pos, pos))
    return blocks


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
        """The raw sort value of every row in ``column``, in model order.

        Run news still being gathered is not shown first: this is called while the proxy sorts, and
        showing it announces changes from inside the sort; the news re-sorts the rows when it is shown.
        """
        return [sort_key(entry, column) for entry in self._entries]

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
            return cell_text(entry, column)
        if role == SORT_ROLE:
            return sort_key(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip_text(entry, column)
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
