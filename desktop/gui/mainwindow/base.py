"""What the parts of the main window share: its state, its background work and how it reports errors.

The main window is assembled from parts of one job each (source loading, the change flow, the actions);
each part subclasses this base so that it can read the shared state with its types known.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMainWindow, QMessageBox

from desktop.domain.models import RowReport, Scenario
from desktop.errors import SimBatchError, first_line
from desktop.gui.context import AppContext
from desktop.gui.mainwindow.status_work import WindowWork
from desktop.gui.rows.model import RowsModel
from desktop.gui.rows.view import RowsView
from desktop.services.source import Source

log = logging.getLogger(__name__)

APP_TITLE = "SimBatch"


class WindowBase(QMainWindow):
    """The shared state of the main window; :class:`desktop.gui.mainwindow.window.MainWindow` sets it up."""

    context: AppContext
    source: Source | None
    scenarios: dict[int, Scenario]
    reports: dict[int, RowReport] | None
    model: RowsModel
    rows_view: RowsView
    work: WindowWork

    @property
    def busy(self) -> bool:
        """True while a foreground background action runs."""
        return self.work.busy

    def cancel(self) -> None:
        """Stop the action in progress; its outcome is dropped."""
        self.work.cancel()

    def selected_rows(self) -> list[int]:
        """Sheet row numbers of the selected table rows, in sheet order."""
        return self.rows_view.selected_rows()

    def show_error(self, doing: str, error: BaseException) -> None:
        """Tell the user in one sentence what went wrong; never a traceback."""
        if isinstance(error, SimBatchError):
            message = str(error)
        else:
            log.error("%s failed", doing, exc_info=error)
            message = f"{doing} failed unexpectedly: {first_line(error)}"
        QMessageBox.critical(self, APP_TITLE, message)

    def _update_actions(self) -> None:
        """Enable the actions that fit the current state (the main window decides)."""
        raise NotImplementedError

    def _refresh_detail(self) -> None:
        """Show the selected row in the details pane (the main window decides)."""
        raise NotImplementedError
