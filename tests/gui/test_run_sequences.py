"""Runs one after another in one window: live then batch, two live runs, a cancelled live run then another.

Each run must start, end and leave the controller idle, so the next one can start (a run that waits
forever on "Submitting…" after a live run was the bug these guard against).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

from desktop.gui.mainwindow.window import MainWindow
from desktop.gui.qt.workers import run_task
from desktop.gui.run.controller import RunState
from desktop.jobs.batch_outcome import BatchOutcome
from desktop.journal import RowStatus, RunStatus
from tests.fakes.openai_server import FakeOpenAI
from tests.gui.conftest import MessageLog, wait_idle
from tests.gui.run_helpers import fake_fixture, make_workbook  # noqa: F401

TIMEOUT_MS = 20_000


def _window(qtbot: QtBot, open_window: Callable[[str | Path], MainWindow], path: Path) -> MainWindow:
    window = open_window(path)
    wait_idle(qtbot, window)
    settings = window.context.settings
    settings.requests_per_minute, settings.tokens_per_minute = 100_000, 100_000_000
    window.run_side.batches_panel.timer.setInterval(200)
    return window


def _start(qtbot: QtBot, window: MainWindow, mode: str) -> None:
    panel = window.run_side.run_panel
    panel.mode.setCurrentIndex(panel.mode.findData(mode))
    qtbot.waitUntil(panel.start_button.isEnabled, timeout=TIMEOUT_MS)
    panel.start_button.click()


def _live_run(qtbot: QtBot, window: MainWindow) -> object:
    with qtbot.waitSignal(window.run_side.controller.finished, timeout=TIMEOUT_MS) as finished:
        _start(qtbot, window, "live")
    qtbot.waitUntil(lambda: window.run_side.controller.state == RunState.IDLE, timeout=TIMEOUT_MS)
    return finished.args[0]


def test_live_run_then_batch_run_both_complete(
    qtbot: QtBot, fake: FakeOpenAI, demo_copy: Path, open_window: Callable[[str | Path], MainWindow],
    message_boxes: MessageLog,
) -> None:
    window = _window(qtbot, open_window, demo_copy)
    live = _live_run(qtbot, window)
    assert live.status is RunStatus.COMPLETED  # type: ignore[attr-defined]
    # the same rows again as a batch run (overwriting, so that the rows need the LLM again)
    window.context.settings.overwrite_valid = True
    side = window.run_side
    with qtbot.waitSignal(side.run_panel.batch_submitted, timeout=TIMEOUT_MS) as submitted:
        _start(qtbot, window, "batch")
    outcome = submitted.args[0]
    assert isinstance(outcome, BatchOutcome) and side.controller.state == RunState.IDLE
    assert "submitted" in side.run_panel.status.text()
    with qtbot.waitSignal(side.batches_panel.run_finished, timeout=TIMEOUT_MS) as ended:
        pass
    assert ended.args[0].run_id == outcome.run_id
    tasks = window.context.journal.tasks(outcome.run_id)
    assert tasks and {t.status for t in tasks} <= {RowStatus.COMPLETED, RowStatus.FAILED}
    assert not message_boxes.shown


def test_two_live_runs_in_a_row(
    qtbot: QtBot, fake: FakeOpenAI, demo_copy: Path, open_window: Callable[[str | Path], MainWindow],
    message_boxes: MessageLog,
) -> None:
    window = _window(qtbot, open_window, demo_copy)
    first = _live_run(qtbot, window)
    window.context.settings.overwrite_valid = True
    second = _live_run(qtbot, window)
    assert first.status is RunStatus.COMPLETED  # type: ignore[attr-defined]
    assert second.status is RunStatus.COMPLETED  # type: ignore[attr-defined]
    assert first.run_id != second.run_id  # type: ignore[attr-defined]
    assert not message_boxes.shown


def test_cancelled_live_run_then_another_run(
    qtbot: QtBot, fake: FakeOpenAI, demo_copy: Path, tmp_path: Path,
    open_window: Callable[[str | Path], MainWindow], message_boxes: MessageLog,
) -> None:
    fake.latency = 0.05
    workbook = make_workbook(demo_copy, tmp_path / "many.xlsx", 200)
    window = _window(qtbot, open_window, workbook)
    side = window.run_side
    window.run_side.run_panel.workers.setValue(2)
    with qtbot.waitSignal(side.controller.finished, timeout=TIMEOUT_MS) as finished:
        _start(qtbot, window, "live")
        qtbot.waitUntil(lambda: len(fake.chat_requests()) >= 3, timeout=TIMEOUT_MS)
        assert side.run_panel.cancel_button.isEnabled()
        side.run_panel.cancel_button.click()
    assert finished.args[0].status is RunStatus.CANCELLED
    qtbot.waitUntil(lambda: side.controller.state == RunState.IDLE, timeout=TIMEOUT_MS)
    fake.latency = 0.0
    window.rows_view.select_rows([3, 4, 5])
    second = _live_run(qtbot, window)
    assert second.status is RunStatus.COMPLETED  # type: ignore[attr-defined]
    assert not message_boxes.shown


def test_a_run_starts_while_the_shared_pool_is_full(
    qtbot: QtBot, fake: FakeOpenAI, demo_copy: Path, open_window: Callable[[str | Path], MainWindow],
    message_boxes: MessageLog,
) -> None:
    """Other background work (a Google sign-in waiting for the browser, slow polls) may hold every thread
    of the shared pool; the run's own steps still start and end."""
    window = _window(qtbot, open_window, demo_copy)
    release = threading.Event()
    pool = QThreadPool.globalInstance()
    blockers = [run_task(lambda _ctx: release.wait(), on_result=lambda _v: None, on_error=lambda _e: None)
                for _ in range(pool.maxThreadCount())]
    try:
        qtbot.waitUntil(lambda: pool.activeThreadCount() >= pool.maxThreadCount(), timeout=TIMEOUT_MS)
        side = window.run_side
        with qtbot.waitSignal(side.run_panel.batch_submitted, timeout=TIMEOUT_MS):
            _start(qtbot, window, "batch")
        assert side.controller.state == RunState.IDLE
    finally:
        release.set()
        for handle in blockers:
            handle.wait(5)
