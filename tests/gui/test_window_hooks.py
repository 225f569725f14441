"""Main-window hooks: Help > About on F1, tab shortcuts, and the rows and Review refreshed after a run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from pytestqt.qtbot import QtBot

from desktop.gui.dialogs.about import AboutDialog
from desktop.gui.mainwindow.actions import Action
from desktop.gui.mainwindow.window import MainWindow
from tests.fakes.openai_server import FakeOpenAI
from tests.gui.conftest import MessageLog, wait_idle
from tests.gui.run_helpers import fake_fixture  # noqa: F401

OpenWindow = Callable[[str | Path], MainWindow]
TIMEOUT_MS = 30_000


def test_f1_opens_about_and_ctrl_digits_switch_tabs(
    qtbot: QtBot, open_window: OpenWindow, demo_copy: Path, message_boxes: MessageLog
) -> None:
    window = open_window(demo_copy)
    wait_idle(qtbot, window)
    assert QKeySequence("F1") in window.action_map[Action.ABOUT].shortcuts()
    assert "&Help" in [a.text() for a in window.menuBar().actions()]
    window.action_map[Action.ABOUT].trigger()
    assert isinstance(window.about_dialog, AboutDialog) and window.about_dialog.isVisible()
    window.about_dialog.close()
    names = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert names == ["Details", "Run", "Progress", "Batch jobs", "Review"]
    for index, action in enumerate(window.tab_actions):
        assert action.shortcut() == QKeySequence(f"Ctrl+{index + 1}")
        action.trigger()
        assert window.tabs.currentIndex() == index
    # no two actions or buttons of the window share a shortcut (an ambiguous one fires neither)
    side = window.run_side
    keys = [s.toString() for a in window.findChildren(QAction) for s in a.shortcuts()]
    keys += [b.shortcut().toString() for b in (side.run_panel.start_button, side.run_panel.pause_button,
                                                side.run_panel.resume_button, side.run_panel.cancel_button,
                                                side.batches_panel.refresh_button)]
    keys = [k for k in keys if k]
    assert len(keys) == len(set(keys)), sorted(keys)


def test_after_a_run_the_rows_show_cost_and_time_and_review_lists_the_run(
    qtbot: QtBot, open_window: OpenWindow, demo_copy: Path, fake: FakeOpenAI, message_boxes: MessageLog
) -> None:
    window = open_window(demo_copy)
    wait_idle(qtbot, window)
    assert window.review.run_box.count() == 0
    window.changes.validate()
    wait_idle(qtbot, window)
    before = window.model.entry_for_row(14)
    assert before is not None and before.severity == "critical"  # row 14 misses RR and waveform
    window.rows_view.select_rows([12, 13, 14])
    side = window.run_side
    box = side.run_panel.estimate_box
    qtbot.waitUntil(lambda: box.estimate is not None and box.estimate.rows == 3,
                    timeout=TIMEOUT_MS)
    with qtbot.waitSignal(side.controller.finished, timeout=TIMEOUT_MS) as finished:
        side.run_panel.start_button.click()
    run_id = finished.args[0].run_id
    generated = [t.row for t in window.context.journal.tasks(run_id) if t.columns_requested]
    assert generated

    def refreshed() -> bool:
        entry = window.model.entry_for_row(generated[0])
        return entry is not None and bool(entry.last_run) and (entry.cost or 0) > 0

    qtbot.waitUntil(refreshed, timeout=TIMEOUT_MS)
    entry = window.model.entry_for_row(generated[0])
    assert entry is not None and entry.status == "COMPLETED"
    qtbot.waitUntil(lambda: window.review.run_box.findData(run_id) >= 0, timeout=TIMEOUT_MS)

    def revalidated() -> bool:  # the written vitals were read again and validated
        entry = window.model.entry_for_row(14)
        return entry is not None and entry.severity not in ("", "critical") and not window.busy

    qtbot.waitUntil(revalidated, timeout=TIMEOUT_MS)
    assert message_boxes.shown == []
