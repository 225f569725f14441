"""The one place that runs background work for the GUI.

``run_task(fn, on_result=..., on_error=...)`` runs ``fn(ctx)`` in a ``QRunnable`` on a thread pool,
catches every exception and posts the result, the error or progress back to the GUI thread through
queued Qt signals. Workers never touch widgets: they only return values, raise, or report progress.

The function always receives one :class:`TaskContext`: it polls ``ctx.raise_if_cancelled()`` and
reports ``ctx.progress(done, total)``, which reaches ``on_progress`` on the GUI thread. Arguments are
bound by the caller (a lambda or ``functools.partial``), so mypy checks the call and that the result
type of ``fn`` is the one ``on_result`` takes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from desktop.errors import CancelledError

log = logging.getLogger(__name__)

R = TypeVar("R")

#: Work done and work in total, as reported by ``TaskContext.progress``.
Progress = tuple[int, int]
ErrorCallback = Callable[[BaseException], None]
ProgressCallback = Callable[[Progress], None]
CancelledCallback = Callable[[], None]


class CancelToken:
    """A thread-safe flag the GUI sets and a worker polls to stop early."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop; it stops at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """True once cancellation was asked for."""
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise ``CancelledError`` when cancellation was asked for."""
        if self._event.is_set():
            raise CancelledError("The task was cancelled.")


class TaskContext:
    """What a background function is handed: its cancel token and where to report progress."""

    def __init__(self, token: CancelToken, report: Callable[[Progress], None]) -> None:
        self.token = token
        self._report = report

    @property
    def cancelled(self) -> bool:
        """True once the GUI asked the task to stop."""
        return self.token.cancelled

    def raise_if_cancelled(self) -> None:
        """Raise ``CancelledError`` when the GUI asked the task to stop."""
        self.token.raise_if_cancelled()

    def progress(self, done: int, total: int) -> None:
        """Report ``done`` of ``total``; delivered to ``on_progress`` on the GUI thread, in order."""
        self._report((done, total))


class _Emitter(QObject):
    """Lives in the GUI thread; its slots run there because the connections are queued."""

    result_ready = Signal(object)
    error_raised = Signal(object)
    progress_made = Signal(object)

    def __init__(self, handle: TaskHandle[Any]) -> None:
        super().__init__()
        self._handle = handle
        queued = Qt.ConnectionType.QueuedConnection
        self.result_ready.connect(self._deliver_result, queued)
        self.error_raised.connect(self._deliver_error, queued)
        self.progress_made.connect(self._deliver_progress, queued)

    @Slot(object)
    def _deliver_result(self, value: object) -> None:
        self._handle._finish(lambda: self._handle._on_result(value))

    @Slot(object)
    def _deliver_error(self, error: object) -> None:
        assert isinstance(error, BaseException)
        self._handle._finish(lambda: self._handle._on_error(error))

    @Slot(object)
    def _deliver_progress(self, value: object) -> None:
        assert isinstance(value, tuple)
        self._handle._progress(value)


