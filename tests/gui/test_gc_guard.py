"""The GUI thread's guard: garbage collected on it alone, and a short wait for the interpreter lock."""

from __future__ import annotations

import gc
import sys
from typing import Any

from desktop.gui.qt.gc_guard import install_gui_thread_collector


def test_the_gui_thread_waits_at_most_a_tenth_of_a_millisecond_for_the_interpreter(qapp: Any) -> None:
    """Each call from Qt into Python on the GUI thread waits for the GIL up to one switch interval
    while workers run Python; a repaint makes hundreds (see desktop/gui/qt/gc_guard.py for the figures)."""
    install_gui_thread_collector(qapp)
    assert sys.getswitchinterval() <= 0.0001


def test_the_automatic_collector_is_off_once_installed(qapp: Any) -> None:
    """A worker thread never triggers a collection (it could free a QObject there and crash)."""
    install_gui_thread_collector(qapp)
    assert not gc.isenabled()


def test_a_full_collection_runs_at_most_every_half_minute(qapp: Any) -> None:
    """A full collection took 12-44 ms of GUI-thread time during a run; younger ones stay frequent."""
    import time

    from desktop.gui.qt.gc_guard import FULL_COLLECTION_SECONDS

    guard = install_gui_thread_collector(qapp)

    def churn() -> int:
        before = gc.get_stats()[2]["collections"]
        kept: list[list[object]] = []  # live allocations push the generation counts past thresholds
        for _ in range(200):
            kept.append([[] for _ in range(800)])
            guard.check()
        kept.clear()
        return gc.get_stats()[2]["collections"] - before

    guard._last_full = time.monotonic()
    assert churn() == 0
    guard._last_full = time.monotonic() - FULL_COLLECTION_SECONDS
    assert churn() == 1
