"""What the GUI thread was doing during each long event-loop stall.

A sampler thread records the GUI thread's Python stack every millisecond (``sys._current_frames``);
a 10 ms QTimer on the GUI thread stamps each tick. For every gap between ticks longer than a
threshold, the samples inside that gap are summarised as the project code that was running (the
innermost ``desktop/`` frame below the event loop, with its caller), or "event loop (Qt/native)" when
the GUI thread was inside Qt with no Python of ours on its stack: then the time went to Qt's own work
(painting, layout) or to waiting for the interpreter or a CPU.

Used by ``bench/gui_latency.py --trace``; the sampler adds a little load of its own, so the figures
of a traced run are not the benchmark's figures.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from types import FrameType

from PySide6.QtCore import QTimer

_OURS = ("/desktop/",)


@dataclass
class Stall:
    """One long gap between ticks and what the GUI thread ran during it."""

    start: float
    end: float
    cpu: float = 0.0  # GUI-thread CPU seconds within the gap
    where: Counter[str] = field(default_factory=Counter)

    @property
    def ms(self) -> float:
        """The gap's length in milliseconds."""
        return (self.end - self.start) * 1000


def _describe(frame: FrameType | None) -> str:
    """The innermost frame of our code and its caller of our code, or the event loop."""
    ours: list[str] = []
    while frame is not None:
        path = frame.f_code.co_filename.replace("\\", "/")
        if any(part in path for part in _OURS):
            name = path.rsplit("/desktop/", 1)[-1]
            ours.append(f"{name}:{frame.f_code.co_name}:{frame.f_lineno}")
            if len(ours) == 3:
                break
        frame = frame.f_back
    if not ours:
        return "event loop (Qt/native, or waiting for the GIL/CPU)"
    return " <- ".join(ours)


class StallTracer:
    """Samples the GUI thread's stack and stamps event-loop ticks; call ``stalls()`` afterwards."""

    def __init__(self, interval_ms: int = 10, sample_s: float = 0.001) -> None:
        self._gui_id = threading.get_ident()
        self._sample_s = sample_s
        self._samples: list[tuple[float, str]] = []
        self._ticks: list[float] = []
        self._cpu: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="stall-sampler", daemon=True)
        self._timer = QTimer()
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self._ticks.append(time.perf_counter())
        self._cpu.append(time.thread_time())

    def start(self) -> None:
        """Start sampling and ticking (call on the GUI thread)."""
        self._tick()
        self._timer.start()
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling and ticking."""
        self._timer.stop()
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            frame = sys._current_frames().get(self._gui_id)
            self._samples.append((time.perf_counter(), _describe(frame)))
            time.sleep(self._sample_s)

    def stalls(self, threshold_ms: float = 30.0) -> list[Stall]:
        """Every gap between ticks longer than ``threshold_ms``, with what was sampled inside it."""
        pairs = zip(self._ticks, self._ticks[1:], self._cpu, self._cpu[1:], strict=False)
        found = [Stall(a, b, cpu_b - cpu_a) for a, b, cpu_a, cpu_b in pairs if (b - a) * 1000 > threshold_ms]
        index = 0
        for stall in found:
            while index < len(self._samples) and self._samples[index][0] < stall.start:
                index += 1
            probe = index
            while probe < len(self._samples) and self._samples[probe][0] <= stall.end:
                stall.where[self._samples[probe][1]] += 1
                probe += 1
        return found

    def report(self, threshold_ms: float = 30.0, top: int = 4) -> str:
        """The 25 stalls over ``threshold_ms`` in which the GUI thread used the most CPU, each with its
        most sampled code."""
        lines = []
        run_start = self._ticks[0] if self._ticks else 0.0
        for stall in sorted(self.stalls(threshold_ms), key=lambda s: -s.cpu)[:25]:
            total = sum(stall.where.values()) or 1
            lines.append(f"{stall.ms:6.1f} ms ({stall.cpu * 1000:5.1f} ms GUI-thread CPU) at "
                         f"t={stall.start - run_start:6.2f} s ({total} samples)")
            for where, count in stall.where.most_common(top):
                lines.append(f"        {count * 100 // total:3d} %  {where}")
        return "\n".join(lines) if lines else f"no stall over {threshold_ms:g} ms"
