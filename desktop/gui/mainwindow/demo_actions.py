"""The demo workbook in the main window: open the user's copy, say so, reset it (asked first) and undo
the reset. The shipped demo is never opened for writing (see ``desktop/app/demo.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QMessageBox, QStatusBar, QWidget

from desktop.app import demo
from desktop.errors import InputError
from desktop.gui.context import AppContext
from desktop.gui.mainwindow.runs import RunsController
from desktop.gui.mainwindow.sources import SourceController
from desktop.gui.widgets.confirm import confirm
from desktop.paths import APP_NAME

#: Shown in the status bar while the demo copy is the open source.
DEMO_LABEL = "Demo workbook (your copy)"
#: How long the status-bar note about the copy stays.
NOTE_MS = 15_000


def demo_note() -> str:
    """One sentence on where the demo copy is and that the original stays as shipped."""
    return (
        f"You are working on your own copy of the demo workbook ({demo.demo_copy_path()}); "
        "the original is never changed. File ▸ Reset demo puts a fresh copy back."
    )


def show_demo_note(label: QLabel, status: QStatusBar, locator: str) -> bool:
    """When ``locator`` is the demo copy, say so in the status bar (its source ``label`` and a note
    for a while); True when it is."""
    if not demo.is_demo_copy(locator):
        return False
    label.setText(DEMO_LABEL)
    label.setToolTip(demo_note())
    status.showMessage(demo_note(), NOTE_MS)
    return True


class DemoController(QObject):
    """File ▸ Open the demo workbook, Reset demo and Undo demo reset, for the window ``parent``.

    ``sources`` opens the copy; ``runs`` says whether a run (perhaps on the demo) is going;
    ``on_error(doing, error)`` tells the user what went wrong.
    """

    #: Something to tell the user in the status bar: the text and how long to show it (ms).
    message = Signal(str, int)
    #: The demo copy was reset or brought back: whether Reset and Undo demo reset fit may have changed.
    changed = Signal()

    def __init__(
        self,
        context: AppContext,
        sources: SourceController,
        runs: RunsController,
        parent: QWidget,
        on_error: Callable[[str, BaseException], None],
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._sources = sources
        self._runs = runs
        self._parent = parent
        self._on_error = on_error

    @property
    def running(self) -> bool:
        """True while a run on the demo copy is going (it may not be reset then)."""
        return self._runs.active and demo.is_demo_copy(self._context.locator)

    def open(self) -> None:
        """Open the user's copy of the demo workbook (made first when there is none)."""
        try:
            copy = demo.open_demo_copy()
        except (OSError, InputError) as exc:
            self._on_error("Opening the demo workbook", _as_input_error(exc))
            return
        self._sources.open_source(str(copy))

    def reset(self) -> None:
        """Ask, then replace the demo copy by a fresh one (the replaced copy is kept for Undo demo reset)."""
        if self.running:
            QMessageBox.information(
                self._parent, APP_NAME, "Wait for the run on the demo workbook to end first."
            )
            return
        question = (
            "Put back a fresh copy of the demo workbook? Your changes to the demo are kept aside once, "
            "so File ▸ Undo demo reset can bring them back."
        )
        if not confirm(self._parent, "Reset demo", question):
            return
        self._replace(
            demo.reset_demo, "The demo workbook is fresh again (Undo demo reset brings yours back)."
        )

    def undo_reset(self) -> None:
        """Bring back the demo copy that the last reset replaced."""
        self._replace(demo.undo_reset_demo, "Your demo workbook is back as it was before the reset.")

    def _replace(self, step: Callable[[], Path], done: str) -> None:
        try:
            copy = step()
        except (OSError, InputError) as exc:
            self._on_error("Resetting the demo workbook", _as_input_error(exc))
            return
        self.changed.emit()
        locator = self._context.locator
        if locator is None or demo.is_demo_copy(locator):
            self._sources.open_source(str(copy))
        self.message.emit(done, NOTE_MS)


def _as_input_error(exc: BaseException) -> InputError:
    if isinstance(exc, InputError):
        return exc
    return InputError(f"The demo workbook could not be copied to your data folder: {exc}.")
