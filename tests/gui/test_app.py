"""Starting the app: which source opens first, and run_app's event loop."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.gui.app import create_main_window, initial_source, run_app
from desktop.gui.mainwindow.window import MainWindow
from desktop.paths import demo_copy_path, demo_workbook
from desktop.settings import load_settings, save_settings
from tests.gui.conftest import MessageLog, wait_idle


def test_without_a_source_or_settings_a_copy_of_the_demo_workbook_opens(qapp: QApplication) -> None:
    assert initial_source(None) == str(demo_copy_path())
    assert demo_copy_path().read_bytes() == demo_workbook().read_bytes()


def test_a_remembered_shipped_demo_opens_the_copy_instead(qapp: QApplication) -> None:
    settings = load_settings()
    settings.last_source = str(demo_workbook())  # what earlier versions remembered
    save_settings(settings)
    assert initial_source(None) == str(demo_copy_path())


def test_the_last_opened_source_is_remembered_and_reopened(
    qtbot: QtBot, demo_copy: Path, message_boxes: MessageLog
) -> None:
    first = create_main_window(str(demo_copy))
    qtbot.addWidget(first)
    wait_idle(qtbot, first)
    assert load_settings().last_source == str(demo_copy.absolute())
    first.close()

    second = create_main_window(None)
    qtbot.addWidget(second)
    wait_idle(qtbot, second)
    assert second.context.source is not None and second.context.source.locator == str(demo_copy.absolute())
    second.close()
    assert message_boxes.shown == []


def test_a_remembered_workbook_that_is_gone_falls_back_to_the_demo(tmp_path: Path) -> None:
    settings = load_settings()
    settings.last_source = str(tmp_path / "deleted.xlsx")
    save_settings(settings)
    assert initial_source(None) == str(demo_copy_path())
    assert initial_source("gsheet:abcdefghijkl") == "gsheet:abcdefghijkl"


def test_run_app_shows_the_window_on_the_source_and_returns_the_exit_status(
    qapp: QApplication, demo_copy: Path, message_boxes: MessageLog
) -> None:
    titles: list[str] = []

    def close_when_loaded() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible() and widget.model.rowCount():
                if not titles:
                    titles.append(widget.windowTitle())
                    qapp.exit(0)
                widget.close()

    poll = QTimer()
    poll.timeout.connect(close_when_loaded)
    poll.start(20)
    # A safety net that never hangs the suite; stopped afterwards, since a late exit() would make
    # every later event loop return at once.
    safety = QTimer()
    safety.setSingleShot(True)
    safety.timeout.connect(lambda: qapp.exit(7))
    safety.start(15_000)
    # Closing the last window would post a Quit event that fires in a later test's event loop.
    qapp.setQuitOnLastWindowClosed(False)
    try:
        status = run_app(str(demo_copy))
    finally:
        poll.stop()
        safety.stop()
        qapp.setQuitOnLastWindowClosed(True)
    assert status == 0
    assert titles == ["SimBatch — scenarios.xlsx"]
    assert QApplication.applicationName() == "SimBatch"
    assert QApplication.organizationName() == "SimBatch"
    assert message_boxes.shown == []
