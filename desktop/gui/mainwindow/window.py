"""The main window: rows on the left, a tab per task on the right (details, run, progress, batch
jobs, review), the actions in a toolbar and menus, and the progress of any long action below.

The window lays out the screens and wires them; the work is done by controllers it owns, each with one
job: :class:`SourceController` (opening sources), :class:`ChangeController` (validate, auto-fix,
defaults, undo), :class:`RunsController` (what follows a run, closing with one going) and
:class:`DemoController` (the demo copy). They change :class:`AppContext`, the one owner of the source,
rows and reports; the window and the panels show what it holds when it signals a change.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.app.demo import can_undo_reset
from desktop.app.rows import Loaded
from desktop.app.text import format_count
from desktop.domain.models import RowReport
from desktop.domain.validate import summarize
from desktop.errors import SimBatchError, first_line
from desktop.gui.context import AppContext, RowsChange
from desktop.gui.dialogs.about import AboutDialog, show_about
from desktop.gui.dialogs.welcome import WelcomeDialog
from desktop.gui.mainwindow.actions import (
    Action,
    WindowState,
    build_actions,
    enable_actions,
    install_menus,
    install_toolbar,
)
from desktop.gui.mainwindow.background import SHUTDOWN_WAIT_SECONDS, Background
from desktop.gui.mainwindow.changes import ChangeController
from desktop.gui.mainwindow.demo_actions import DemoController, show_demo_note
from desktop.gui.mainwindow.runs import RunsController
from desktop.gui.mainwindow.sources import SourceController
from desktop.gui.qt import workers
from desktop.gui.rows.detail_pane import DetailPane
from desktop.gui.rows.model import RowsModel
from desktop.gui.rows.view import RowsView
from desktop.gui.run.review import ReviewPanel
from desktop.gui.run.side import install_run_side, show_row_statuses
from desktop.gui.widgets.banner import OfflineBanner
from desktop.paths import APP_NAME, demo_copy_path

__all__ = ["ErrorReporter", "MainWindow", "summary_text"]

log = logging.getLogger(__name__)

#: Tells the user what went wrong: ``report(doing, error)``.
ErrorReporter = Callable[[str, BaseException], None]


def summary_text(row_count: int, reports: Sequence[RowReport] | None) -> str:
    """The status-bar summary, e.g. ``44 rows · 12 critical · 30 warnings · average score 104``."""
    rows = format_count(row_count, "row")
    if reports is None:
        return f"{rows} · not validated"
    totals = summarize(reports)
    average = totals["average_score"]
    shown = f"{average:g}" if isinstance(average, int | float) else str(average)
    return f"{rows} · {totals['critical']} critical · {totals['warnings']} warnings · average score {shown}"


class MainWindow(QMainWindow):
    """One open source: its rows, the selected row's details, the run side and the review."""

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        owns_journal: bool = False,
        report_error: ErrorReporter | None = None,
    ) -> None:
        """A window on ``context`` (journal, settings store and source opener, made at start-up);
        ``owns_journal``: closing the window closes the journal; ``report_error`` tells the user what
        went wrong (by default in a message box, see :meth:`show_error`)."""
        super().__init__(parent)
        self._owns_journal = owns_journal
        self.context = context
        #: The first-start welcome dialog once shown (see :meth:`show_welcome`).
        self.welcome: WelcomeDialog | None = None
        #: The About dialog last opened from the Help menu.
        self.about_dialog: AboutDialog | None = None

        self.model = RowsModel(self)
        self.rows_view = RowsView(self.model)
        self.rows_view.selection_changed.connect(self._selection_changed)
        context.set_selection_provider(self.rows_view.selected_rows)
        context.row_statuses_changed.connect(functools.partial(show_row_statuses, self.model, context))
        self.banner = OfflineBanner()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 6)
        left_layout.addWidget(self.banner)
        left_layout.addWidget(self.rows_view, 1)

        self.detail = DetailPane()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.detail, "Details")
        self.run_side = install_run_side(context, self.tabs)
        self.review = ReviewPanel(context)
        self.tabs.addTab(self.review, "Review")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.setCentralWidget(splitter)

        self.source_label = QLabel("No source open")
        self.source_label.setContentsMargins(4, 0, 16, 0)
        self.summary_label = QLabel("")
        self.statusBar().addWidget(self.source_label)
        self.statusBar().addWidget(self.summary_label, 1)
        report_error = report_error or self.show_error
        self.background = Background(self, on_busy_changed=self._update_actions, on_error=report_error)

        self.sources = SourceController(context, self.background, self)
        self.changes = ChangeController(context, self.background, self.sources, self)
        self.runs = RunsController(context, self.run_side, self.sources, self)
        self.demo = DemoController(context, self.sources, self.runs, self, report_error)
        self._wire()

        self.action_map: dict[Action, QAction] = build_actions(self, {
            Action.OPEN: self.sources.choose_workbook,
            Action.OPEN_SHEET: self.sources.choose_sheet,
            Action.OPEN_DEMO: self.demo.open,
            Action.RESET_DEMO: self.demo.reset,
            Action.UNDO_DEMO_RESET: self.demo.undo_reset,
            Action.VALIDATE: self.changes.validate,
            Action.AUTOFIX: self.changes.auto_fix,
            Action.DEFAULTS: self.changes.add_defaults,
            Action.UNDO: self.changes.undo,
            Action.CANCEL: self.background.cancel,
            Action.SETTINGS: self.open_settings,
            Action.REVIEW: lambda: self.tabs.setCurrentWidget(self.review),
            Action.ABOUT: self.show_about,
            Action.QUIT: self.close,
        })
        install_toolbar(self, self.action_map)
        self.tab_actions = install_menus(self, self.action_map, self.tabs)
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 760)
        self._update_actions()

    def _wire(self) -> None:
        """Connect the controllers and the context to what the window shows."""
        context, status = self.context, self.statusBar()
        context.rows_changed.connect(self._rows_changed)
        context.source_changed.connect(self._update_actions)
        self.banner.retry_button.clicked.connect(self.sources.retry)
        self.sources.opened.connect(self._opened)
        self.sources.run_info_loaded.connect(self.model.set_run_info)
        self.sources.claims_loaded.connect(self.model.set_claims)
        self.changes.message.connect(status.showMessage)
        self.changes.undo_changed.connect(self._update_actions)
        self.runs.ended.connect(lambda _outcome: self.review.refresh())
        self.runs.state_changed.connect(self._update_actions)
        self.demo.message.connect(status.showMessage)
        self.demo.changed.connect(self._update_actions)

    @property
    def busy(self) -> bool:
        """True while a foreground background action runs."""
        return self.background.busy

    def window_state(self) -> WindowState:
        """The one value the actions are enabled from."""
        return WindowState(
            busy=self.busy,
            has_rows=bool(self.context.scenarios),
            can_write=self.context.can_write,
            can_undo=self.changes.can_undo,
            demo_exists=demo_copy_path().exists(),
            can_undo_demo_reset=can_undo_reset(),
            demo_running=self.demo.running,
        )

    def _update_actions(self) -> None:
        state = self.window_state()
        enable_actions(self.action_map, state)
        self.banner.retry_button.setEnabled(not state.busy)

    def show_error(self, doing: str, error: BaseException) -> None:
        """Tell the user in one sentence what went wrong; never a traceback."""
        if isinstance(error, SimBatchError):
            message = str(error)
        else:
            log.error("%s failed", doing, exc_info=error)
            message = f"{doing} failed unexpectedly: {first_line(error)}"
        QMessageBox.critical(self, APP_NAME, message)

    def show_welcome(self) -> None:
        """Show the first-start welcome over the window: the choice made is opened; closing it without
        a choice opens the user's copy of the demo workbook (never an empty window)."""
        welcome = WelcomeDialog(self)

        def chosen() -> None:
            if welcome.choice:
                self.sources.open_source(welcome.choice)

        welcome.accepted.connect(chosen)
        welcome.rejected.connect(self.demo.open)
        self.welcome = welcome
        welcome.open()

    def show_about(self) -> None:
        """Open the About dialog (version, licence, bundled components)."""
        self.about_dialog = show_about(self)

    # --- what the context holds -------------------------------------------------------------------

    def _opened(self, loaded: Loaded) -> None:
        name = loaded.source.display_name if loaded.source is not None else loaded.locator
        self.setWindowTitle(f"{APP_NAME} — {name}")
        self.source_label.setText(name)
        self.source_label.setToolTip(loaded.locator)
        show_demo_note(self.source_label, self.statusBar(), loaded.locator)
        self.banner.show_loaded(loaded)
        self._update_actions()

    def _rows_changed(self, change: RowsChange) -> None:
        context = self.context
        if change.reports_only:
            self.model.set_reports(context.reports.values() if context.reports else ())
        else:
            self.model.set_scenarios(
                context.scenarios,
                keep_run_info=change.reread,
                reports=context.reports,
                entries=change.entries,
            )
        reports = None if context.reports is None else list(context.reports.values())
        self.summary_label.setText(summary_text(len(context.scenarios), reports))
        self._refresh_detail()
        self._update_actions()

    # --- settings ---------------------------------------------------------------------------------

    def open_settings(self) -> None:
        """Show the settings dialog; saved settings apply to the next action."""
        # Imported here: it loads the Google sign-in libraries, which starting the app does not need.
        from desktop.gui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.context.settings, self, store=self.context.store)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._settings_saved)
        dialog.open()

    def _settings_saved(self) -> None:
        self.statusBar().showMessage("Settings saved.", 5000)

    # --- details ----------------------------------------------------------------------------------

    def _selection_changed(self, rows: list[int]) -> None:
        self._refresh_detail()
        self.context.notify_selection(rows)

    def _refresh_detail(self) -> None:
        rows = self.rows_view.selected_rows()
        scenario = self.context.scenario(rows[0]) if len(rows) == 1 else None
        if len(rows) > 1:
            self.detail.show_multiple(len(rows))
        elif scenario is None:
            self.detail.clear()
        else:
            self.detail.show_scenario(scenario, self.context.report(rows[0]))

    def select_row(self, sheet_row: int) -> None:
        """Select the table row showing a sheet row number (and scroll to it)."""
        self.rows_view.select_rows([sheet_row])

    # --- closing ----------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask about an active run, stop background work and release the source and journal."""
        if not self.background.closed and not self.runs.confirm_close():
            event.ignore()
            return
        self.background.shutdown()
        self.runs.stop()
        if not workers.drain(SHUTDOWN_WAIT_SECONDS):
            log.warning("Background work was still running when the window closed.")
        self.sources.close()
        super().closeEvent(event)
        if self._owns_journal:
            self.context.journal.close()
