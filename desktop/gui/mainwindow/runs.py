"""The main window's runs: the run side's panels start and watch runs on one
:class:`~desktop.gui.run.controller.RunController`; this controller connects them to the rest of the
window — unfinished runs are offered for resume at start, when a run ends the rows are read again, and
closing with a run going asks first."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from desktop.gui.context import AppContext
from desktop.gui.mainwindow.sources import SourceController
from desktop.gui.run.resume import confirm_close, offer_resume
from desktop.gui.run.side import RunSide


class RunsController(QObject):
    """Watches the runs of ``side`` for the window ``parent``; ``sources`` reads the rows again after one."""

    #: A live run or a batch run ended (its outcome); the rows are being read again.
    ended = Signal(object)
    #: A run started, paused or stopped: whether one is active may have changed.
    state_changed = Signal()

    def __init__(
        self, context: AppContext, side: RunSide, sources: SourceController, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._side = side
        self._sources = sources
        self._parent = parent
        side.on_run_ended(self._ended)
        side.controller.state_changed.connect(lambda _state: self.state_changed.emit())

    @property
    def active(self) -> bool:
        """True while a run is going (or pausing)."""
        return self._side.controller.active

    def offer_resume(self) -> None:
        """Look for unfinished runs and batches in the background and offer to continue them."""
        offer_resume(self._context, self._parent)

    def confirm_close(self) -> bool:
        """When a run is active, ask whether to pause it and close; True when the window may close."""
        return confirm_close(self._side.controller, self._parent)

    def stop(self) -> None:
        """Stop watching (the window is closing)."""
        self._side.stop()

    def _ended(self, outcome: object) -> None:
        """A run wrote vitals and run results: show the rows' new Status/Cost/Last run, then read the
        rows again and validate them (not while offline: there is nothing to read)."""
        self.ended.emit(outcome)
        self._sources.refresh_run_info()
        if not self._context.offline:
            self._sources.reload()
