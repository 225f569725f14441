"""The main window: the scenario rows of one source, validation, clinical defaults, details."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QTableView,
    QWidget,
)

from desktop.domain.models import CellChange, RowReport, Scenario
from desktop.errors import SimBatchError
from desktop.gui.defaults_preview import DefaultsPreviewDialog
from desktop.gui.detail_pane import DetailPane
from desktop.gui.rows_model import COL_TITLE, RowsModel, make_sort_proxy
from desktop.gui.tasks import TaskHandle, run_task
from desktop.services.source import CellRef, Source

log = logging.getLogger(__name__)

APP_TITLE = "SimBatch"


@dataclass(slots=True)
class Loaded:
    """What opening a source returns to the GUI thread."""

    source: Source
    scenarios: list[Scenario]


def load_source(text: str, scenario_tab: str | None) -> Loaded:
    """Open a source and read all its scenario rows (runs on a worker thread)."""
    from desktop.services.open_source import open_source

    source = open_source(text, scenario_tab)
    try:
        table = source.read_scenarios()
    except BaseException:
        source.close()
        raise
    return Loaded(source, table.scenarios)


def reread_scenarios(source: Source) -> list[Scenario]:
    """Read the rows of an already open source again (runs on a worker thread)."""
    return source.read_scenarios().scenarios


def validate_rows(scenarios: Sequence[Scenario]) -> list[RowReport]:
    """Validate rows (runs on a worker thread)."""
    from desktop.domain.validate import validate_table

    reports: list[RowReport] = validate_table(list(scenarios))
    return reports


def plan_defaults(scenarios: Sequence[Scenario], progress: Callable[[Any], None]) -> list[CellChange]:
    """The cell changes that clinical defaults would make (runs on a worker thread)."""
    from desktop.domain.defaults import apply_defaults

    changes: list[CellChange] = []
    total = len(scenarios)
    for done, scenario in enumerate(scenarios, start=1):
        changes.extend(apply_defaults(scenario).changes)
        if done % 200 == 0 or done == total:
            progress((done, total))
    return changes


def write_changes(source: Source, changes: Sequence[CellChange]) -> int:
    """Write planned changes in one batch (runs on a worker thread); returns the cell count."""
    source.write_cells({CellRef(c.row, c.column): c.new for c in changes})
    return len(changes)


def summary_text(row_count: int, reports: Sequence[RowReport] | None) -> str:
    """The status-bar summary, e.g. ``44 rows · 12 critical · 30 warnings · average score 104``."""
    rows = f"{row_count} row" + ("" if row_count == 1 else "s")
    if reports is None:
        return f"{rows} · not validated"
    from desktop.domain.validate import summarize

    totals = summarize(reports)
    average = totals["average_score"]
    shown = f"{average:g}" if isinstance(average, int | float) else str(average)
    return f"{rows} · {totals['critical']} critical · {totals['warnings']} warnings · average score {shown}"


class MainWindow(QMainWindow):
    """One open source: its rows in a sortable table, the selected row's details, and the actions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source: Source | None = None
        self.scenarios: dict[int, Scenario] = {}
        self.reports: dict[int, RowReport] | None = None
        self.defaults_preview: DefaultsPreviewDialog | None = None
        self._task: TaskHandle | None = None
        self._closed = False

        self.model = RowsModel(self)
        self.proxy = make_sort_proxy(self.model, self)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_TITLE, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 56), (1, 110), (3, 64), (4, 64), (5, 96), (6, 84)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.detail = DetailPane()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.setCentralWidget(splitter)

        self.open_action = QAction("Open workbook…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.setStatusTip("Open a local .xlsx workbook")
        self.open_action.triggered.connect(self.choose_workbook)
        self.validate_action = QAction("Validate", self)
        self.validate_action.setShortcuts([QKeySequence("Ctrl+Shift+V"), QKeySequence("F5")])
        self.validate_action.setStatusTip("Check every row's vitals (F5)")
        self.validate_action.triggered.connect(self.validate)
        self.defaults_action = QAction("Add defaults…", self)
        self.defaults_action.setShortcut(QKeySequence("Ctrl+D"))
        self.defaults_action.setStatusTip("Fill missing vitals fields of the selected rows (or all rows)")
        self.defaults_action.triggered.connect(self.add_defaults)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (self.open_action, self.validate_action, self.defaults_action):
            toolbar.addAction(action)
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.open_action)
        rows_menu = self.menuBar().addMenu("&Rows")
        rows_menu.addAction(self.validate_action)
        rows_menu.addAction(self.defaults_action)

        self.source_label = QLabel("No source open")
        self.source_label.setContentsMargins(4, 0, 16, 0)
        self.summary_label = QLabel("")
        self.busy_label = QLabel("")
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(160)
        self.progress_bar.setVisible(False)
        status = self.statusBar()
        status.addWidget(self.source_label)
        status.addWidget(self.summary_label, 1)
        status.addPermanentWidget(self.busy_label)
        status.addPermanentWidget(self.progress_bar)

        self.setWindowTitle(APP_TITLE)
        self.resize(1200, 720)
        self._update_actions()

    # --- state ---------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """True while background work runs."""
        return self._task is not None

    def _update_actions(self) -> None:
        has_rows = self.source is not None and bool(self.scenarios)
        self.open_action.setEnabled(not self.busy)
        self.validate_action.setEnabled(not self.busy and has_rows)
        self.defaults_action.setEnabled(not self.busy and has_rows)

    def _start(
        self,
        label: str,
        fn: Callable[..., Any],
        *args: Any,
        on_result: Callable[[Any], None],
    ) -> None:
        """Run ``fn`` in the background with the busy indicator shown and the actions disabled."""
        if self.busy or self._closed:
            return

        def done(value: Any) -> None:
            self._stop()
            on_result(value)

        def failed(error: BaseException) -> None:
            self._stop()
            self.show_error(label, error)

        self.busy_label.setText(f"{label}…")
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setVisible(True)
        self._task = run_task(
            fn, *args, on_result=done, on_error=failed, on_progress=self._progress, on_cancelled=self._stop
        )
        self._update_actions()

    def _progress(self, value: Any) -> None:
        done, total = value
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)

    def _stop(self) -> None:
        self._task = None
        if self._closed:
            return
        self.busy_label.setText("")
        self.progress_bar.setVisible(False)
        self._update_actions()

    def show_error(self, doing: str, error: BaseException) -> None:
        """Tell the user in one sentence what went wrong; never a traceback."""
        if isinstance(error, SimBatchError):
            message = str(error)
        else:
            log.error("%s failed", doing, exc_info=error)
            detail = str(error).strip().splitlines()
            reason = detail[0] if detail else type(error).__name__
            message = f"{doing} failed unexpectedly: {reason}"
        QMessageBox.critical(self, APP_TITLE, message)

    # --- opening -------------------------------------------------------------------------------

    def choose_workbook(self) -> None:
        """Ask for an .xlsx file and open it."""
        start = str(Path(self.source.locator).parent) if self.source is not None else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open workbook", start, "Excel workbooks (*.xlsx)")
        if path:
            self.open_source(path)

    def open_source(self, text: str, scenario_tab: str | None = None) -> None:
        """Open a source in the background and show its rows."""
        self._start("Opening", load_source, text, scenario_tab, on_result=self._source_loaded)

    def _source_loaded(self, loaded: Loaded) -> None:
        if self.source is not None:
            self.source.close()
        self.source = loaded.source
        self._show_rows(loaded.scenarios, reports=None)
        self.setWindowTitle(f"{APP_TITLE} — {loaded.source.display_name}")
        self.source_label.setText(loaded.source.display_name)
        self.source_label.setToolTip(loaded.source.locator)
        _remember_source(loaded.source.locator)

    def _show_rows(self, scenarios: Sequence[Scenario], reports: dict[int, RowReport] | None) -> None:
        self.scenarios = {s.row: s for s in scenarios}
        self.reports = reports
        self.model.set_scenarios(scenarios)
        if reports is not None:
            self.model.set_reports(reports.values())
        self._refresh_summary()
        self._refresh_detail()
        self._update_actions()

    # --- validation ----------------------------------------------------------------------------

    def validate(self) -> None:
        """Validate every loaded row in the background."""
        if self.source is None or not self.scenarios:
            return
        self._start("Validating", validate_rows, list(self.scenarios.values()), on_result=self._validated)

    def _validated(self, reports: list[RowReport]) -> None:
        self.reports = {r.row: r for r in reports}
        self.model.set_reports(reports)
        self._refresh_summary()
        self._refresh_detail()

    def _refresh_summary(self) -> None:
        reports = None if self.reports is None else list(self.reports.values())
        self.summary_label.setText(summary_text(len(self.scenarios), reports))

    # --- clinical defaults ---------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        """Sheet row numbers of the selected table rows, in sheet order."""
        rows = {
            self.model.entry(self.proxy.mapToSource(index).row()).row
            for index in self.table.selectionModel().selectedRows()
        }
        return sorted(rows)

    def add_defaults(self) -> None:
        """Plan clinical defaults for the selected rows (all when none) and preview them."""
        if self.source is None or not self.scenarios:
            return
        rows = self.selected_rows() or sorted(self.scenarios)
        targets = [self.scenarios[r] for r in rows]
        self._start("Planning defaults", plan_defaults, targets, on_result=self._defaults_planned)

    def _defaults_planned(self, changes: list[CellChange]) -> None:
        if not changes:
            self.statusBar().showMessage("Nothing to add: no missing vitals fields in those rows.", 8000)
            return
        case_ids = {row: s.case_id for row, s in self.scenarios.items()}
        dialog = DefaultsPreviewDialog(changes, case_ids, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.accepted.connect(lambda: self._apply_defaults(dialog.changes))
        dialog.finished.connect(self._preview_closed)
        self.defaults_preview = dialog
        dialog.open()

    def _preview_closed(self) -> None:
        if self.defaults_preview is not None:
            self.defaults_preview.deleteLater()
        self.defaults_preview = None

    def _apply_defaults(self, changes: list[CellChange]) -> None:
        if self.source is None:
            return
        self._start("Writing defaults", write_changes, self.source, changes, on_result=self._defaults_written)

    def _defaults_written(self, count: int) -> None:
        self.statusBar().showMessage(f"Wrote clinical defaults to {count} cells.", 8000)
        if self.source is not None:
            self._start("Reloading", reread_scenarios, self.source, on_result=self._reloaded_after_write)

    def _reloaded_after_write(self, scenarios: list[Scenario]) -> None:
        self._show_rows(scenarios, reports=None)
        self.validate()

    # --- details -------------------------------------------------------------------------------

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._refresh_detail()

    def _refresh_detail(self) -> None:
        rows = self.selected_rows()
        if not rows:
            self.detail.clear()
        elif len(rows) > 1:
            self.detail.show_multiple(len(rows))
        else:
            scenario = self.scenarios.get(rows[0])
            if scenario is None:
                self.detail.clear()
                return
            report = None if self.reports is None else self.reports.get(rows[0])
            self.detail.show_scenario(scenario, report)

    def select_row(self, sheet_row: int) -> None:
        """Select the table row showing a sheet row number (and scroll to it)."""
        for model_row, entry in enumerate(self.model.entries()):
            if entry.row == sheet_row:
                index = self.proxy.mapFromSource(self.model.index(model_row, 0))
                self.table.selectRow(index.row())
                self.table.scrollTo(index)
                return

    # --- closing -------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop background work and release the source."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            self._task.wait(10)
            self._task = None
        if self.source is not None:
            self.source.close()
        super().closeEvent(event)


def _remember_source(locator: str) -> None:
    """Store the last opened source in the settings, when the settings module is available."""
    try:
        from desktop.settings import load_settings, save_settings
    except ImportError:
        return
    try:
        settings = load_settings()
        if settings.last_source != locator:
            settings.last_source = locator
            save_settings(settings)
    except (OSError, ValueError) as exc:
        log.warning("Could not remember the last source: %s", exc)
