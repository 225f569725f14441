"""The app's slow pure-Python work in a helper process: parsing a workbook's tab, loading, changing and
saving the whole file, and validating rows.

openpyxl is pure Python, and so is validation. Parsing a 1,000-row tab or saving the workbook keeps
the interpreter busy for about a second, validating 1,000 rows for a quarter of one, and in the app
that time is shared with the window's thread, which then waits for the interpreter lock for
everything it draws (a run's write-back made up nearly half of the interpreter's time during a
1,000-row run; the rows validated again at its end were most of its last second). In a helper process
the work runs beside the app instead of inside it.

One helper per app process, started on first use with ``spawn`` (never a fork of a process that
runs Qt), does one job at a time. A job is a module-level function whose arguments and result are
plain data; errors come back as the same exception with the same sentence. A helper that dies (killed,
out of memory) is replaced once for the job; the jobs are safe to repeat, as a save replaces the file
only when it is complete. A job that gives no answer within ``JOB_TIMEOUT_SEC`` stops the helper
rather than keep a run waiting for ever. Where no helper can start at all (a policy that forbids
starting programs), the jobs run in the app's own process: slower for the window, but working.

The helper starts the app's own program again (``spawn``), which imports the main script without
running it: every entry point runs its work under ``if __name__ == "__main__"``, and a bundled app
calls ``multiprocessing.freeze_support()`` first (``desktop/__main__.py``).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import ParamSpec, TypeVar

from desktop.errors import SimBatchError, first_line

P = ParamSpec("P")
R = TypeVar("R")

#: Far longer than any workbook takes to read or save, or its rows to validate (1,000 rows: about a second).
JOB_TIMEOUT_SEC = 300.0
#: How much lower the helper's scheduling priority is than the app's (POSIX; Windows keeps it equal).
HELPER_NICENESS = 5
_guard = threading.Lock()
_helper: ProcessPoolExecutor | None = None
#: A job has come back from a helper in this process: a helper that fails later is replaced, not given up.
_helper_worked = False
#: No helper could ever start here: every job runs in this process.
_in_this_process = False
log = logging.getLogger(__name__)


class HelperStopped(SimBatchError):
    """The helper process stopped twice during one job, or gave no answer in time."""


def in_helper(job: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run ``job(*args, **kwargs)`` in the helper process and return its result (or raise its error).

    Blocks the calling thread, which holds no interpreter lock meanwhile; call it from a worker
    thread, as every workbook read and write and every validation is.
    """
    global _helper_worked
    if _in_this_process:
        return job(*args, **kwargs)
    for attempt in (1, 2):
        helper = _running_helper()
        try:
            future = helper.submit(job, *args, **kwargs)  # starts the helper's program when needed
        except OSError as exc:  # the program could not be started
            _discard(helper)
            if _helper_worked:
                break
            return _without_helper(exc, job, *args, **kwargs)
        try:
            result = future.result(timeout=JOB_TIMEOUT_SEC)
        except TimeoutError:
            _discard(helper, kill=True)
            raise HelperStopped(
                f"The helper process (workbooks, validation) gave no answer in "
                f"{JOB_TIMEOUT_SEC:.0f} s and was stopped; try again."
            ) from None
        except BrokenProcessPool as exc:
            _discard(helper)
            if attempt == 1:
                continue
            if _helper_worked:
                break
            return _without_helper(exc, job, *args, **kwargs)
        _helper_worked = True
        return result
    raise HelperStopped("The helper process (workbooks, validation) stopped unexpectedly; try again.")


def _without_helper(error: BaseException, job: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """The helper never started on this computer (a policy that forbids starting programs, a broken
    installation): do the work in this process from now on, slower for the window but working."""
    global _in_this_process
    _in_this_process = True
    log.warning("The helper process could not start (%s); workbooks are read and saved, and rows "
                "validated, in the app's own process.", first_line(error))
    return job(*args, **kwargs)


def _running_helper() -> ProcessPoolExecutor:
    global _helper
    with _guard:
        if _helper is None:
            _helper = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_helper_started
            )
        return _helper


def _helper_started() -> None:
    """In the helper: run below the app's priority, and end when the app's process ends, however that
    ends (killed, crashed), rather than wait for a next job that never comes.

    A save can wait a few milliseconds for a CPU; the window cannot (on two cores, a second-long save
    at the end of a run competed with the window's own end-of-run work). Ctrl+C in a terminal reaches
    the whole process group: the app decides what to stop and still saves through the helper, so the
    helper ignores it rather than die half-way through a save.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(HELPER_NICENESS)
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


def _discard(helper: ProcessPoolExecutor, *, kill: bool = False) -> None:
    global _helper
    with _guard:
        if _helper is helper:
            _helper = None
    if kill:  # the executor has no public way to stop a worker that does not answer
        for process in list(getattr(helper, "_processes", {}).values()):
            process.kill()
    helper.shutdown(wait=False, cancel_futures=True)
