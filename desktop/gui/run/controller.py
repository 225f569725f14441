"""The GUI side of a run: the engine on worker threads, its news turned into Qt signals.

``RunController`` executes a live run (``LiveRun.execute``) or one batch step off the GUI thread
through ``tasks.run_task``. The engine's workers run on a private ``QThreadPool`` (``PoolExecutor``).
The engine calls the listener from its threads; the listener only emits signals, which Qt queues to
the GUI thread, so no worker ever touches a widget.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from desktop.app.live import live_run
from desktop.errors import AuthError, ServiceError, SimBatchError, first_line
from desktop.gui.qt.thread_priority import lower_this_thread
from desktop.gui.qt.workers import TaskContext, TaskHandle, run_task
from desktop.gui.run.row_news import RowNews
from desktop.jobs.colleague_watch import StaleClaim
from desktop.jobs.engine import Generator, LiveRun
from desktop.jobs.executor import WorkerGroup
from desktop.jobs.live_outcome import ProgressSnapshot, RunOutcome
from desktop.journal import Journal, RowTask
from desktop.services.source import Source

log = logging.getLogger(__name__)

R = TypeVar("R")



class RunState(StrEnum):
    """What the run controller is doing."""

    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"


class _Worker(QRunnable):
    """Runs one engine worker function and flags when it has returned."""

    def __init__(self, target: Callable[[], None], done: threading.Event) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._target = target
        self._done = done

    def run(self) -> None:
        lower_this_thread()  # the window's thread goes first when the CPU is short
        try:
            self._target()
        except BaseException:  # the engine catches row errors; this is a last resort
            log.exception("A run worker stopped unexpectedly")
        finally:
            self._done.set()


def make_room(pool: QThreadPool, count: int) -> None:
    """Grow ``pool`` so that ``count`` more runnables start at once instead of waiting for a thread."""
    needed = pool.activeThreadCount() + count
    if pool.maxThreadCount() < needed:
        pool.setMaxThreadCount(needed)


class _PoolGroup:
    """The ``WorkerGroup`` of workers started on a ``QThreadPool``."""

    def __init__(self, events: list[threading.Event]) -> None:
        self._events = events

    def join(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds in total; True when every worker has returned."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for event in self._events:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not event.wait(left):
                return False
        return True


class PoolExecutor:
    """The engine's ``Executor`` on a ``QThreadPool`` (grown so that every worker gets a thread)."""

    def __init__(self, pool: QThreadPool) -> None:
        self._pool = pool

    def start_workers(self, count: int, target: Callable[[], None]) -> WorkerGroup:
        """Start ``count`` workers running ``target`` on the pool."""
        make_room(self._pool, count)
        events = [threading.Event() for _ in range(count)]
        for event in events:
            self._pool.start(_Worker(target, event))
        return _PoolGroup(events)


class _Listener:
    """The engine's ``RunListener``: each hook only emits a controller signal or gathers row news
    (any thread)."""

    def __init__(self, controller: RunController) -> None:
        self._controller = controller

    def row_changed(self, task: RowTask) -> None:
        self._controller.row_news.add(task.row, task.shown_status)

    def progress(self, snapshot: ProgressSnapshot) -> None:
        self._controller.progress.emit(snapshot)

    def message(self, text: str, level: str) -> None:
        self._controller.message.emit(text, level)


def what_to_do(error: BaseException) -> str:
    """One sentence for the user: what went wrong and what to do about it."""
    if isinstance(error, AuthError):
        return f"{error} Enter a valid key in Settings, then press Resume."
    if isinstance(error, ServiceError):
        return f"{error} Check the network connection or the endpoint in Settings, then press Resume."
    if isinstance(error, SimBatchError):
        return str(error)
    return f"The run stopped unexpectedly: {first_line(error)}."


