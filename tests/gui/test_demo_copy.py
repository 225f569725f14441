"""The demo in the window: opened as a copy, reset (asked first) and the reset undone; and no run from
the window — auto-fix, defaults, live, batch — touches a file under resources/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.app.demo import open_demo_copy
from desktop.gui.mainwindow.actions import Action
from desktop.gui.mainwindow.window import MainWindow
from desktop.journal import RunKind
from desktop.paths import demo_copy_path, demo_workbook
from desktop.services.source import CellRef
from desktop.services.workbook import XlsxSource
from tests.conftest import resources_changes, resources_state
from tests.fakes.openai_server import FakeOpenAI
from tests.gui.conftest import MessageLog, wait_idle
from tests.gui.run_helpers import fake_fixture  # noqa: F401

TIMEOUT_MS = 30_000
VITALS = '{"HR": 61, "BP": "111/71", "SpO2": 97, "RR": 13, "waveform": "sinus_ecg"}'


def _demo_window(qtbot: QtBot, open_window: Callable[[str | Path], MainWindow]) -> MainWindow:
    """A window on some other workbook that then opens the demo from the File menu."""
    other = demo_copy_path().parent.parent / "other.xlsx"
    other.write_bytes(demo_workbook().read_bytes())
    window = open_window(other)
    wait_idle(qtbot, window)
    window.action_map[Action.OPEN_DEMO].trigger()
    qtbot.waitUntil(lambda: window.context.locator == str(demo_copy_path()), timeout=TIMEOUT_MS)
    wait_idle(qtbot, window)
    return window


def test_reset_demo_asks_first_puts_a_fresh_copy_back_and_can_be_undone(
    qtbot: QtBot, open_window: Callable[[str | Path], MainWindow], message_boxes: MessageLog
) -> None:
    window = _demo_window(qtbot, open_window)
    copy = demo_copy_path()
    row = window.context.scenarios[0].row
    XlsxSource(copy).write_cells({CellRef(row, "Initial_Vitals"): VITALS})
    changed = copy.read_bytes()
    actions = window.action_map
    assert actions[Action.RESET_DEMO].isEnabled() and not actions[Action.UNDO_DEMO_RESET].isEnabled()

    message_boxes.answer = QMessageBox.StandardButton.Cancel
    window.action_map[Action.RESET_DEMO].trigger()
    assert [kind for kind, _ in message_boxes.shown] == ["question"]
    assert copy.read_bytes() == changed  # cancelled: nothing happened

    message_boxes.answer = QMessageBox.StandardButton.Yes
    window.action_map[Action.RESET_DEMO].trigger()
    assert copy.read_bytes() == demo_workbook().read_bytes()
    assert "fresh again" in window.statusBar().currentMessage()
    wait_idle(qtbot, window)
    assert window.context.locator == str(copy) and window.model.rowCount() > 0
    assert window.action_map[Action.UNDO_DEMO_RESET].isEnabled()

    window.action_map[Action.UNDO_DEMO_RESET].trigger()
    assert copy.read_bytes() == changed
    wait_idle(qtbot, window)
    assert not window.action_map[Action.UNDO_DEMO_RESET].isEnabled()
    scenario = window.context.scenario(row)
    assert scenario is not None and scenario.vitals["Initial_Vitals"] is not None


def test_no_run_from_the_window_touches_a_file_under_resources(
    qtbot: QtBot, fake: FakeOpenAI, open_window: Callable[[str | Path], MainWindow], message_boxes: MessageLog
) -> None:
    before = resources_state()
    window = _demo_window(qtbot, open_window)
    copy = open_demo_copy()
    original = copy.read_bytes()
    settings = window.context.settings
    settings.requests_per_minute, settings.tokens_per_minute = 100_000, 100_000_000
    window.run_side.batches_panel.timer.setInterval(200)

    for kind in (Action.AUTOFIX, Action.DEFAULTS):  # preview, then Apply
        action = window.action_map[kind]
        window.rows_view.table.clearSelection()
        action.trigger()
        qtbot.waitUntil(lambda: window.changes.preview is not None, timeout=TIMEOUT_MS)
        assert window.changes.preview is not None
        window.changes.preview.apply_button.click()
        qtbot.waitUntil(lambda: window.changes.preview is None and not window.busy, timeout=TIMEOUT_MS)
    kinds = {run.kind for run in window.context.journal.list_runs()}
    assert {RunKind.AUTOFIX.value, RunKind.DEFAULTS.value} <= kinds

    side = window.run_side
    panel = side.run_panel
    settings.overwrite_valid = True  # so that the batch run has rows to send after the live run
    for mode in ("live", "batch"):
        panel.mode.setCurrentIndex(panel.mode.findData(mode))
        qtbot.waitUntil(panel.start_button.isEnabled, timeout=TIMEOUT_MS)
        ended = side.batches_panel.run_finished if mode == "batch" else side.controller.finished
        with qtbot.waitSignal(ended, timeout=TIMEOUT_MS):
            panel.start_button.click()
        wait_idle(qtbot, window)
    assert fake.chat_requests() and len({run.kind for run in window.context.journal.list_runs()}) == 4

    assert copy.read_bytes() != original
    assert message_boxes.shown == []
    assert resources_changes(before) == []
