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