class RunController(QObject):
    """Runs one job at a time off the GUI thread and reports through signals (GUI thread only)."""

    #: Rows' statuses changed: a list of (sheet row, ``RowStatus`` value) in the order they happened,
    #: delivered in batches (``row_news``).
    statuses_changed = Signal(list)
    #: A ``ProgressSnapshot`` of the live run.
    progress = Signal(object)
    #: A plain-language log line: (text, level).
    message = Signal(str, str)
    #: The job ended: a ``RunOutcome`` or a ``BatchOutcome``.
    finished = Signal(object)
    #: The job could not run or stopped on an error: one sentence with what to do.
    failed = Signal(str)
    #: ``idle``, ``running``, ``paused`` or ``stopping``.
    state_changed = Signal(object)
    #: A colleague's claim on rows of the live run went stale (a ``StaleClaim``): the run waits for
    #: them until the user takes them over (``take_over``) or stops the run.
    stale_claim = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setExpiryTimeout(5_000)
        self.row_news = RowNews(self.statuses_changed.emit, self)
        self._live: LiveRun | None = None
        self._handle: TaskHandle[Any] | None = None
        self.run_id: str | None = None
        self.state = RunState.IDLE

    # -- state -------------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """True while a job runs (or is paused) on a worker thread."""
        return self._handle is not None

    @property
    def live_run(self) -> LiveRun | None:
        """The live run being executed, if any."""
        return self._live

    def _set_state(self, state: RunState) -> None:
        self.state = state
        self.state_changed.emit(state)

    # -- starting ----------------------------------------------------------------------------------

    def start_live(
        self, journal: Journal, source: Source, run_id: str, generate: Generator, workers: int,
        **engine_options: Any,
    ) -> None:
        """Execute (or resume) the journaled live run ``run_id`` on worker threads."""
        if self.active:
            raise RuntimeError("a run is already active")
        # On a Google Sheet the rows are claimed through the sheet, so colleagues never do them twice
        # (the source's tabs and layout are known from loading it: no request on this thread).
        live = live_run(
            journal, source, run_id, generate, workers, executor=PoolExecutor(self.pool),
            listener=_Listener(self), on_stale=self.stale_claim.emit, **engine_options,
        )
        self._live = live
        self.run_id = run_id
        self._handle = self._run(
            lambda _ctx: live.execute(), on_result=self._live_done, on_error=self._job_failed
        )
        self._set_state(RunState.RUNNING)

    def start_job(self, run_id: str | None, job: Callable[[], object]) -> None:
        """Run any other run step (a batch submit or poll) off the GUI thread; ``finished`` gets its value."""
        if self.active:
            raise RuntimeError("a run is already active")
        self._live = None
        self.run_id = run_id
        self._handle = self._run(lambda _ctx: job(), on_result=self._job_done, on_error=self._job_failed)
        self._set_state(RunState.RUNNING)

    def _run(self, fn: Callable[[TaskContext], R], *, on_result: Callable[[R], None],
             on_error: Callable[[BaseException], None]) -> TaskHandle[R]:
        """Run a job step on the controller's own pool, with a thread free for it.

        Run steps never queue behind other background work (estimates, batch polls, a Google sign-in
        waiting for the browser) in the shared pool: a step that waits for a thread never starts.
        """
        make_room(self.pool, 1)
        return run_task(fn, on_result=on_result, on_error=on_error, pool=self.pool, owner=self)

    def say(self, text: str, level: str = "info") -> None:
        """Post a log line from any thread (used as the batch runner's ``say`` hook)."""
        self.message.emit(text, level)

    # -- controls (GUI thread) ---------------------------------------------------------------------

    def pause(self) -> None:
        """Let rows in flight finish, then wait (the journal call runs on a worker thread)."""
        live = self._live
        if live is None or self.state != RunState.RUNNING:
            return
        self._set_state(RunState.PAUSED)
        self._run(lambda _ctx: live.pause(), on_result=lambda _v: None, on_error=self._control_failed)

    def resume(self) -> None:
        """Continue after ``pause``."""
        live = self._live
        if live is None or self.state != RunState.PAUSED:
            return
        self._set_state(RunState.RUNNING)
        self._run(lambda _ctx: live.resume_work(), on_result=lambda _v: None, on_error=self._control_failed)

    def take_over(self, stale: StaleClaim) -> None:
        """Do the rows of a colleague whose claim went stale in the live run (the user agreed), as
        ``--take-over`` does on the command line; the claims are read and written off this thread."""
        if self._live is None or not self.active:
            return
        self._run(lambda _ctx: stale.take_over(), on_result=lambda _v: None, on_error=self._control_failed)

    def cancel(self) -> None:
        """Stop: rows in flight go back to PENDING, the others become CANCELLED; results are written."""
        if self._live is not None and self.active:
            self._live.cancel()
            self._set_state(RunState.STOPPING)

    def interrupt(self) -> None:
        """Stop so that the run can be resumed later (used when the app closes)."""
        if self._live is not None and self.active:
            self._live.interrupt()
            self._set_state(RunState.STOPPING)

    def wait(self, timeout: float) -> bool:
        """Block until the job's worker has returned (for closing the app); True when it did."""
        return self._handle is None or self._handle.wait(timeout)

    # -- outcomes ----------------------------------------------------------------------------------

    def _live_done(self, outcome: RunOutcome) -> None:
        self.row_news.deliver()  # every row's news before the end
        self._handle = None
        self._set_state(RunState.IDLE)
        self.finished.emit(outcome)
        if outcome.exit_error is not None:
            self.failed.emit(what_to_do(outcome.exit_error))

    def _job_done(self, value: object) -> None:
        self._handle = None
        self._set_state(RunState.IDLE)
        self.finished.emit(value)

    def _job_failed(self, error: BaseException) -> None:
        self.row_news.deliver()
        self._handle = None
        self._live = None
        self._set_state(RunState.IDLE)
        if not isinstance(error, SimBatchError):
            log.error("A run failed unexpectedly", exc_info=error)
        self.failed.emit(what_to_do(error))

    def _control_failed(self, error: BaseException) -> None:
        self.message.emit(what_to_do(error), "error")


def controller_for(context: QObject) -> RunController:
    """The one run controller of a window's context (created on first use, owned by the context)."""
    found = context.findChild(RunController)
    if isinstance(found, RunController):
        return found
    return RunController(context)
