"""Run Python's cyclic garbage collector on the GUI thread only.

A cycle that holds a Qt object may otherwise be collected on whichever thread happens to allocate
when the collector triggers — a worker thread — and deleting a QObject there crashes the process.
The automatic collector is switched off and a timer on the GUI thread collects instead.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

_INTERVAL_MS = 500
_guard: GuiThreadCollector | None = None


class GuiThreadCollector(QObject):
    """Collects garbage from a QTimer on the thread it lives on, using gc's own thresholds."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(_INTERVAL_MS)

    def check(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        count0, count1, count2 = gc.get_count()
        if count0 > self._threshold[0]:
            gc.collect(0)
            if count1 > self._threshold[1]:
                gc.collect(1)
                if count2 > self._threshold[2]:
                    gc.collect(2)


def install_gui_thread_collector(app: QObject) -> GuiThreadCollector:
    """Install the collector once for the application (idempotent)."""
    global _guard
    if _guard is None:
        _guard = GuiThreadCollector(app)
    return _guard
