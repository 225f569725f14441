"""The main window's actions: one factory keyed by :class:`Action`, the toolbar and menus they fill,
and which of them are enabled in a given :class:`WindowState`.

The window hands :func:`build_actions` one slot per action and keeps the returned mapping; nothing
here knows the window's type, so the window imports this module and not the other way round.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QTabWidget, QWidget

Shortcut = str | QKeySequence.StandardKey


class Action(enum.Enum):
    """Every action of the main window's toolbar and menus."""

    OPEN = enum.auto()
    OPEN_SHEET = enum.auto()
    OPEN_DEMO = enum.auto()
    RESET_DEMO = enum.auto()
    UNDO_DEMO_RESET = enum.auto()
    VALIDATE = enum.auto()
    AUTOFIX = enum.auto()
    DEFAULTS = enum.auto()
    UNDO = enum.auto()
    CANCEL = enum.auto()
    SETTINGS = enum.auto()
    REVIEW = enum.auto()
    ABOUT = enum.auto()
    QUIT = enum.auto()


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """How an action looks: its text, its shortcuts (the first is the main one) and its tip.

    ``fallback`` is the shortcut used when the platform has no standard key for the first one.
    """

    text: str
    shortcuts: tuple[Shortcut, ...]
    tip: str
    fallback: str | None = None


SPECS: dict[Action, ActionSpec] = {
    Action.OPEN: ActionSpec(
        "Open workbook…", (QKeySequence.StandardKey.Open,), "Open a local .xlsx workbook (Ctrl+O)"
    ),
    Action.OPEN_SHEET: ActionSpec(
        "Open Google Sheet…", ("Ctrl+Shift+O",), "Open a Google Sheet from its link (Ctrl+Shift+O)"
    ),
    Action.OPEN_DEMO: ActionSpec(
        "Open the demo workbook", (), "Open your own copy of the demo workbook, to try things safely"
    ),
    Action.RESET_DEMO: ActionSpec(
        "Reset demo…", (), "Put back a fresh copy of the demo workbook (asked first; can be undone)"
    ),
    Action.UNDO_DEMO_RESET: ActionSpec(
        "Undo demo reset", (), "Bring back the demo workbook as it was before the last reset"
    ),
    Action.VALIDATE: ActionSpec("Validate", ("Ctrl+Shift+V", "F5"), "Check every row's vitals (F5)"),
    Action.AUTOFIX: ActionSpec(
        "Auto-fix…", ("Ctrl+Shift+F",),
        "Preview automatic fixes of the selected rows (or all rows), Ctrl+Shift+F",
    ),
    Action.DEFAULTS: ActionSpec(
        "Add defaults…", ("Ctrl+D",), "Fill missing vitals fields of the selected rows (or all rows), Ctrl+D"
    ),
    Action.UNDO: ActionSpec(
        "Undo last change", (QKeySequence.StandardKey.Undo,),
        "Put back what the last applied auto-fix or defaults replaced (Ctrl+Z)",
    ),
    Action.CANCEL: ActionSpec("Cancel", ("Esc",), "Stop the action in progress (Esc)"),
    Action.SETTINGS: ActionSpec(
        "Settings…", (QKeySequence.StandardKey.Preferences,),
        "API key, model, prices, workers, tabs and Google account", fallback="Ctrl+,",
    ),
    Action.REVIEW: ActionSpec("Review", ("Ctrl+R",), "Review the rows a run changed (Ctrl+R)"),
    Action.ABOUT: ActionSpec(
        "About SimBatch", (QKeySequence.StandardKey.HelpContents,),
        "Version, licence and the bundled components (F1)", fallback="F1",
    ),
    Action.QUIT: ActionSpec("Quit", (QKeySequence.StandardKey.Quit,), "Close SimBatch"),
}

TOOLBAR = (
    Action.OPEN, Action.VALIDATE, Action.AUTOFIX, Action.DEFAULTS, Action.UNDO, Action.REVIEW,
    Action.SETTINGS,
)
MENUS: tuple[tuple[str, tuple[Action | None, ...]], ...] = (
    ("&File", (
        Action.OPEN, Action.OPEN_SHEET, Action.OPEN_DEMO, None, Action.RESET_DEMO, Action.UNDO_DEMO_RESET,
        None, Action.SETTINGS, None, Action.QUIT,
    )),
    ("&Edit", (Action.UNDO, Action.CANCEL)),
    ("&Rows", (Action.VALIDATE, Action.AUTOFIX, Action.DEFAULTS, Action.REVIEW)),
)


