"""The demo workbook in the main window: open the user's copy, say so, reset it (asked first) and undo
the reset. The shipped demo is never opened for writing (see ``desktop/app/demo.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, cast

from PySide6.QtWidgets import QLabel, QMessageBox, QStatusBar, QWidget

from desktop.app import demo
from desktop.errors import InputError
from desktop.gui.context import AppContext
from desktop.gui.mainwindow.actions import WindowState
from desktop.gui.mainwindow.base import APP_TITLE


class DemoWindow(Protocol):
    """What the demo actions use of the main window (which imports this module, not the reverse)."""

    context: AppContext

    def open_source(self, text: str, scenario_tab: str | None = None) -> None: ...

    def show_error(self, doing: str, error: BaseException) -> None: ...

    def statusBar(self) -> QStatusBar: ...

    def window_state(self) -> WindowState: ...

    def _update_actions(self) -> None: ...


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


def open_demo(window: DemoWindow) -> None:
    """Open the user's copy of the demo workbook (made first when there is none)."""
    try:
        copy = demo.open_demo_copy()
    except (OSError, InputError) as exc:
        window.show_error("Opening the demo workbook", _as_input_error(exc))
        return
    window.open_source(str(copy))


def show_demo_note(label: QLabel, status: QStatusBar, locator: str) -> bool:
    """When ``locator`` is the demo copy, say so in the status bar (its source ``label`` and a note
    for a while); True when it is."""
    if not demo.is_demo_copy(locator):
        return False
    label.setText(DEMO_LABEL)
    label.setToolTip(demo_note())
    status.showMessage(demo_note(), NOTE_MS)
    return True


def reset_demo(window: DemoWindow) -> None:
    """Ask, then replace the demo copy by a fresh one (the replaced copy is kept for Undo demo reset)."""
    parent = cast(QWidget, window)
    if window.window_state().demo_running:
        QMessageBox.information(parent, APP_TITLE, "Wait for the run on the demo workbook to end first.")
        return
    answer = QMessageBox.question(
        parent,
        "Reset demo",
        "Put back a fresh copy of the demo workbook? Your changes to the demo are kept aside once, "
        "so File ▸ Undo demo reset can bring them back.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    if answer != QMessageBox.StandardButton.Yes:
        return
    _replace(window, demo.reset_demo, "The demo workbook is fresh again (Undo demo reset brings yours back).")


def undo_demo_reset(window: DemoWindow) -> None:
    """Bring back the demo copy that the last reset replaced."""
    _replace(window, demo.undo_reset_demo, "Your demo workbook is back as it was before the reset.")



def _replace(window: DemoWindow, step: Callable[[], Path], done: str) -> None:
    try:
        copy = step()
    except (OSError, InputError) as exc:
        window.show_error("Resetting the demo workbook", _as_input_error(exc))
        return
    window._update_actions()
    if demo.is_demo_copy(window.context.locator) or window.context.locator is None:
        window.open_source(str(copy))
    window.statusBar().showMessage(done, NOTE_MS)


def _as_input_error(exc: BaseException) -> InputError:
    if isinstance(exc, InputError):
        return exc
    return InputError(f"The demo workbook could not be copied to your data folder: {exc}.")
