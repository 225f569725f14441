"""The run controller: engine news reaches the GUI thread as signals; pause, resume and cancel a live run."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop.app.live import prepare_live_run
from desktop.gui.run.controller import RunController, RunState, controller_for
from desktop.jobs.live_outcome import ProgressSnapshot, RunOutcome
from desktop.journal import Journal, RowStatus, RunStatus
from tests.fakes.openai_server import FakeOpenAI
from tests.gui.run_helpers import fake_fixture, make_context  # noqa: F401

TIMEOUT_MS = 30_000


def _start(qtbot: QtBot, controller: RunController, journal: Journal, demo_copy: Path,
           workers: int) -> str:
    """Journal a live run over every demo row and start it on the controller."""
    context = make_context(demo_copy, journal, workers=workers)
    assert context.source is not None
    rows = [s.row for s in context.scenarios]
    prepared = prepare_live_run(journal, context.source, rows, context.settings, workers)
    controller.start_live(journal, context.source, prepared.run_id, prepared.client.generate, workers)
    return prepared.run_id


def test_engine_news_arrives_on_the_gui_thread_and_the_run_completes(
    qtbot: QtBot, fake: FakeOpenAI, journal: Journal, demo_copy: Path
) -> None:
    controller = RunController()
    threads: set[bool] = set()
    rows: list[tuple[int, str]] = []
    snapshots: list[ProgressSnapshot] = []
    messages: list[str] = []
    states: list[str] = []

    def on_gui_thread() -> None:
        threads.add(threading.current_thread() is threading.main_thread())

    controller.statuses_changed.connect(lambda news: (on_gui_thread(), rows.extend(news)))
    controller.progress.connect(lambda snap: (on_gui_thread(), snapshots.append(snap)))
    controller.message.connect(lambda text, _level: (on_gui_thread(), messages.append(text)))
    controller.state_changed.connect(states.append)

    with qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS) as finished:
        run_id = _start(qtbot, controller, journal, demo_copy, workers=4)
        assert controller.active and controller.state == RunState.RUNNING
    outcome = finished.args[0]

    assert isinstance(outcome, RunOutcome) and outcome.run_id == run_id
    assert outcome.status is RunStatus.COMPLETED
    assert threads == {True}  # every signal was delivered on the GUI thread
    assert {status for _row, status in rows} >= {"PROCESSING", "COMPLETED"}
    assert snapshots and snapshots[-1].done == snapshots[-1].total
    assert any("rows to process" in m for m in messages)
    assert states == [RunState.RUNNING, RunState.IDLE]
    assert not controller.active


def test_pause_holds_new_requests_resume_continues_and_cancel_ends_the_run(
    qtbot: QtBot, fake: FakeOpenAI, journal: Journal, demo_copy: Path
) -> None:
    fake.latency = 0.15
    controller = RunController()
    completed: list[int] = []
    controller.statuses_changed.connect(
        lambda news: completed.extend(row for row, status in news if status == "COMPLETED")
    )
    run_id = _start(qtbot, controller, journal, demo_copy, workers=2)
    qtbot.waitUntil(lambda: len(completed) >= 2, timeout=TIMEOUT_MS)

    controller.pause()
    assert controller.state == RunState.PAUSED
    qtbot.waitUntil(lambda: journal.get_run(run_id).status is RunStatus.PAUSED, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not journal.tasks(run_id, [RowStatus.PROCESSING]), timeout=TIMEOUT_MS)
    held = len(fake.chat_requests(None))
    qtbot.wait(600)  # four times the fake's latency: a running run would have sent more
    assert len(fake.chat_requests(None)) == held
    assert controller.active

    controller.resume()
    assert controller.state == RunState.RUNNING
    qtbot.waitUntil(lambda: len(fake.chat_requests(None)) > held, timeout=TIMEOUT_MS)

    with qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS) as finished:
        controller.cancel()
        assert controller.state == RunState.STOPPING
    outcome = finished.args[0]
    assert outcome.status is RunStatus.CANCELLED
    statuses = {t.status for t in journal.tasks(run_id)}
    assert RowStatus.CANCELLED in statuses
    assert RowStatus.PROCESSING not in statuses and RowStatus.PENDING not in statuses
    assert journal.get_run(run_id).status is RunStatus.CANCELLED
    assert controller.state == RunState.IDLE


def test_one_controller_per_context(journal: Journal, demo_copy: Path) -> None:
    context = make_context(demo_copy, journal)
    assert controller_for(context) is controller_for(context)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own nice value is Linux's")
def test_engine_workers_run_below_the_windows_priority_once(qapp: Any) -> None:
    """On two cores the window's thread competes with eight workers for a CPU: the workers give way."""
    import os

    from PySide6.QtCore import QThreadPool

    from desktop.gui.qt.thread_priority import WORKER_NICENESS
    from desktop.gui.run.controller import PoolExecutor

    pool = QThreadPool()
    pool.setMaxThreadCount(2)
    app_nice = os.getpriority(os.PRIO_PROCESS, os.getpid())
    seen: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        with lock:
            seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    for _ in range(3):  # the pool's threads are reused: lowered once, not once per run
        assert PoolExecutor(pool).start_workers(2, work).join(10)
    pool.waitForDone(10_000)
    assert seen == [min(19, app_nice + WORKER_NICENESS)] * 6
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == app_nice  # the window's is unchanged