@dataclass(frozen=True, slots=True)
class WindowState:
    """What decides which actions are enabled: a foreground action runs, rows are loaded, the source
    can be written (not offline), a change can be undone, and the demo copy: it exists, a reset of it
    can be undone, a run on it is going."""

    busy: bool = False
    has_rows: bool = False
    can_write: bool = False
    can_undo: bool = False
    demo_exists: bool = False
    can_undo_demo_reset: bool = False
    demo_running: bool = False

    def enabled(self, action: Action) -> bool:
        """Nothing that writes while offline or busy, Undo only after a change, Cancel only when busy."""
        writable = self.can_write and self.has_rows and not self.busy
        if action in (Action.OPEN, Action.OPEN_SHEET, Action.OPEN_DEMO):
            return not self.busy
        if action is Action.RESET_DEMO:
            return not self.busy and not self.demo_running and self.demo_exists
        if action is Action.UNDO_DEMO_RESET:
            return not self.busy and not self.demo_running and self.can_undo_demo_reset
        if action is Action.VALIDATE:
            return not self.busy and self.has_rows
        if action in (Action.AUTOFIX, Action.DEFAULTS):
            return writable
        if action is Action.UNDO:
            return writable and self.can_undo
        if action is Action.CANCEL:
            return self.busy
        return True


def make_action(
    parent: QWidget, text: str, shortcuts: tuple[Shortcut, ...], tip: str, slot: Callable[[], object]
) -> QAction:
    """An action whose tooltip and status tip both say ``tip``; triggering it calls ``slot()``."""
    action = QAction(text, parent)
    keys = [QKeySequence(shortcut) for shortcut in shortcuts]
    if len(keys) == 1:
        action.setShortcut(keys[0])
    elif keys:
        action.setShortcuts(keys)
    action.setStatusTip(tip)
    action.setToolTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    return action


def build_actions(parent: QWidget, slots: Mapping[Action, Callable[[], object]]) -> dict[Action, QAction]:
    """One QAction per :class:`Action`, each calling its slot; every action needs a slot."""
    actions: dict[Action, QAction] = {}
    for kind, spec in SPECS.items():
        action = make_action(parent, spec.text, spec.shortcuts, spec.tip, slots[kind])
        if spec.fallback is not None and action.shortcut().isEmpty():
            action.setShortcut(QKeySequence(spec.fallback))
        actions[kind] = action
    return actions


def enable_actions(actions: Mapping[Action, QAction], state: WindowState) -> None:
    """Enable each action that fits ``state``."""
    for kind, action in actions.items():
        action.setEnabled(state.enabled(kind))


def install_toolbar(window: QMainWindow, actions: Mapping[Action, QAction]) -> None:
    """The window's one toolbar, text only, with the everyday actions."""
    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("main_toolbar")
    toolbar.setMovable(False)
    toolbar.toggleViewAction().setStatusTip("Show or hide the toolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    for kind in TOOLBAR:
        toolbar.addAction(actions[kind])


def install_menus(window: QMainWindow, actions: Mapping[Action, QAction], tabs: QTabWidget) -> list[QAction]:
    """File, Edit, Rows, View (one action per tab, Ctrl+1…) and Help; returns the tab actions."""
    menus = window.menuBar()
    for title, entries in MENUS:
        menu = menus.addMenu(title)
        for kind in entries:
            if kind is None:
                menu.addSeparator()
            else:
                menu.addAction(actions[kind])
    view_menu = menus.addMenu("&View")
    tab_actions = []
    for index in range(tabs.count()):
        name = tabs.tabText(index)
        action = make_action(
            window, f"{name} tab", (f"Ctrl+{index + 1}",), f"Show the {name} tab (Ctrl+{index + 1})",
            functools.partial(tabs.setCurrentIndex, index),
        )
        tab_actions.append(action)
        view_menu.addAction(action)
    menus.addMenu("&Help").addAction(actions[Action.ABOUT])
    return tab_actions