class TaskHandle(Generic[R]):
    """One submitted task whose function returns an ``R``: cancel it, ask whether it is still running,
    or wait for its worker."""

    def __init__(
        self,
        on_result: Callable[[R], None],
        on_error: ErrorCallback,
        on_progress: ProgressCallback | None,
        on_cancelled: CancelledCallback | None,
        owner: QObject | None = None,
    ) -> None:
        self.token = CancelToken()
        self._owner = owner
        self._on_result = on_result
        self._on_error = on_error
        self._on_progress = on_progress
        self._on_cancelled = on_cancelled
        self._worker_done = threading.Event()
        self._delivered = False
        self._emitter = _Emitter(self)

    def cancel(self) -> None:
        """Ask the task to stop. Its result or error is then dropped and ``on_cancelled`` runs."""
        self.token.cancel()

    @property
    def cancelled(self) -> bool:
        """True once ``cancel()`` was called."""
        return self.token.cancelled

    @property
    def running(self) -> bool:
        """True until the outcome was delivered to the GUI thread."""
        return not self._delivered

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the worker function returned (not until delivery); True when it did."""
        return self._worker_done.wait(timeout)

    @property
    def orphaned(self) -> bool:
        """True when the widget that asked for the work has been deleted meanwhile."""
        return self._owner is not None and not shiboken6.isValid(self._owner)

    def _finish(self, deliver: Callable[[], None]) -> None:
        if self._delivered:
            return
        self._delivered = True
        _ACTIVE.discard(self)
        if self.orphaned:  # nobody is left to show the outcome (a closed window or panel)
            return
        if self.token.cancelled:
            if self._on_cancelled is not None:
                self._on_cancelled()
            return
        deliver()

    def _progress(self, value: Progress) -> None:
        if self._on_progress is not None and not self._delivered and not self.token.cancelled \
                and not self.orphaned:
            self._on_progress(value)


class _Runnable(QRunnable, Generic[R]):
    def __init__(self, fn: Callable[[TaskContext], R], handle: TaskHandle[R]) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._handle = handle

    def run(self) -> None:
        emitter = self._handle._emitter
        context = TaskContext(self._handle.token, emitter.progress_made.emit)
        try:
            value = self._fn(context)
        except BaseException as exc:  # every failure goes back to the GUI thread
            if not isinstance(exc, CancelledError):
                log.debug("Background task failed", exc_info=exc)
            self._handle._worker_done.set()
            emitter.error_raised.emit(exc)
            return
        self._handle._worker_done.set()
        emitter.result_ready.emit(value)


#: The pool of ``local_pool()`` once made.
_local_pool: QThreadPool | None = None


def local_pool() -> QThreadPool:
    """One worker thread for the window's local refresh work (journal reads, estimates).

    Those tasks are short and CPU-bound; several at once (as at the end of a run, next to the re-read
    and validation of the rows) compete with the GUI thread for the interpreter and the cores, and
    the window stalls. Queued on one thread they take turns. Work that waits on the network or the
    user (sign-in, batch polling, opening a Google Sheet) stays on the global pool, so it never holds
    this queue up.
    """
    global _local_pool
    if _local_pool is None:
        _local_pool = QThreadPool()
        _local_pool.setMaxThreadCount(1)
    return _local_pool


#: Handles whose outcome has not been delivered yet; keeps their emitters alive.
_ACTIVE: set[TaskHandle[Any]] = set()


def run_task(
    fn: Callable[[TaskContext], R],
    *,
    on_result: Callable[[R], None],
    on_error: ErrorCallback,
    on_progress: ProgressCallback | None = None,
    on_cancelled: CancelledCallback | None = None,
    pool: QThreadPool | None = None,
    owner: QObject | None = None,
) -> TaskHandle[R]:
    """Run ``fn(ctx)`` on a worker thread and deliver its outcome on the GUI thread.

    Must be called from the GUI thread. Exactly one of ``on_result``, ``on_error`` or (after
    ``cancel()``) ``on_cancelled`` is called, on the GUI thread, once the function has returned —
    unless ``owner`` (by default the QObject whose method ``on_result`` is) was deleted meanwhile:
    then nothing is called, since the widgets the callbacks would update are gone.
    """
    if owner is None:
        bound_to = getattr(on_result, "__self__", None)
        owner = bound_to if isinstance(bound_to, QObject) else None
    handle: TaskHandle[R] = TaskHandle(on_result, on_error, on_progress, on_cancelled, owner)
    _ACTIVE.add(handle)
    (pool or QThreadPool.globalInstance()).start(_Runnable(fn, handle))
    return handle


def drain(timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for every started task's function to return.

    Called before shared resources (the journal, the open source) are closed, so no worker is
    cut off in the middle of using them. True when all returned in time.
    """
    deadline = time.monotonic() + timeout
    return all(handle.wait(max(0.0, deadline - time.monotonic())) for handle in list(_ACTIVE))
