"""Shared set-up for the run-side GUI tests: a context on a workbook copy, and the fake OpenAI server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from desktop.gui.context import AppContext
from desktop.journal import Journal
from desktop.services.workbook import XlsxSource
from desktop.settings import Settings
from tests.fakes.openai_server import FakeOpenAI
from tests.integration.live_helpers import make_workbook

__all__ = ["make_workbook"]

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from desktop.gui.run.side import RunSide

API_KEY = "sk-test-gui-0123456789abcdef"


def make_context(workbook: Path, journal: Journal, **settings: object) -> AppContext:
    """A context with the workbook open and its rows loaded (read here, before any widget exists)."""
    values: dict[str, object] = {"requests_per_minute": 100_000, "tokens_per_minute": 100_000_000}
    values.update(settings)
    context = AppContext(journal, Settings.model_validate(values))
    source = XlsxSource(workbook)
    context.set_source(source)
    context.set_rows(source.read_scenarios().scenarios)
    return context


def run_side_for(qtbot: QtBot, context: AppContext, show: bool = False) -> RunSide:
    """The Run, Progress and Batch jobs panels on a context, closed with the test (shown when asked)."""
    from desktop.gui.run.side import build_run_side  # the benchmarks import this module without widgets

    side = build_run_side(context)
    for panel in (side.run_panel, side.progress_panel, side.batches_panel):
        qtbot.addWidget(panel)
        if show:
            panel.show()
    return side


@pytest.fixture(name="fake")
def fake_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    """A fake OpenAI server that the app reaches through OPENAI_BASE_URL and OPENAI_API_KEY."""
    with FakeOpenAI(api_key=API_KEY, seed=3) as server:
        server.batch_polls_per_stage = 1
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        yield server


class StallMeter:
    """Measures how late a 10 ms QTimer fires on the GUI thread: each gap beyond 10 ms is a stall.

    Each gap's GUI-thread CPU time is kept too (``cpu_gaps``): on a machine shared with other work a
    gap is long also while the process waits for a CPU or the interpreter lock, and the CPU time
    tells that apart from work the GUI thread itself did.
    """

    def __init__(self, interval_ms: int = 10) -> None:
        import time

        from PySide6.QtCore import QTimer

        self._clock = time.perf_counter
        self._cpu = time.thread_time
        self.interval = interval_ms / 1000.0
        self.gaps: list[float] = []
        self.cpu_gaps: list[float] = []
        self._last = self._clock()
        self._last_cpu = self._cpu()
        self._timer = QTimer()
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        """Start measuring."""
        self._last = self._clock()
        self._last_cpu = self._cpu()
        self._timer.start()

    def stop(self) -> None:
        """Stop measuring."""
        self._timer.stop()

    def _tick(self) -> None:
        now, cpu = self._clock(), self._cpu()
        self.gaps.append(now - self._last)
        self.cpu_gaps.append(cpu - self._last_cpu)
        self._last, self._last_cpu = now, cpu

    @property
    def longest(self) -> float:
        """The longest gap between two ticks, in seconds."""
        return max(self.gaps, default=0.0)

    @property
    def longest_cpu(self) -> float:
        """The most GUI-thread CPU time spent between two ticks, in seconds."""
        return max(self.cpu_gaps, default=0.0)

    def percentile(self, share: float, *, cpu: bool = False) -> float:
        """The gap (or its GUI-thread CPU time) below which ``share`` of the gaps fall."""
        values = self.cpu_gaps if cpu else self.gaps
        if not values:
            return 0.0
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
