"""Auto-fix and defaults: preview, Apply writes the workbook and journals a run, Undo reverts it."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.gui.mainwindow.actions import Action
from desktop.journal import RunKind
from tests.gui.conftest import MessageLog, wait_idle
from tests.gui.test_main_window import PLANTED_MISSING_ROW, OpenWindow, initial_vitals


def test_defaults_apply_is_journaled_and_undo_puts_the_workbook_back(
    qtbot: QtBot, open_window: OpenWindow, demo_copy: Path, message_boxes: MessageLog
) -> None:
    before = initial_vitals(demo_copy, PLANTED_MISSING_ROW)
    window = open_window(demo_copy)
    wait_idle(qtbot, window)
    window.select_row(PLANTED_MISSING_ROW)
    window.action_map[Action.DEFAULTS].trigger()
    qtbot.waitUntil(lambda: window.changes.preview is not None, timeout=10_000)
    assert window.changes.preview is not None
    window.changes.preview.apply_button.click()
    qtbot.waitUntil(
        lambda: bool(window.changes.undo_stack) and window.context.reports is not None and not window.busy,
        timeout=15_000,
    )
    after = initial_vitals(demo_copy, PLANTED_MISSING_ROW)
    assert after != before
    [run] = [r for r in window.context.journal.list_runs() if r.run_id == window.changes.undo_stack[-1]]
    assert run.kind == RunKind.DEFAULTS.value
    assert window.context.journal.writeback_history(run.run_id)

    assert window.action_map[Action.UNDO].isEnabled()
    window.action_map[Action.UNDO].trigger()
    qtbot.waitUntil(
        lambda: not window.changes.undo_stack and window.context.reports is not None and not window.busy,
        timeout=15_000,
    )
    assert initial_vitals(demo_copy, PLANTED_MISSING_ROW) == before
    assert message_boxes.shown == []


def test_auto_fix_preview_lists_each_fix_and_cancel_writes_nothing(
    qtbot: QtBot, open_window: OpenWindow, demo_copy: Path
) -> None:
    window = open_window(demo_copy)
    wait_idle(qtbot, window)
    original = demo_copy.read_bytes()
    window.action_map[Action.AUTOFIX].trigger()
    qtbot.waitUntil(
        lambda: window.changes.preview is not None
        or (not window.busy and bool(window.statusBar().currentMessage())),
        timeout=10_000,
    )
    if window.changes.preview is None:  # the demo has nothing auto-fixable: the status bar says so
        assert window.statusBar().currentMessage().startswith("Nothing to fix")
        return
    texts = window.changes.preview.row_texts()
    assert texts and all(" → " in row[3] for row in texts)
    window.changes.preview.reject()
    qtbot.waitUntil(lambda: window.changes.preview is None, timeout=5_000)
    assert demo_copy.read_bytes() == original
