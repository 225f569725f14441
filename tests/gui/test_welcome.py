"""The welcome screen: each choice opens the right source, and the choice is opened again next time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from desktop.gui.app import create_main_window, create_main_window_with_welcome, first_start
from desktop.gui.dialogs.welcome import WelcomeDialog
from desktop.gui.mainwindow.demo_actions import DEMO_LABEL
from desktop.gui.mainwindow.window import MainWindow
from desktop.paths import demo_copy_path, demo_workbook
from desktop.settings import load_settings
from tests.fakes.sheets_server import FakeSheets
from tests.gui.conftest import MessageLog, wait_idle

TAB = "Master Scenario Convert"
HEADERS = ["Case_ID", "Case_Title", "Diagnosis", "Initial_Vitals", "State1_Vitals"]
SHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


def _started_with_welcome(qtbot: QtBot) -> Iterator[MainWindow]:
    assert first_start()
    window = create_main_window_with_welcome()
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()


@pytest.fixture
def welcome_window(qtbot: QtBot, message_boxes: MessageLog) -> Iterator[MainWindow]:
    """The main window with the first-start welcome over it."""
    yield from _started_with_welcome(qtbot)


@pytest.fixture
def sheets(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSheets]:
    """A Google Sheet on a loopback fake, named by SIMBATCH_SHEETS_ENDPOINT before the app starts."""
    rows = [["Scenario bank"], HEADERS,
            ["CARD-001", "Chest pain", "STEMI", '{"HR": 88, "BP": "120/80", "SpO2": 98, "RR": 16, '
             '"waveform": "sinus_ecg"}', None],
            ["RESP-002", "Asthma", "Asthma attack", None, None]]
    with FakeSheets(SHEET_ID, tabs={TAB: rows}) as fake:
        monkeypatch.setenv("SIMBATCH_SHEETS_ENDPOINT", fake.endpoint)
        yield fake


@pytest.fixture
def sheets_welcome_window(
    sheets: FakeSheets, qtbot: QtBot, message_boxes: MessageLog
) -> Iterator[MainWindow]:
    """The welcome window of an app started with the Sheets endpoint on the fake."""
    yield from _started_with_welcome(qtbot)


def _welcome(window: MainWindow) -> WelcomeDialog:
    assert isinstance(window.welcome, WelcomeDialog) and window.welcome.isVisible()
    return window.welcome


def _reopened(qtbot: QtBot) -> MainWindow:
    """What the next start opens (no welcome then: a source was remembered)."""
    assert not first_start()
    again = create_main_window(None)
    qtbot.addWidget(again)
    wait_idle(qtbot, again)
    return again


def test_the_demo_choice_opens_a_copy_says_so_and_is_remembered(
    qtbot: QtBot, welcome_window: MainWindow, message_boxes: MessageLog, simbatch_home: Path
) -> None:
    _welcome(welcome_window).demo_button.click()
    qtbot.waitUntil(lambda: welcome_window.context.source is not None, timeout=15_000)
    wait_idle(qtbot, welcome_window)
    assert welcome_window.context.source is not None
    copy = Path(welcome_window.context.source.locator)
    assert copy == demo_copy_path() and copy.is_relative_to(simbatch_home)
    assert copy.read_bytes() == demo_workbook().read_bytes()
    assert welcome_window.source_label.text() == DEMO_LABEL
    note = welcome_window.statusBar().currentMessage()
    assert "your own copy of the demo workbook" in note and str(copy) in note and "Reset demo" in note
    assert welcome_window.model.rowCount() > 0
    assert not welcome_window.welcome or not welcome_window.welcome.isVisible()
    again = _reopened(qtbot)
    assert again.context.source is not None and Path(again.context.source.locator) == copy
    again.close()
    assert message_boxes.shown == []


def test_closing_the_welcome_opens_the_demo_so_the_window_is_never_empty(
    qtbot: QtBot, welcome_window: MainWindow, message_boxes: MessageLog
) -> None:
    _welcome(welcome_window).reject()
    qtbot.waitUntil(lambda: welcome_window.context.source is not None, timeout=15_000)
    wait_idle(qtbot, welcome_window)
    assert welcome_window.context.source is not None
    assert Path(welcome_window.context.source.locator) == demo_copy_path()
    assert welcome_window.model.rowCount() > 0
    assert message_boxes.shown == []


def test_the_workbook_choice_opens_the_picked_file_and_is_remembered(
    qtbot: QtBot, welcome_window: MainWindow, demo_copy: Path, message_boxes: MessageLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *_a, **_k: (str(demo_copy), "Excel workbooks (*.xlsx)")))
    _welcome(welcome_window).file_button.click()
    qtbot.waitUntil(lambda: welcome_window.context.source is not None, timeout=15_000)
    wait_idle(qtbot, welcome_window)
    assert welcome_window.context.source is not None
    assert welcome_window.context.source.locator == str(demo_copy.absolute())
    assert load_settings().last_source == str(demo_copy.absolute())
    again = _reopened(qtbot)
    assert again.context.source is not None and again.context.source.locator == str(demo_copy.absolute())
    again.close()
    assert message_boxes.shown == []


def test_a_bad_link_is_explained_and_a_sheet_link_opens_the_google_sheet(
    qtbot: QtBot, sheets_welcome_window: MainWindow, message_boxes: MessageLog,
) -> None:
    welcome_window = sheets_welcome_window
    welcome = _welcome(welcome_window)
    welcome.link_edit.setText("not a link")
    welcome.link_button.click()
    assert welcome.isVisible() and welcome.choice is None
    assert welcome.message.text()  # one sentence saying what a link looks like
    welcome.link_edit.setText(f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit#gid=0")
    welcome.link_button.click()
    qtbot.waitUntil(lambda: welcome_window.context.source is not None, timeout=15_000)
    wait_idle(qtbot, welcome_window)
    assert welcome_window.context.source is not None and SHEET_ID in welcome_window.context.source.locator
    assert welcome_window.model.rowCount() == 2
    assert SHEET_ID in str(load_settings().last_source)
    again = _reopened(qtbot)
    assert again.context.source is not None and SHEET_ID in again.context.source.locator
    again.close()
    welcome_window.close()
    assert message_boxes.shown == []
