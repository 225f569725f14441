"""run_task delivers result, error and progress on the GUI thread, and honours cancellation."""

from __future__ import annotations

import functools
import threading
from typing import Any

import pytest
from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from desktop.errors import CancelledError, InputError
from desktop.gui.qt.workers import CancelToken, TaskContext, local_pool, run_task


class Recorder:
    """Collects callback values together with the thread each callback ran on."""

    def __init__(self) -> None:
        self.results: list[Any] = []
        self.errors: list[BaseException] = []
        self.progress: list[Any] = []
        self.cancelled = 0
        self.threads: list[QThread] = []

    def on_result(self, value: Any) -> None:
        self.threads.append(QThread.currentThread())
        self.results.append(value)

    def on_error(self, error: BaseException) -> None:
        self.threads.append(QThread.currentThread())
        self.errors.append(error)

    def on_progress(self, value: Any) -> None:
        self.threads.append(QThread.currentThread())
        self.progress.append(value)

    def on_cancelled(self) -> None:
        self.threads.append(QThread.currentThread())
        self.cancelled += 1


@pytest.fixture
def gui_thread(qapp: Any) -> QThread:
    return qapp.thread()


def test_result_arrives_on_gui_thread_and_work_runs_elsewhere(qtbot: QtBot, gui_thread: QThread) -> None:
    rec = Recorder()
    worker_threads: list[int] = []

    def work(a: int, b: int) -> int:
        worker_threads.append(threading.get_ident())
        return a + b

    handle = run_task(lambda _ctx: work(2, 3), on_result=rec.on_result, on_error=rec.on_error)
    qtbot.waitUntil(lambda: not handle.running, timeout=5000)
    assert rec.results == [5]
    assert rec.errors == []
    assert worker_threads and worker_threads[0] != threading.get_ident()
    assert rec.threads == [gui_thread]


def test_exception_becomes_error_callback_on_gui_thread(qtbot: QtBot, gui_thread: QThread) -> None:
    rec = Recorder()

    def work(_ctx: TaskContext) -> None:
        raise InputError("The file scenarios.xlsx does not exist.")

    handle = run_task(work, on_result=rec.on_result, on_error=rec.on_error)
    qtbot.waitUntil(lambda: not handle.running, timeout=5000)
    assert rec.results == []
    assert len(rec.errors) == 1
    assert isinstance(rec.errors[0], InputError)
    assert str(rec.errors[0]) == "The file scenarios.xlsx does not exist."
    assert rec.threads == [gui_thread]


def test_unexpected_exception_is_caught_too(qtbot: QtBot) -> None:
    rec = Recorder()
    handle = run_task(lambda _ctx: 1 / 0, on_result=rec.on_result, on_error=rec.on_error)
    qtbot.waitUntil(lambda: not handle.running, timeout=5000)
    assert [type(e) for e in rec.errors] == [ZeroDivisionError]


def test_progress_is_delivered_in_order_before_the_result(qtbot: QtBot, gui_thread: QThread) -> None:
    rec = Recorder()
    order: list[str] = []

    def work(ctx: TaskContext, total: int) -> str:
        for done in range(1, total + 1):
            ctx.progress(done, total)
        return "done"

    def on_progress(value: Any) -> None:
        order.append("progress")
        rec.on_progress(value)

    def on_result(value: Any) -> None:
        order.append("result")
        rec.on_result(value)

    handle = run_task(lambda ctx: work(ctx, 4), on_result=on_result, on_error=rec.on_error,
                      on_progress=on_progress)
    qtbot.waitUntil(lambda: not handle.running, timeout=5000)
    assert rec.progress == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert order == ["progress"] * 4 + ["result"]
    assert set(rec.threads) == {gui_thread}


def test_cancel_stops_the_worker_and_drops_the_outcome(qtbot: QtBot, gui_thread: QThread) -> None:
    rec = Recorder()
    started = threading.Event()
    steps: list[int] = []

    def work(ctx: TaskContext) -> str:
        started.set()
        for step in range(10_000):
            ctx.raise_if_cancelled()
            steps.append(step)
            threading.Event().wait(0.001)
        return "finished"

    handle = run_task(work, on_result=rec.on_result, on_error=rec.on_error, on_cancelled=rec.on_cancelled)
    assert started.wait(5)
    handle.cancel()
    assert handle.wait(5)
    qtbot.waitUntil(lambda: not handle.running, timeout=5000)
    assert rec.cancelled == 1
    assert rec.results == [] and rec.errors == []
    assert len(steps) < 10_000
    assert rec.threads == [gui_thread]


def test_cancel_token_raises_cancelled_error() -> None:
    token = CancelToken()
    token.raise_if_cancelled()
    token.cancel()
    assert token.cancelled
    with pytest.raises(CancelledError):
        token.raise_if_cancelled()


def test_an_outcome_for_a_widget_deleted_meanwhile_is_dropped(qtbot: QtBot) -> None:
    import shiboken6
    from PySide6.QtWidgets import QLabel

    label = QLabel("waiting")
    release = threading.Event()
    recorder = Recorder()
    handle = run_task(lambda _ctx: "done" if release.wait(5) else "", on_result=label.setText,
                      on_error=recorder.on_error)
    other = run_task(lambda _ctx: release.wait(5) and "kept", on_result=recorder.on_result,
                     on_error=recorder.on_error, owner=label)
    shiboken6.delete(label)  # the panel closed while the work ran
    release.set()
    qtbot.waitUntil(lambda: not handle.running and not other.running, timeout=5_000)
    assert handle.orphaned and other.orphaned
    assert recorder.results == [] and recorder.errors == []  # nothing delivered into a deleted widget


def test_local_work_takes_turns_on_one_thread(qtbot: QtBot) -> None:
    """The window's local refresh work (journal reads, estimates, the re-read after a run) is queued
    on one thread, so it never competes with itself for the interpreter and the cores."""
    lock = threading.Lock()
    running: list[int] = [0]
    peak: list[int] = [0]
    done: list[int] = []

    def work(number: int, _ctx: TaskContext) -> int:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        threading.Event().wait(0.03)
        with lock:
            running[0] -= 1
        return number

    for number in range(4):
        run_task(functools.partial(work, number), on_result=done.append, on_error=lambda _e: None,
                 pool=local_pool())
    qtbot.waitUntil(lambda: len(done) == 4, timeout=5_000)
    assert peak[0] == 1 and done == [0, 1, 2, 3]
    assert local_pool() is local_pool() and local_pool().maxThreadCount() == 1
