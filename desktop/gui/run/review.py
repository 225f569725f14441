"""Review: for each processed row of a run, vitals before and after per state, changes highlighted and
the fields the model generated marked (the others are the author's), rows flagged for review marked
and filterable, a monitor preview of the selected state, and Accept or Revert for the row. Reads only
the journal (works offline); Revert needs the source."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.app.rows import revert_changes
from desktop.app.runs import recent_runs
from desktop.gui.context import AppContext
from desktop.gui.qt.workers import local_pool, run_task
from desktop.gui.run.review_lines import flag_text, state_cells
from desktop.gui.run.review_table import ReviewTable
from desktop.gui.widgets.monitor import PatientMonitor
from desktop.gui.widgets.report_export import ReportExport
from desktop.journal import RowStatus, RowTask, RunRecord

REVIEWED = "reviewed"
#: Row filter choices of the Review tab.
ALL_ROWS, FLAGGED_ROWS = "all", "flagged"
FLAG_MARK = "⚑ "


class ReviewPanel(QWidget):
    """The Review tab."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.tasks: dict[int, RowTask] = {}
        #: The sheet row of each line of the rows list, in its order.
        self._list_rows: list[int] = []
        self.runs: list[RunRecord] = []
        #: Rows loaded while the tab was hidden behind another, listed when it is shown.
        self._fill_when_shown = False

        self.run_box = QComboBox()
        self.run_box.setToolTip("The run whose results you review")
        self.run_box.currentIndexChanged.connect(self._run_chosen)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the runs from the journal again")
        self.refresh_button.clicked.connect(self.refresh)
        self.report_export = ReportExport(context)
        self.filter_box = QComboBox()
        self.filter_box.addItem("All rows", ALL_ROWS)
        self.filter_box.addItem("Flagged", FLAGGED_ROWS)
        self.filter_box.setToolTip("Show every completed row, or only those flagged for review")
        self.filter_box.currentIndexChanged.connect(lambda _i: self._fill_rows())
        self.rows_list = QListWidget()
        self.rows_list.setToolTip(
            "Rows this run completed; ⚑ marks rows flagged for review (their vitals have warnings), "
            "✓ rows you accepted"
        )
        self.rows_list.currentRowChanged.connect(self._row_chosen)
        self.rows_list.setMinimumWidth(self.fontMetrics().horizontalAdvance("Row 00000 · CARD-0000-X00") + 24)
        self.table = ReviewTable()
        self.table.currentCellChanged.connect(lambda row, *_: self._state_chosen(row))
        self.monitor = PatientMonitor()
        self.status_label = QLabel("Choose a run to review its rows.")
        self.status_label.setWordWrap(True)
        self.accept_button = QPushButton("&Accept row")
        self.accept_button.setToolTip("Mark this row's result as reviewed")
        self.accept_button.clicked.connect(self.accept_row)
        self.revert_button = QPushButton("Re&vert row")
        self.revert_button.setToolTip(
            "Put back what this run wrote to this row (cells changed since are kept)"
        )
        self.revert_button.clicked.connect(self.revert_row)

        top = QHBoxLayout()
        top.addWidget(QLabel("Run:"))
        top.addWidget(self.run_box, 1)
        top.addWidget(QLabel("Show:"))
        top.addWidget(self.filter_box)
        top.addWidget(self.refresh_button)
        top.addWidget(self.report_export)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.table, 3)
        right_layout.addWidget(self.monitor, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.revert_button)
        right_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.rows_list)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self._update_buttons()
        context.source_changed.connect(self.refresh)

    # --- loading ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the enrichment runs from the journal (off the GUI thread)."""
        journal = self.context.journal
        run_task(lambda _ctx: recent_runs(journal, None), on_result=self._runs_loaded, on_error=self._failed,
                 pool=local_pool())

    def _runs_loaded(self, runs: list[RunRecord]) -> None:
        current = self.current_run_id()
        self.runs = runs
        self.run_box.blockSignals(True)
        self.run_box.clear()
        for run in runs:
            self.run_box.addItem(
                f"{run.run_id} · {run.kind} · {run.totals.completed} rows · "
                f"{run.created_at[:16].replace('T', ' ')}",
                run.run_id,
            )
        self.run_box.blockSignals(False)
        index = max(0, self.run_box.findData(current)) if current else 0
        if runs:
            self.run_box.setCurrentIndex(index)
            self._run_chosen(index)
        else:
            self.report_export.set_run(None)
            self.status_label.setText("No run has produced results yet.")

    def show_run(self, run_id: str) -> None:
        """Load the rows of a run (off the GUI thread)."""
        journal = self.context.journal
        run_task(
            lambda _ctx: journal.tasks(run_id, [RowStatus.COMPLETED]),
            on_result=self._tasks_loaded,
            on_error=self._failed,
            pool=local_pool(),
        )

    def current_run_id(self) -> str | None:
        """The run being reviewed."""
        data = self.run_box.currentData()
        return data if isinstance(data, str) else None

    def _run_chosen(self, _index: int) -> None:
        run_id = self.current_run_id()
        self.report_export.set_run(run_id)
        if run_id:
            self.show_run(run_id)

    def _tasks_loaded(self, tasks: list[RowTask]) -> None:
        self.tasks = {t.row: t for t in tasks if t.result}
        if self.window().isVisible() and not self.isVisible():
            # Behind another tab: listing a thousand rows (and showing the first) at the end of a run
            # was 10-15 ms of GUI-thread time that nobody saw; it is done when the tab is shown.
            self._fill_when_shown = True
            return
        self._fill_rows()

    def showEvent(self, event: QShowEvent) -> None:
        """List the rows loaded while the tab was hidden."""
        super().showEvent(event)
        if self._fill_when_shown:
            self._fill_rows()

    def _fill_rows(self) -> None:
        self._fill_when_shown = False
        flagged_only = self.filter_box.currentData() == FLAGGED_ROWS
        shown = [t for t in self.tasks.values() if t.flagged or not flagged_only]
        self.rows_list.clear()
        # One call with every line: a thousand addItem calls were a stall at the end of a long run.
        self._list_rows = [task.row for task in shown]
        self.rows_list.addItems([
            ("✓ " if task.checkpoint == REVIEWED else "") + (FLAG_MARK if task.flagged else "")
            + f"Row {task.row} · {task.case_id}"
            for task in shown
        ])  # fmt: skip
        for index, task in enumerate(shown):
            if task.flagged:
                self.rows_list.item(index).setToolTip("Flagged for review:\n" + flag_text(task))
        flagged = sum(1 for t in self.tasks.values() if t.flagged)
        if shown:
            self.status_label.setText(f"{len(self.tasks)} rows to review, {flagged} flagged for review.")
        elif self.tasks:
            self.status_label.setText("No row of this run is flagged for review.")
        else:
            self.status_label.setText("This run has no completed rows with results.")
        if shown:
            self.rows_list.setCurrentRow(0)
        else:
            self.table.setRowCount(0)
            self.monitor.clear()
        self._update_buttons()

    def _failed(self, error: BaseException) -> None:
        self.status_label.setText(f"The journal could not be read: {error}")

    # --- one row ----------------------------------------------------------------------------------

    def current_row(self) -> int | None:
        """The sheet row being reviewed."""
        index = self.rows_list.currentRow()
        return self._list_rows[index] if 0 <= index < len(self._list_rows) else None

    def select_row(self, row: int) -> None:
        """Review this sheet row of the current run."""
        if row in self._list_rows:
            self.rows_list.setCurrentRow(self._list_rows.index(row))

    def _row_chosen(self, _index: int) -> None:
        row = self.current_row()
        task = self.tasks.get(row) if row is not None else None
        if self.table.show_task(task):
            self.table.setCurrentCell(0, 0)
            self._state_chosen(0)
        if task is None:
            self.monitor.clear()
            self._update_buttons()
            return
        if task.flagged:
            self.status_label.setText(f"Row {task.row} is flagged for review: " + flag_text(task, "; "))
        self._update_buttons()

    def _state_chosen(self, table_row: int) -> None:
        row = self.current_row()
        task = self.tasks.get(row) if row is not None else None
        column = self.table.state_at(table_row)
        if task is not None and column is not None:
            self.monitor.set_state(state_cells(task, column), column)

    def _update_buttons(self) -> None:
        has_row = self.current_row() is not None
        self.accept_button.setEnabled(has_row)
        self.revert_button.setEnabled(has_row and self.context.can_write)

    def accept_row(self) -> None:
        """Mark the row reviewed in the journal."""
        row, run_id = self.current_row(), self.current_run_id()
        if row is None or run_id is None:
            return
        journal = self.context.journal
        run_task(
            lambda _ctx: journal.set_checkpoint(run_id, row, REVIEWED),
            on_result=lambda _v: self._accepted(run_id, row),
            on_error=self._failed,
            owner=self,
        )

    def _accepted(self, run_id: str, row: int) -> None:
        self.status_label.setText(f"Row {row} accepted.")
        item = self.rows_list.currentItem()
        if item is not None and not item.text().startswith("✓"):
            item.setText("✓ " + item.text())

    def revert_row(self) -> None:
        """Put back what the run wrote to this row (off the GUI thread)."""
        row, run_id, source = self.current_row(), self.current_run_id(), self.context.source
        if row is None or run_id is None or source is None or not self.context.can_write:
            return
        journal = self.context.journal
        self.revert_button.setEnabled(False)
        run_task(
            lambda _ctx: revert_changes(journal, source, run_id, rows=[row]),
            on_result=lambda outcome: self._reverted(row, len(outcome.reverted), len(outcome.skipped)),
            on_error=self._failed,
            owner=self,
        )

    def _reverted(self, row: int, reverted: int, skipped: int) -> None:
        text = f"Row {row}: put back {reverted} cells."
        if skipped:
            text += f" {skipped} cells were changed since and were left alone."
        self.status_label.setText(text)
        self._update_buttons()
