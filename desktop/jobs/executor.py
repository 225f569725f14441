"""A small executor interface so the run engine never depends on Qt.

The command line uses plain threads; the desktop app supplies a QThreadPool-backed executor.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol


class WorkerGroup(Protocol):
    """Handle on a group of started workers."""

    def join(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds; True when every worker has finished."""
        ...


class Executor(Protocol):
    """Starts ``count`` workers that each run ``target`` until it returns."""

    def start_workers(self, count: int, target: Callable[[], None]) -> WorkerGroup: ...


class _ThreadGroup:
    def __init__(self, threads: list[threading.Thread]) -> None:
        self._threads = threads

    def join(self, timeout: float | None = None) -> bool:
        for thread in self._threads:
            thread.join(timeout)
            if thread.is_alive():
                return False
        return True


class ThreadExecutor:
    """Plain daemon threads: the executor of the command line and the tests."""

    def __init__(self, name: str = "simbatch-worker") -> None:
        self._name = name

    def start_workers(self, count: int, target: Callable[[], None]) -> WorkerGroup:
        """Start ``count`` daemon threads running ``target``."""
        threads = [
            threading.Thread(target=target, name=f"{self._name}-{i}", daemon=True) for i in range(count)
        ]
        for thread in threads:
            thread.start()
        return _ThreadGroup(threads)
