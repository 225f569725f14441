"""The main window: rows on the left, a tab per task on the right (details, run, progress, batch
jobs, review), the actions in a toolbar and menus, and the progress of any long action below."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.models import CellChange, RowReport, Scenario
from desktop.errors import SimBatchError
from desktop.gui.about import AboutDialog
from desktop.gui.change_preview import ChangePlan, ChangePreviewDialog, plan_autofix_changes
from desktop.gui.context import AppContext
from desktop.gui.detail_pane import DetailPane
from desktop.gui.offline import (
    Loaded,
    apply_changes,
    latest_run_info,
    load_source,
    plan_defaults,
    reread_scenarios,
    undo_run,
    validate_rows,
)
from desktop.gui.review import ReviewPanel
from desktop.gui.rows_model import RowsModel, RunInfo
from desktop.gui.rows_view import RowsView
from desktop.gui.tasks import TaskHandle, run_task
from desktop.gui.welcome import WelcomeDialog
from desktop.journal import Journal, RunKind
from desktop.services.source import Source

log = logging.getLogger(__name__)

APP_TITLE = "SimBatch"
__all__ = ["APP_TITLE", "Loaded", "MainWindow", "summary_text"]


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


def _action(
    parent: QWidget,
    text: str,
    shortcut: str | QKeySequence.StandardKey | None,
    tip: str,
    slot: Callable[[], None],
) -> QAction:
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setStatusTip(tip)
    action.setToolTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    return action


class MainWindow(QMainWindow):
    """One open source: its rows, the selected row's details, the run side and the review."""

    def __init__(self, context: AppContext | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._owns_journal = context is None
        self.context = context if context is not None else AppContext(Journal.open(), parent=self)
        self.source: Source | None = None
        self.scenarios: dict[int, Scenario] = {}
        self.reports: dict[int, RowReport] | None = None
        self.preview: ChangePreviewDialog | None = None
        self.undo_stack: list[str] = []  # run ids of changes applied in this session, newest last
        self._task: TaskHandle | None = None
        self._side_tasks: set[TaskHandle] = set()
        self._closed = False
        self._source_text: str | None = None
        #: The first-start welcome dialog while it is shown (see ``app.create_main_window_with_welcome``).
        self.welcome: WelcomeDialog | None = None
        #: The About dialog last opened from the Help menu.
        self.about_dialog: AboutDialog | None = None

        self.model = RowsModel(self)
        self.rows_view = RowsView(self.model)
        self.proxy = self.rows_view.proxy
        self.table = self.rows_view.table
        self.rows_view.selection_changed.connect(self._selection_changed)
        self.context.set_selection_provider(self.rows_view.selected_rows)
        self.context.row_status_changed.connect(self._row_status_changed)

        self.banner = self._make_banner()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 6)
        left_layout.addWidget(self.banner)
        left_layout.addWidget(self.rows_view, 1)

        self.detail = DetailPane()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.detail, "Details")
        self.run_side: Any = None
        try:
            from desktop.gui.run_side import install_run_side
        except ImportError:
            log.info("The run panels are not part of this build.")
        else:
            self.run_side = install_run_side(self.context, self.tabs)
        self.review = ReviewPanel(self.context)
        self.tabs.addTab(self.review, "Review")
        if self.run_side is not None:
            self.run_side.controller.finished.connect(self._run_ended)
            self.run_side.batches_panel.run_finished.connect(self._run_ended)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.setCentralWidget(splitter)

        self._make_actions()
        self._make_status_bar()
        self.setWindowTitle(APP_TITLE)
        self.resize(1280, 760)
        self._update_actions()

    # --- construction ----------------------------------------------------------------------------

    def _make_banner(self) -> QFrame:
        banner = QFrame()
        banner.setFrameShape(QFrame.Shape.StyledPanel)
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(20, 20))
        self.banner_label = QLabel("")
        self.banner_label.setWordWrap(True)
        font = self.banner_label.font()
        font.setBold(True)
        self.banner_label.setFont(font)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setToolTip("Try to reach the source again")
        self.retry_button.clicked.connect(self.retry)
        layout = QHBoxLayout(banner)
        layout.addWidget(icon)
        layout.addWidget(self.banner_label, 1)
        layout.addWidget(self.retry_button)
        banner.setVisible(False)
        return banner

    def _make_actions(self) -> None:
        self.open_action = _action(
            self,
            "Open workbook…",
            QKeySequence.StandardKey.Open,
            "Open a local .xlsx workbook (Ctrl+O)",
            self.choose_workbook,
        )
        self.open_sheet_action = _action(
            self,
            "Open Google Sheet…",
            "Ctrl+Shift+O",
            "Open a Google Sheet from its link (Ctrl+Shift+O)",
            self.choose_sheet,
        )
        self.validate_action = _action(
            self, "Validate", "Ctrl+Shift+V", "Check every row's vitals (F5)", self.validate
        )
        self.validate_action.setShortcuts([QKeySequence("Ctrl+Shift+V"), QKeySequence("F5")])
        self.autofix_action = _action(
            self,
            "Auto-fix…",
            "Ctrl+Shift+F",
            "Preview automatic fixes of the selected rows (or all rows), Ctrl+Shift+F",
            self.auto_fix,
        )
        self.defaults_action = _action(
            self,
            "Add defaults…",
            "Ctrl+D",
            "Fill missing vitals fields of the selected rows (or all rows), Ctrl+D",
            self.add_defaults,
        )
        self.undo_action = _action(
            self,
            "Undo last change",
            QKeySequence.StandardKey.Undo,
            "Put back what the last applied auto-fix or defaults replaced (Ctrl+Z)",
            self.undo,
        )
        self.cancel_action = _action(self, "Cancel", "Esc", "Stop the action in progress (Esc)", self.cancel)
        self.settings_action = _action(
            self,
            "Settings…",
            QKeySequence.StandardKey.Preferences,
            "API key, model, prices, workers, tabs and Google account",
            self.open_settings,
        )
        if self.settings_action.shortcut().isEmpty():
            self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.review_action = _action(
            self,
            "Review",
            "Ctrl+R",
            "Review the rows a run changed (Ctrl+R)",
            lambda: self.tabs.setCurrentWidget(self.review),
        )
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        toolbar.toggleViewAction().setStatusTip("Show or hide the toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (
            self.open_action,
            self.validate_action,
            self.autofix_action,
            self.defaults_action,
            self.undo_action,
            self.review_action,
            self.settings_action,
        ):
            toolbar.addAction(action)
        file_menu = self.menuBar().addMenu("&File")
        for action in (self.open_action, self.open_sheet_action, self.settings_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(
            _action(self, "Quit", QKeySequence.StandardKey.Quit, "Close SimBatch", self._quit)
        )
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.cancel_action)
        rows_menu = self.menuBar().addMenu("&Rows")
        for action in (self.validate_action, self.autofix_action, self.defaults_action, self.review_action):
            rows_menu.addAction(action)
        view_menu = self.menuBar().addMenu("&View")
        self.tab_actions: list[QAction] = []
        for index in range(self.tabs.count()):
            name = self.tabs.tabText(index)
            action = _action(
                self,
                f"{name} tab",
                f"Ctrl+{index + 1}",
                f"Show the {name} tab (Ctrl+{index + 1})",
                functools.partial(self.tabs.setCurrentIndex, index),
            )
            self.tab_actions.append(action)
            view_menu.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        self.about_action = _action(
            self,
            "About SimBatch",
            QKeySequence.StandardKey.HelpContents,
            "Version, licence and the bundled components (F1)",
            self.show_about,
        )
        if self.about_action.shortcut().isEmpty():
            self.about_action.setShortcut(QKeySequence("F1"))
        help_menu.addAction(self.about_action)

    def _quit(self) -> None:
        self.close()

    def show_about(self) -> None:
        """Open the About dialog (version, licence, bundled components)."""
        from desktop.gui.about import show_about

        self.about_dialog = show_about(self)

    def _run_ended(self, _outcome: object) -> None:
        """A run or a batch run ended: refresh the rows' Status/Cost/Last run and the Review runs."""
        self._refresh_run_info()
        self.review.refresh()

    def _make_status_bar(self) -> None:
        self.source_label = QLabel("No source open")
        self.source_label.setContentsMargins(4, 0, 16, 0)
        self.summary_label = QLabel("")
        self.busy_label = QLabel("")
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(180)
        self.progress_bar.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the action in progress (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setVisible(False)
        status = self.statusBar()
        status.addWidget(self.source_label)
        status.addWidget(self.summary_label, 1)
        status.addPermanentWidget(self.busy_label)
        status.addPermanentWidget(self.progress_bar)
        status.addPermanentWidget(self.cancel_button)

    # --- state ------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """True while a foreground background action runs."""
        return self._task is not None

    @property
    def defaults_preview(self) -> ChangePreviewDialog | None:
        """The open change preview, if any (kept under its first name for callers)."""
        return self.preview

    def _update_actions(self) -> None:
        has_rows = bool(self.scenarios)
        writable = self.context.can_write and has_rows and not self.busy
        self.open_action.setEnabled(not self.busy)
        self.open_sheet_action.setEnabled(not self.busy)
        self.validate_action.setEnabled(not self.busy and has_rows)
        self.autofix_action.setEnabled(writable)
        self.defaults_action.setEnabled(writable)
        self.undo_action.setEnabled(writable and bool(self.undo_stack))
        self.cancel_action.setEnabled(self.busy)
        self.retry_button.setEnabled(not self.busy)

    def _start(
        self,
        label: str,
        fn: Callable[..., Any],
        *args: Any,
        on_result: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run ``fn`` in the background with progress and Cancel shown and the actions disabled."""
        if self.busy or self._closed:
            return

        def done(value: Any) -> None:
            self._stop()
            on_result(value)

        def failed(error: BaseException) -> None:
            self._stop()
            (on_error or (lambda e: self.show_error(label, e)))(error)

        self.busy_label.setText(f"{label}…")
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setVisible(True)
        self.cancel_button.setVisible(True)
        self._task = run_task(
            fn,
            *args,
            on_result=done,
            on_error=failed,
            on_progress=self._progress,
            on_cancelled=self._cancelled,
            owner=self,
        )
        self._update_actions()

    def _side(self, fn: Callable[..., Any], *args: Any, on_result: Callable[[Any], None]) -> None:
        """Quiet background work that does not block the actions (caching, run info)."""
        if self._closed:
            return
        holder: list[TaskHandle] = []

        def finish(value: Any = None, ok: bool = True) -> None:
            if holder:
                self._side_tasks.discard(holder[0])
            if ok and not self._closed:
                on_result(value)

        def failed(error: BaseException) -> None:
            log.warning("Background work failed: %s", error)
            finish(ok=False)

        handle = run_task(
            fn, *args, on_result=finish, on_error=failed, on_cancelled=lambda: finish(ok=False), owner=self
        )
        holder.append(handle)
        self._side_tasks.add(handle)

    def _progress(self, value: Any) -> None:
        done, total = value
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)

    def _cancelled(self) -> None:
        self._stop()
        if not self._closed:
            self.statusBar().showMessage("Cancelled.", 5000)

    def _stop(self) -> None:
        self._task = None
        if self._closed:
            return
        self.busy_label.setText("")
        self.progress_bar.setVisible(False)
        self.cancel_button.setVisible(False)
        self._update_actions()

    def cancel(self) -> None:
        """Stop the action in progress; its outcome is dropped."""
        if self._task is not None:
            self._task.cancel()

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

    # --- opening ----------------------------------------------------------------------------------

    def choose_workbook(self) -> None:
        """Ask for an .xlsx file and open it."""
        start = str(Path(self.context.locator).parent) if self.context.locator else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open workbook", start, "Excel workbooks (*.xlsx)")
        if path:
            self.open_source(path)

    def choose_sheet(self) -> None:
        """Ask for a Google Sheet link and open it."""
        text, ok = QInputDialog.getText(self, "Open Google Sheet", "Paste the link of the Google Sheet:")
        if ok and text.strip():
            self.open_source(text.strip())

    def open_source(self, text: str, scenario_tab: str | None = None) -> None:
        """Open a source in the background and show its rows (or its cached copy when unreachable)."""
        self._source_text = text
        tab = scenario_tab or self.context.settings.scenario_tab
        self._start("Opening", load_source, text, tab, self.context.journal, on_result=self._source_loaded)

    def retry(self) -> None:
        """Try the source shown offline again."""
        if self._source_text is not None:
            self.open_source(self._source_text)

    def _source_loaded(self, loaded: Loaded) -> None:
        if self.source is not None and self.source is not loaded.source:
            self.source.close()
        self.source = loaded.source
        self.context.set_source(
            loaded.source, offline=loaded.offline, locator=loaded.locator, offline_since=loaded.cached_at
        )
        self._show_rows(loaded.scenarios, reports=None)
        name = loaded.source.display_name if loaded.source is not None else loaded.locator
        self.setWindowTitle(f"{APP_TITLE} — {name}")
        self.source_label.setText(name)
        self.source_label.setToolTip(loaded.locator)
        if loaded.offline:
            when = (loaded.cached_at or "an earlier session")[:16].replace("T", " ")
            self.banner_label.setText(
                f"Offline — showing the copy from {when}. Changes are disabled until "
                f"the source can be reached again. ({loaded.error})"
            )
            self.banner.setVisible(True)
        else:
            self.banner.setVisible(False)
            _remember_source(loaded.locator)
            self._side(
                self.context.journal.cache_scenarios,
                loaded.locator,
                loaded.scenarios,
                on_result=lambda _v: None,
            )
        self._refresh_run_info()
        self._update_actions()

    def _show_rows(self, scenarios: Sequence[Scenario], reports: dict[int, RowReport] | None) -> None:
        self.scenarios = {s.row: s for s in scenarios}
        self.reports = reports
        self.model.set_scenarios(scenarios)
        if reports is not None:
            self.model.set_reports(reports.values())
        self.context.set_rows(scenarios, reports)
        self._refresh_summary()
        self._refresh_detail()
        self._update_actions()

    def _refresh_run_info(self) -> None:
        locator = self.context.locator
        if locator:
            self._side(latest_run_info, self.context.journal, locator, on_result=self._run_info_loaded)

    def _run_info_loaded(self, info: dict[int, tuple[str, float, str]]) -> None:
        self.model.set_run_info({row: RunInfo(*value) for row, value in info.items()})

    def _row_status_changed(self, row: int) -> None:
        entry = self.model.entry_for_row(row)
        status = self.context.row_status.get(row) if hasattr(self.context, "row_status") else None
        if entry is None or status is None:
            return
        current = {
            e.row: RunInfo(e.status, e.cost or 0.0, e.last_run)
            for e in self.model.entries()
            if e.last_run or e.cost is not None
        }
        old = current.get(row)
        current[row] = RunInfo(status, old.cost if old else 0.0, old.when if old else "")
        self.model.set_run_info(current)

    # --- validation -------------------------------------------------------------------------------

    def validate(self) -> None:
        """Validate every loaded row in the background."""
        if not self.scenarios:
            return
        self._start("Validating", validate_rows, list(self.scenarios.values()), on_result=self._validated)

    def _validated(self, reports: list[RowReport]) -> None:
        self.reports = {r.row: r for r in reports}
        self.model.set_reports(reports)
        self.context.set_reports(self.reports)
        self._refresh_summary()
        self._refresh_detail()

    def _refresh_summary(self) -> None:
        reports = None if self.reports is None else list(self.reports.values())
        self.summary_label.setText(summary_text(len(self.scenarios), reports))

    # --- auto-fix, defaults, undo -----------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        """Sheet row numbers of the selected table rows, in sheet order."""
        return self.rows_view.selected_rows()

    def _targets(self) -> list[Scenario]:
        rows = self.selected_rows() or sorted(self.scenarios)
        return [self.scenarios[r] for r in rows if r in self.scenarios]

    def add_defaults(self) -> None:
        """Plan clinical defaults for the selected rows (all when none) and preview them."""
        if self.context.can_write and self.scenarios:
            self._start(
                "Planning defaults",
                plan_defaults,
                self._targets(),
                on_result=lambda changes: self._planned(ChangePlan(RunKind.DEFAULTS, changes)),
            )

    def auto_fix(self) -> None:
        """Plan automatic fixes for the selected rows (all when none) and preview them."""
        if self.context.can_write and self.scenarios:
            self._start("Planning auto-fix", plan_autofix_changes, self._targets(), on_result=self._planned)

    def _planned(self, plan: ChangePlan) -> None:
        if not plan.changes:
            what = "no missing vitals fields" if plan.kind == RunKind.DEFAULTS else "nothing to fix"
            self.statusBar().showMessage(
                f"Nothing to {'add' if plan.kind == RunKind.DEFAULTS else 'fix'}: {what} in those rows.", 8000
            )
            return
        case_ids = {row: s.case_id for row, s in self.scenarios.items()}
        dialog = ChangePreviewDialog(plan, case_ids, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.accepted.connect(lambda: self._apply(plan.kind, dialog.changes))
        dialog.finished.connect(self._preview_closed)
        self.preview = dialog
        dialog.open()

    def _preview_closed(self) -> None:
        if self.preview is not None:
            self.preview.deleteLater()
        self.preview = None

    def _apply(self, kind: RunKind, changes: list[CellChange]) -> None:
        if self.source is None or not self.context.can_write:
            return
        case_ids = {row: s.case_id for row, s in self.scenarios.items()}
        label = "Writing defaults" if kind == RunKind.DEFAULTS else "Writing fixes"
        self._start(
            label,
            apply_changes,
            self.context.journal,
            self.source,
            changes,
            kind,
            case_ids,
            on_result=lambda run_id: self._applied(kind, run_id, len(changes)),
        )

    def _applied(self, kind: RunKind, run_id: str | None, count: int) -> None:
        if run_id is not None:
            self.undo_stack.append(run_id)
        what = "clinical defaults" if kind == RunKind.DEFAULTS else "fixes"
        self.statusBar().showMessage(f"Wrote {what} to {count} cells. Ctrl+Z puts them back.", 8000)
        self._reload()

    def undo(self) -> None:
        """Revert the last applied auto-fix or defaults change."""
        if self.source is None or not self.undo_stack or not self.context.can_write:
            return
        run_id = self.undo_stack[-1]
        self._start(
            "Undoing",
            undo_run,
            self.context.journal,
            self.source,
            run_id,
            on_result=lambda counts: self._undone(run_id, counts),
        )

    def _undone(self, run_id: str, counts: tuple[int, int]) -> None:
        if run_id in self.undo_stack:
            self.undo_stack.remove(run_id)
        reverted, skipped = counts
        message = f"Put back {reverted} cells."
        if skipped:
            message += f" {skipped} cells were changed since and were left alone."
        self.statusBar().showMessage(message, 8000)
        self._reload()

    def _reload(self) -> None:
        if self.source is not None:
            self._start("Reloading", reread_scenarios, self.source, on_result=self._reloaded_after_write)

    def _reloaded_after_write(self, scenarios: list[Scenario]) -> None:
        self._show_rows(scenarios, reports=None)
        locator = self.context.locator
        if locator:
            self._side(self.context.journal.cache_scenarios, locator, scenarios, on_result=lambda _v: None)
        self.validate()

    # --- settings ---------------------------------------------------------------------------------

    def open_settings(self) -> None:
        """Show the settings dialog; saved settings apply to the next action."""
        from desktop.gui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.context.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._settings_saved)
        dialog.open()

    def _settings_saved(self) -> None:
        from desktop.settings import load_settings

        self.context.settings = load_settings()
        self.statusBar().showMessage("Settings saved.", 5000)

    # --- details ----------------------------------------------------------------------------------

    def _selection_changed(self, rows: list[int]) -> None:
        self._refresh_detail()
        self.context.notify_selection(rows)

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
        self.rows_view.select_rows([sheet_row])

    # --- closing ----------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask about an active run, stop background work and release the source and journal."""
        if self.run_side is not None and not self._closed:
            try:
                from desktop.gui.resume import confirm_close
            except ImportError:
                pass
            else:
                if not confirm_close(self.run_side.controller, self):
                    event.ignore()
                    return
        self._closed = True
        for handle in [self._task, *self._side_tasks]:
            if handle is not None:
                handle.cancel()
                handle.wait(10)
        self._task = None
        self._side_tasks.clear()
        if self.source is not None:
            self.source.close()
        super().closeEvent(event)
        if self._owns_journal:
            self.context.journal.close()


def _remember_source(locator: str) -> None:
    """Store the last opened source in the settings."""
    from desktop.settings import load_settings, save_settings

    try:
        settings = load_settings()
        if settings.last_source != locator:
            settings.last_source = locator
            save_settings(settings)
    except (OSError, ValueError) as exc:
        log.warning("Could not remember the last source: %s", exc)
