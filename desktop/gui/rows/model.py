"""Table model over the scenario rows: one plain tuple per row, every cell's text stored in Qt.

Columns: Row, Case ID, Title, Score, Issues, Severity, Status, Cost, Last run (gui/rows/columns.py);
what a cell shows is gui/rows/cells.py; sorting and filtering are the proxy's (gui/rows/sorting.py).

The model is a ``QStandardItemModel`` that is written to, never asked: painting the table, sorting and
filtering read the stored cells in Qt's own code. A Python ``data()`` would be called some 4,000 times
per repaint, and during a run each call from Qt into Python waits for the interpreter lock that the
worker threads hold: a repaint of the table took 100-134 ms of the GUI thread (bench/gui_latency.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import islice

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QStandardItem, QStandardItemModel

from desktop.domain.models import RowReport, Scenario
from desktop.gui.rows.cells import cell_roles, changed_columns
from desktop.gui.rows.columns import (
    COL_CASE,
    COL_ROW,
    COLUMNS,
    NOT_RUN,
    RowEntry,
    RunInfo,
    entries_for,
    with_report,
)

#: How long run news for rows is gathered before the table shows it.
STATUS_BATCH_MS = 100
#: Rows whose gathered news is taken in per turn of the event loop (all 1,000 rows of a run turn
#: PENDING at once at its start: taking them in at once was 5-10 ms of the GUI thread's CPU).
NEWS_PER_TURN = 200
#: Rows whose changed cells are stored in one turn of the event loop (a few ms of the GUI thread).
SLICE_ROWS = 20


class RowsModel(QStandardItemModel):
    """The scenario rows of the open source with their latest validation outcome."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self._entries: list[RowEntry] = []
        self._position: dict[int, int] = {}  # sheet row number -> model row
        self._pending_status: dict[int, str] = {}  # sheet row -> run status not shown yet
        self._status_timer = QTimer(self)
        self._status_timer.setSingleShot(True)
        self._status_timer.setInterval(STATUS_BATCH_MS)
        self._status_timer.timeout.connect(self._take_news)
        self._stale: dict[int, RowEntry] = {}  # model row -> the entry its stored cells still show
        self._slice_timer = QTimer(self)
        self._slice_timer.setSingleShot(True)
        self._slice_timer.setInterval(0)
        self._slice_timer.timeout.connect(self._store_slice)

    @property
    def cells_current(self) -> bool:
        """Whether every stored cell shows its row's entry (large changes are stored over a few turns
        of the event loop; the entries themselves are always current)."""
        return not self._stale

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
        information is read again, and only cells that look different are announced.
        """
        entries = list(entries) if entries is not None else entries_for(scenarios, reports)
        if keep_run_info and [e.row for e in entries] == [e.row for e in self._entries]:
            self._replace(
                (pos, new._replace(status=old.status, cost=old.cost, last_run=old.last_run))
                for pos, (new, old) in enumerate(zip(entries, self._entries, strict=True))
            )
            return
        self._slice_timer.stop()
        self._stale.clear()
        self.beginResetModel()
        self.blockSignals(True)  # one reset, not a signal per cell
        try:
            self.setRowCount(0)
            self.setRowCount(len(entries))
            self._entries = entries
            self._position = {e.row: i for i, e in enumerate(self._entries)}
            for pos, entry in enumerate(entries):
                for column in range(len(COLUMNS)):
                    self.setItemData(self.index(pos, column), cell_roles(entry, column))
        finally:
            self.blockSignals(False)
        self.endResetModel()

    def _replace(self, changes: Iterable[tuple[int, RowEntry]]) -> None:
        """Take new entries for model rows; the cells that look different are stored and announced
        (which cells is worked out a slice at a time, when they are stored)."""
        entries, stale = self._entries, self._stale
        for pos, new in changes:
            old = entries[pos]
            if new != old:
                entries[pos] = new
                stale.setdefault(pos, old)
        self._store_slice()

    def _store_slice(self) -> None:
        """Store the out-of-date cells of up to ``SLICE_ROWS`` rows and announce each changed cell; the
        rest follow in the next turns of the event loop, so no change keeps the GUI thread for long.

        Cells are looked up with ``item()`` and announced by Qt's own ``emitDataChanged``: ``index()`` and
        a ``dataChanged.emit`` from Python both let go of the interpreter lock, and during a run each took
        it back only after the workers had had their turn (a 20-row slice waited 4-6 ms for the lock).
        One cell at a time, the view repaints only what changed and the proxy looks again at those rows.
        """
        if not self._stale:
            return
        announce: list[QStandardItem] = []
        self.blockSignals(True)  # one announcement per cell below, not one per role
        try:
            # In the order the rows changed: sorting every stale row for each slice made a 10,000-row
            # change cost the GUI thread quadratic time.
            for pos in sorted(islice(self._stale, SLICE_ROWS)):
                entry = self._entries[pos]
                changed = changed_columns(self._stale.pop(pos), entry)
                for column in changed:
                    cell = self.item(pos, column)
                    for role, value in cell_roles(entry, column).items():
                        cell.setData(value, role)  # None takes a role away
                # A Row cell changes only in its filter text; it is announced through another cell of its
                # row (the proxy filters the whole row again): announced itself, a view sorted by row
                # would sort the row again.
                shown = changed - {COL_ROW} or ({COL_CASE} if changed else set())
                announce.extend(self.item(pos, column) for column in sorted(shown))
        finally:
            self.blockSignals(False)
        for cell in announce:
            cell.emitDataChanged()
        if self._stale:
            self._slice_timer.start()

    def set_reports(self, reports: Iterable[RowReport]) -> None:
        """Store validation reports for the rows they name; other rows keep what they had."""
        changes: list[tuple[int, RowEntry]] = []
        for report in reports:
            pos = self._position.get(report.row)
            if pos is not None:
                changes.append((pos, with_report(self._entries[pos], report)))
        self._replace(changes)

    def set_run_info(self, info: Mapping[int, RunInfo]) -> None:
        """Store each row's latest run status, cost and time; rows not named show "Not run"."""
        self._status_timer.stop()
        self._pending_status.clear()  # the journal's word is newer than any news still gathered
        changes: list[tuple[int, RowEntry]] = []
        for pos, entry in enumerate(self._entries):
            status, cost, when = info.get(entry.row) or (NOT_RUN, None, "")
            if (entry.status, entry.cost, entry.last_run) != (status, cost, when):
                changes.append((pos, entry._replace(status=status, cost=cost, last_run=when)))
        self._replace(changes)

    def set_claims(self, claims: Mapping[str, str]) -> None:
        """Show which rows colleagues hold, by case ID (``{case_id: "in progress by …, since …"}``);
        rows not named are nobody else's."""
        self._replace(
            (pos, entry._replace(claimed_by=claimed))
            for pos, entry in enumerate(self._entries)
            if entry.claimed_by != (claimed := claims.get(entry.case_id, ""))
        )

    def set_row_statuses(self, statuses: Iterable[tuple[int, str]]) -> None:
        """Show a run's news, (sheet row, status) in the order it happened: each row's status changes,
        its cost and last run stay (a row never run before costs $0 so far); rows not loaded are left
        out.

        News is gathered for ``STATUS_BATCH_MS`` and then shown at once, each row's latest status only:
        a run sends a few events per row, and showing each one cost the GUI thread more than the events
        were worth.
        """
        position, pending = self._position, self._pending_status
        for sheet_row, status in statuses:
            if sheet_row in position:
                pending[sheet_row] = status
        if pending and not self._status_timer.isActive():
            self._status_timer.start(STATUS_BATCH_MS)

    def flush_row_status(self) -> None:
        """Show all the gathered run news now."""
        self._status_timer.stop()
        self._take_news(len(self._pending_status))

    def _take_news(self, most: int = NEWS_PER_TURN) -> None:
        """Take in the news of up to ``most`` rows; the rest follows in the next turn of the event loop."""
        pending = self._pending_status
        taken = [pending.popitem() for _ in range(min(most, len(pending)))]  # any order: one news per row
        if pending:
            self._status_timer.start(0)
        changes: list[tuple[int, RowEntry]] = []
        for sheet_row, status in taken:
            pos = self._position.get(sheet_row)
            if pos is not None:
                entry = self._entries[pos]
                changes.append((pos, entry._replace(status=status, cost=entry.cost or 0.0)))
        self._replace(changes)

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

    def entries(self) -> Sequence[RowEntry]:
        """Every entry, in sheet order."""
        self.flush_row_status()
        return tuple(self._entries)
