"""The main window's actions with their shortcuts and tips, its toolbar and menus, and which actions
are enabled in which state."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from desktop.gui.mainwindow.demo_actions import open_demo, reset_demo, undo_demo_reset, update_demo_actions

if TYPE_CHECKING:
    from desktop.gui.mainwindow.window import MainWindow


def make_action(
    parent: QWidget,
    text: str,
    shortcut: str | QKeySequence.StandardKey | None,
    tip: str,
    slot: Callable[[], object],
) -> QAction:
    """An action whose tooltip and status tip both say ``tip``; triggering it calls ``slot()``."""
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setStatusTip(tip)
    action.setToolTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    return action


def _with_fallback(action: QAction, shortcut: str) -> QAction:
    """Give ``action`` ``shortcut`` when the platform has no standard key for it."""
    if action.shortcut().isEmpty():
        action.setShortcut(QKeySequence(shortcut))
    return action


def install_actions(window: MainWindow) -> None:
    """Create the window's actions and put them in its toolbar and menus."""
    window.open_action = make_action(
        window, "Open workbook…", QKeySequence.StandardKey.Open,
        "Open a local .xlsx workbook (Ctrl+O)", window.choose_workbook,
    )
    window.open_sheet_action = make_action(
        window, "Open Google Sheet…", "Ctrl+Shift+O",
        "Open a Google Sheet from its link (Ctrl+Shift+O)", window.choose_sheet,
    )
    window.open_demo_action = make_action(
        window, "Open the demo workbook", None,
        "Open your own copy of the demo workbook, to try things safely", lambda: open_demo(window),
    )
    window.reset_demo_action = make_action(
        window, "Reset demo…", None,
        "Put back a fresh copy of the demo workbook (asked first; can be undone)", lambda: reset_demo(window),
    )
    window.undo_demo_reset_action = make_action(
        window, "Undo demo reset", None,
        "Bring back the demo workbook as it was before the last reset", lambda: undo_demo_reset(window),
    )
    window.validate_action = make_action(
        window, "Validate", "Ctrl+Shift+V", "Check every row's vitals (F5)", window.validate
    )
    window.validate_action.setShortcuts([QKeySequence("Ctrl+Shift+V"), QKeySequence("F5")])
    window.autofix_action = make_action(
        window, "Auto-fix…", "Ctrl+Shift+F",
        "Preview automatic fixes of the selected rows (or all rows), Ctrl+Shift+F", window.auto_fix,
    )
    window.defaults_action = make_action(
        window, "Add defaults…", "Ctrl+D",
        "Fill missing vitals fields of the selected rows (or all rows), Ctrl+D", window.add_defaults,
    )
    window.undo_action = make_action(
        window, "Undo last change", QKeySequence.StandardKey.Undo,
        "Put back what the last applied auto-fix or defaults replaced (Ctrl+Z)", window.undo,
    )
    window.cancel_action = make_action(
        window, "Cancel", "Esc", "Stop the action in progress (Esc)", window.cancel
    )
    window.settings_action = _with_fallback(make_action(
        window, "Settings…", QKeySequence.StandardKey.Preferences,
        "API key, model, prices, workers, tabs and Google account", window.open_settings,
    ), "Ctrl+,")
    window.review_action = make_action(
        window, "Review", "Ctrl+R", "Review the rows a run changed (Ctrl+R)",
        lambda: window.tabs.setCurrentWidget(window.review),
    )
    window.about_action = _with_fallback(make_action(
        window, "About SimBatch", QKeySequence.StandardKey.HelpContents,
        "Version, licence and the bundled components (F1)", window.show_about,
    ), "F1")
    _install_toolbar(window)
    _install_menus(window)


def _install_toolbar(window: MainWindow) -> None:
    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("main_toolbar")
    toolbar.setMovable(False)
    toolbar.toggleViewAction().setStatusTip("Show or hide the toolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    for action in (
        window.open_action,
        window.validate_action,
        window.autofix_action,
        window.defaults_action,
        window.undo_action,
        window.review_action,
        window.settings_action,
    ):
        toolbar.addAction(action)


def _install_menus(window: MainWindow) -> None:
    menus = window.menuBar()
    file_menu = menus.addMenu("&File")
    for action in (window.open_action, window.open_sheet_action, window.open_demo_action):
        file_menu.addAction(action)
    file_menu.addSeparator()
    for action in (window.reset_demo_action, window.undo_demo_reset_action, window.settings_action):
        file_menu.addAction(action)
    file_menu.addSeparator()
    quit_action = make_action(window, "Quit", QKeySequence.StandardKey.Quit, "Close SimBatch", window.close)
    file_menu.addAction(quit_action)
    edit_menu = menus.addMenu("&Edit")
    edit_menu.addAction(window.undo_action)
    edit_menu.addAction(window.cancel_action)
    rows_menu = menus.addMenu("&Rows")
    rows_menu.addActions(
        [window.validate_action, window.autofix_action, window.defaults_action, window.review_action]
    )
    view_menu = menus.addMenu("&View")
    window.tab_actions = []
    for index in range(window.tabs.count()):
        name = window.tabs.tabText(index)
        action = make_action(
            window, f"{name} tab", f"Ctrl+{index + 1}", f"Show the {name} tab (Ctrl+{index + 1})",
            functools.partial(window.tabs.setCurrentIndex, index),
        )
        window.tab_actions.append(action)
        view_menu.addAction(action)
    menus.addMenu("&Help").addAction(window.about_action)


def update_actions(window: MainWindow) -> None:
    """Enable what fits: nothing that writes while offline or busy, Undo only after a change."""
    busy = window.busy
    has_rows = bool(window.scenarios)
    writable = window.context.can_write and has_rows and not busy
    window.open_action.setEnabled(not busy)
    window.open_sheet_action.setEnabled(not busy)
    window.validate_action.setEnabled(not busy and has_rows)
    window.autofix_action.setEnabled(writable)
    window.defaults_action.setEnabled(writable)
    window.undo_action.setEnabled(writable and bool(window.undo_stack))
    window.cancel_action.setEnabled(busy)
    window.banner.retry_button.setEnabled(not busy)
    update_demo_actions(window)
