"""The GUI thread's guard: garbage collected on it alone, and a short wait for the interpreter lock."""

from __future__ import annotations

import gc
import sys
from typing import Any

from desktop.gui.qt.gc_guard import install_gui_thread_collector


def test_the_gui_thread_waits_at_most_a_tenth_of_a_millisecond_for_the_interpreter(qapp: Any) -> None:
    """Each call from Qt into Python on the GUI thread waits for the GIL up to one switch interval
    while workers run Python (see desktop/gui/qt/gc_guard.py for the figures)."""
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


def test_a_full_collection_freezes_its_survivors_and_opening_a_source_looks_at_them_again(qapp: Any) -> None:
    """Later full collections look only at objects younger than the last one (over every long-lived
    object one took up to 184 ms at the end of a 1,000-row run); a cycle among long-lived objects is
    still collected, when everything is collected where the user waits anyway."""
    import time
    import weakref

    from desktop.gui.qt.gc_guard import FULL_COLLECTION_SECONDS, collect_everything

    guard = install_gui_thread_collector(qapp)

    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the collector frees it

    long_lived = Node()
    gone = weakref.ref(long_lived)
    frozen_before = gc.get_freeze_count()
    guard._last_full = time.monotonic() - FULL_COLLECTION_SECONDS
    kept = [[[] for _ in range(800)] for _ in range(200)]
    for _ in range(200):
        kept.append([[] for _ in range(800)])
        guard.check()
    assert gc.get_freeze_count() > frozen_before + 100_000  # the survivors, this node among them
    del long_lived
    kept.clear()
    gc.collect(2)
    assert gone() is not None  # frozen: ordinary collections no longer look at it
    collect_everything()
    assert gone() is None


def test_each_collection_takes_the_two_younger_generations_at_once(qapp: Any) -> None:
    """A survivor is looked at in one collection rather than two, and survivors never pile up for a
    middle-generation collection every tenth step (up to 9 ms at the start of a 1,000-row run)."""
    guard = install_gui_thread_collector(qapp)
    before = [generation["collections"] for generation in gc.get_stats()]
    kept = [[] for _ in range(gc.get_threshold()[0] * 2)]
    guard.check()
    after = [generation["collections"] for generation in gc.get_stats()]
    assert kept and after[1] == before[1] + 1 and after[0] == before[0]
