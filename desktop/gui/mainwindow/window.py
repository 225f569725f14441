"""The main window: rows on the left, a tab per task on the right (details, run, progress, batch
jobs, review), the actions in a toolbar and menus, and the progress of any long action below.

It is assembled from parts of one job each: :mod:`status_work` (background work and its progress),
:mod:`source_loading` (opening, offline banner, summary), :mod:`change_flow` (validate, auto-fix,
defaults, undo), :mod:`actions` (actions, menus, shortcuts) and :mod:`desktop.gui.run.side` (the run tabs).
"""

from __future__ import annotations

import functools
import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from desktop.app.demo import can_undo_reset, is_demo_copy
from desktop.app.rows import Loaded
from desktop.gui.context import AppContext
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
from desktop.gui.mainwindow.base import APP_TITLE
from desktop.gui.mainwindow.change_flow import ChangeFlow
from desktop.gui.mainwindow.demo_actions import open_demo, reset_demo, undo_demo_reset
from desktop.gui.mainwindow.source_loading import OfflineBanner, summary_text
from desktop.gui.mainwindow.status_work import SHUTDOWN_WAIT_SECONDS, WindowWork
from desktop.gui.qt import workers
from desktop.gui.rows.detail_pane import DetailPane
from desktop.gui.rows.model import RowsModel
from desktop.gui.rows.view import RowsView
from desktop.gui.run.resume import confirm_close
from desktop.gui.run.review import ReviewPanel
from desktop.gui.run.side import install_run_side, show_row_status
from desktop.paths import demo_copy_path

__all__ = ["APP_TITLE", "Loaded", "MainWindow", "summary_text"]

log = logging.getLogger(__name__)


class MainWindow(ChangeFlow):
    """One open source: its rows, the selected row's details, the run side and the review."""

    def __init__(
        self, context: AppContext, parent: QWidget | None = None, *, owns_journal: bool = False
    ) -> None:
        """A window on ``context`` (journal, settings store and source opener, made at start-up);
        ``owns_journal``: closing the window closes the journal."""
        super().__init__(parent)
        self._owns_journal = owns_journal
        self.context = context
        self.source = None
        self.scenarios = {}
        self.reports = None
        self.preview = None
        self.undo_stack = []
        self._source_text = None
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
        self.context.row_status_changed.connect(
            functools.partial(show_row_status, self.model, self.context)
        )

        self.banner = OfflineBanner()
        self.banner_label = self.banner.label
        self.retry_button = self.banner.retry_button
        self.retry_button.clicked.connect(self.retry)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 6)
        left_layout.addWidget(self.banner)
        left_layout.addWidget(self.rows_view, 1)

        self.detail = DetailPane()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.detail, "Details")
        self.run_side = install_run_side(self.context, self.tabs)
        self.review = ReviewPanel(self.context)
        self.tabs.addTab(self.review, "Review")
        self.run_side.on_run_ended(self._run_ended)
        self.run_side.controller.state_changed.connect(lambda _state: self._update_actions())

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.setCentralWidget(splitter)

        self._make_status_bar()
        self.action_map: dict[Action, QAction] = build_actions(self, {
            Action.OPEN: self.choose_workbook,
            Action.OPEN_SHEET: self.choose_sheet,
            Action.OPEN_DEMO: lambda: open_demo(self),
            Action.RESET_DEMO: lambda: reset_demo(self),
            Action.UNDO_DEMO_RESET: lambda: undo_demo_reset(self),
            Action.VALIDATE: self.validate,
            Action.AUTOFIX: self.auto_fix,
            Action.DEFAULTS: self.add_defaults,
            Action.UNDO: self.undo,
            Action.CANCEL: self.cancel,
            Action.SETTINGS: self.open_settings,
            Action.REVIEW: lambda: self.tabs.setCurrentWidget(self.review),
            Action.ABOUT: self.show_about,
            Action.QUIT: self.close,
        })
        install_toolbar(self, self.action_map)
        self.tab_actions = install_menus(self, self.action_map, self.tabs)
        self.setWindowTitle(APP_TITLE)
        self.resize(1280, 760)
        self._update_actions()

    def _make_status_bar(self) -> None:
        self.source_label = QLabel("No source open")
        self.source_label.setContentsMargins(4, 0, 16, 0)
        self.summary_label = QLabel("")
        status = self.statusBar()
        status.addWidget(self.source_label)
        status.addWidget(self.summary_label, 1)
        # show_error is looked up on each error: callers (the self-test) may replace it on the instance.
        self.work = WindowWork(
            self, on_busy_changed=self._update_actions, on_error=lambda doing, e: self.show_error(doing, e)
        )
        self.busy_label = self.work.busy_label
        self.progress_bar = self.work.progress_bar
        self.cancel_button = self.work.cancel_button

    def window_state(self) -> WindowState:
        """The one value the actions are enabled from."""
        return WindowState(
            busy=self.busy,
            has_rows=bool(self.scenarios),
            can_write=self.context.can_write,
            can_undo=bool(self.undo_stack),
            demo_exists=demo_copy_path().exists(),
            can_undo_demo_reset=can_undo_reset(),
            demo_running=self.run_side.controller.active and is_demo_copy(self.context.locator),
        )

    def _update_actions(self) -> None:
        state = self.window_state()
        enable_actions(self.action_map, state)
        self.banner.retry_button.setEnabled(not state.busy)

    def show_about(self) -> None:
        """Open the About dialog (version, licence, bundled components)."""
        self.about_dialog = show_about(self)

    def _run_ended(self, _outcome: object) -> None:
        """A run or a batch run ended: read the rows again (their vitals were written) and validate
        them, and refresh the rows' Status/Cost/Last run and the Review runs."""
        self.review.refresh()
        self._refresh_run_info()
        if not self.context.offline:
            self._reload()  # reads the rows again (then their run columns once more)

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
        if not self.work.closed and not confirm_close(self.run_side.controller, self):
            event.ignore()
            return
        self.work.shutdown()
        self.run_side.stop()
        if not workers.drain(SHUTDOWN_WAIT_SECONDS):
            log.warning("Background work was still running when the window closed.")
        if self.source is not None:
            self.source.close()
        super().closeEvent(event)
        if self._owns_journal:
            self.context.journal.close()
