"""The rows a live run's workers take, and the run's two switches (paused, stopped), shared by every
thread of the run."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable

from desktop.journal import RowTask


class RowQueue:
    """This session's queue of rows to request, and whether workers may take and start them."""

    def __init__(self) -> None:
        #: Set when workers stop taking rows; a row not yet started stays PENDING.
        self.stop = threading.Event()
        self._running = threading.Event()
        self._running.set()  # cleared while paused
        self._tasks: deque[RowTask] = deque()
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()  # pausing and starting a row exclude each other

    def __len__(self) -> int:
        return len(self._tasks)

    def extend(self, tasks: Iterable[RowTask]) -> None:
        """Queue ``tasks`` after those already queued."""
        with self._lock:
            self._tasks.extend(tasks)

    def append(self, task: RowTask) -> None:
        """Queue ``task`` at the end (a row that goes back in the queue)."""
        with self._lock:
            self._tasks.append(task)

    @property
    def stopped(self) -> bool:
        """True once the run stops."""
        return self.stop.is_set()

    @property
    def paused(self) -> bool:
        """True while paused."""
        return not self._running.is_set()

    def pause(self) -> None:
        """No row starts once this returns (a row is started under the same lock)."""
        with self._start_lock:
            self._running.clear()

    def resume(self) -> None:
        """Rows start again after ``pause``."""
        self._running.set()

    def halt(self) -> None:
        """Stop for good (cancel or interrupt), waking workers held by a pause."""
        self.stop.set()
        self._running.set()

    def next_task(self) -> RowTask | None:
        """The next row to do, waiting while paused; None when the queue is empty or the run stops."""
        self._running.wait()
        if self.stop.is_set():
            return None
        with self._lock:
            return self._tasks.popleft() if self._tasks else None

    def begin(self, start: Callable[[], object]) -> bool:
        """Call ``start`` (marking a row PROCESSING) unless the run pauses or stops first, waiting while it
        is paused; False when it stopped."""
        while True:
            self._running.wait()
            with self._start_lock:
                if self.stop.is_set():
                    return False
                if self._running.is_set():
                    start()
                    return True
