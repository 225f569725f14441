"""Background threads that give way to the window's thread when the CPU is short.

On two cores a run's eight workers, the helper process and everything else on the computer compete
for CPU time with the window's thread; a window that waits for a CPU stalls. The engine's worker
threads therefore run a few steps below the app's priority, as the helper process does. On Linux a
thread's nice value is its own; elsewhere Qt's thread priority does the same.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

from PySide6.QtCore import QThread

from desktop.services.helper_process import HELPER_NICENESS

#: How many nice steps below the app the engine's worker threads run (Linux): as far as the helper.
WORKER_NICENESS = HELPER_NICENESS


def lower_this_thread() -> None:
    """Run the calling thread below the app's priority (call it on the thread itself; it stays so)."""
    if sys.platform.startswith("linux"):
        thread_id = threading.get_native_id()
        with contextlib.suppress(OSError):  # a thread may always lower itself; this is belt and braces
            # Relative to the app's main thread, not to itself: a pool thread that runs a later run's
            # workers is lowered once, not again each time.
            wanted = min(19, os.getpriority(os.PRIO_PROCESS, os.getpid()) + WORKER_NICENESS)
            if os.getpriority(os.PRIO_PROCESS, thread_id) < wanted:
                os.setpriority(os.PRIO_PROCESS, thread_id, wanted)
        return
    thread = QThread.currentThread()
    if thread is not None and thread.priority() != QThread.Priority.LowPriority:
        thread.setPriority(QThread.Priority.LowPriority)
