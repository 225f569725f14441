"""Keep the GUI thread safe and responsive while worker threads run Python.

- Python's cyclic garbage collector runs on the GUI thread only. A cycle that holds a Qt object may
  otherwise be collected on whichever thread happens to allocate when the collector triggers — a
  worker thread — and deleting a QObject there crashes the process. The automatic collector is
  switched off and a timer on the GUI thread collects instead, in small steps: every 20 ms, so a young
  collection looks at what workers allocated in 20 ms, not in a second (at 100 ms, collections of the
  middle generation took 20-35 ms of GUI-thread CPU during a 1,000-row run: 30,000-60,000 objects).
  Each step collects the two younger generations together: a survivor is looked at once, and the
  survivors of ten steps never pile up for one middle collection (up to 9 ms as a run started).
- A full collection looks only at what survived since the previous one: its survivors are frozen
  (``gc.freeze``), being long-lived. Everything, frozen objects included, is collected again when a
  source is opened (``collect_everything``), where the user waits anyway; a cycle among long-lived
  objects waits for that.
- The interpreter hands the GIL over far more often (every 0.1 ms instead of 5 ms). While workers run
  Python (reading a workbook, validating rows), each call from Qt into Python on the GUI thread waits
  for the GIL up to one switch interval. Going from 1 ms to 0.1 ms took the 99th-percentile stall of a
  1,000-row run from 29-41 ms to 13-15 ms when the rows table still answered every cell from Python;
  with the table's cells stored in Qt, 0.5 ms is no better and 1-2 ms make the longest stall 85-152 ms
  instead of about 30 ms (bench/gui_latency.py).
"""

from __future__ import annotations

import gc
import sys
import time

from PySide6.QtCore import QObject, QTimer

#: Short enough that each collection has little to look at (a long interval means long pauses).
_INTERVAL_MS = 20
#: A full collection (the oldest generation, the objects that survived since the previous one) at
#: most this often. Over every long-lived object it took 12-44 ms of GUI-thread time during a 1,000-row
#: run, up to 184 ms at its end; cycles among long-lived objects are rare here, and waiting half a
#: minute for them costs little memory.
FULL_COLLECTION_SECONDS = 30.0
#: Seconds a thread may hold the GIL while others wait (Python's default is 0.005).
GIL_SWITCH_INTERVAL = 0.0001
_guard: GuiThreadCollector | None = None


class GuiThreadCollector(QObject):
    """Collects garbage from a QTimer on the thread it lives on, using gc's own thresholds."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        self._last_full = time.monotonic()
        gc.disable()
        # Everything alive at start-up (modules, Qt bindings) lives as long as the app: moving it out
        # of the collector's sight keeps full collections short during runs.
        gc.collect()
        gc.freeze()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(_INTERVAL_MS)

    def check(self) -> None:
        """Collect the two younger generations once the youngest's allocation count passed its
        threshold; the oldest one too when its count passed its threshold, at most every
        ``FULL_COLLECTION_SECONDS``."""
        count0, _count1, count2 = gc.get_count()
        if count0 > self._threshold[0]:
            gc.collect(1)
            now = time.monotonic()
            if count2 > self._threshold[2] and now - self._last_full >= FULL_COLLECTION_SECONDS:
                self._last_full = now
                gc.collect(2)
                gc.freeze()  # survivors are long-lived: the next full collection skips them

    def collect_everything(self) -> None:
        """A full collection that also looks at the frozen long-lived objects, then freezes the survivors."""
        self._last_full = time.monotonic()
        gc.unfreeze()
        gc.collect()
        gc.freeze()


def collect_everything() -> None:
    """Collect every object's garbage now, long-lived ones included (once the collector is installed).

    Call it where the user waits anyway, e.g. when a source has been opened: it takes as long as the
    app has objects (tens of ms for a 1,000-row source).
    """
    if _guard is not None:
        _guard.collect_everything()


def install_gui_thread_collector(app: QObject) -> GuiThreadCollector:
    """Install the collector once for the application and shorten the GIL switch interval (idempotent)."""
    global _guard
    if _guard is None:
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
        _guard = GuiThreadCollector(app)
    return _guard
