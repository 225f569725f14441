"""Every action and button of the main window and its panels tells what it does (tooltip or status tip)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QDialogButtonBox
from pytestqt.qtbot import QtBot

from desktop.gui.dialogs.settings_dialog import SettingsDialog
from desktop.gui.mainwindow.window import MainWindow
from tests.gui.conftest import wait_idle


def _untitled(root: object) -> list[str]:
    missing: list[str] = []
    for action in root.findChildren(QAction):  # type: ignore[attr-defined]
        if action.text() and not action.isSeparator() and action.menu() is None \
                and not (action.toolTip().strip() and action.toolTip() != action.text().replace("&", "")) \
                and not action.statusTip().strip():
            missing.append(f"action {action.text()!r}")
    for button in root.findChildren(QAbstractButton):  # type: ignore[attr-defined]
        if isinstance(button.parent(), QDialogButtonBox) or not button.text():
            continue  # OK/Cancel of a dialog, tab scroll arrows
        if not button.toolTip().strip() and not button.statusTip().strip():
            missing.append(f"button {button.text()!r} in {type(button.window()).__name__}")
    return missing


def test_every_action_and_button_has_a_tip(
    qtbot: QtBot, demo_copy: Path, open_window: Callable[[str | Path], MainWindow]
) -> None:
    window = open_window(demo_copy)
    wait_idle(qtbot, window)
    dialog = SettingsDialog(window.context.settings, window)
    qtbot.addWidget(dialog)
    assert _untitled(window) == []
    assert _untitled(dialog) == []
