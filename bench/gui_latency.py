"""GUI event-loop latency during a live run of 1,000 rows against the fake OpenAI server.

The whole main window is shown (offscreen) on the workbook — the rows table whose status cells update
live, the Run, Progress and Batch jobs tabs — and the run is started from its Run tab; a 10 ms QTimer
measures how late the GUI thread gets to it while the run goes. Prints the longest and the
99th-percentile stall, and last a ``RESULT {json}`` line for bench/run_all.py. Target: no stall over 100 ms.

    .venv/bin/python bench/gui_latency.py [--rows 1000] [--workers 8] [--latency 0.01]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.memory_keyring.MemoryKeyring"

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.gui.app import create_main_window  # noqa: E402
from desktop.gui.qt.gc_guard import install_gui_thread_collector  # noqa: E402
from desktop.settings import Settings, save_settings  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.gui.run_helpers import StallMeter, make_workbook  # noqa: E402

DEMO = ROOT / "resources" / "demo" / "scenarios.xlsx"
KEY = "sk-bench-gui-0123456789"


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    """Run the event loop until ``condition()`` is true (checked every 20 ms)."""
    loop = QEventLoop()
    deadline = time.monotonic() + timeout
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: loop.quit() if condition() or time.monotonic() > deadline else None)
    timer.start()
    loop.exec()
    timer.stop()


def main() -> int:
    """Run the measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.01, help="seconds per fake reply")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    install_gui_thread_collector(app)
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI(api_key=KEY, latency=args.latency) as fake:
        os.environ["SIMBATCH_HOME"] = tmp
        os.environ["OPENAI_BASE_URL"] = fake.base_url
        os.environ["OPENAI_API_KEY"] = KEY
        workbook = make_workbook(DEMO, Path(tmp) / "bench.xlsx", args.rows)
        limits = {"requests_per_minute": 100_000, "tokens_per_minute": 100_000_000}
        save_settings(Settings.model_validate({"workers": args.workers, **limits}))
        window = create_main_window(str(workbook))
        window.show()
        wait_for(lambda: not window.busy and window.model.rowCount() == args.rows, 60)
        side = window.run_side
        window.tabs.setCurrentWidget(side.progress_panel)
        wait_for(lambda: side.run_panel.estimate is not None, 60)
        ended: list[object] = []
        side.controller.finished.connect(ended.append)
        meter = StallMeter()
        meter.start()
        started = time.perf_counter()
        side.run_panel.start_button.click()
        loop = QEventLoop()
        side.controller.finished.connect(lambda _o: QTimer.singleShot(200, loop.quit))
        QTimer.singleShot(600_000, loop.quit)
        loop.exec()
        meter.stop()
        seconds = time.perf_counter() - started
        statuses = {entry.status for entry in window.model.entries()}
        window.close()
    counts = getattr(ended[0], "counts", {}) if ended else {}
    print(f"rows: {args.rows}, workers: {args.workers}, fake latency: {args.latency * 1000:.0f} ms")
    print(f"run time: {seconds:.1f} s, outcome: {counts}, statuses in the rows table: {sorted(statuses)}")
    print(f"timer ticks: {len(meter.gaps)}")
    print(f"longest stall: {meter.longest * 1000:.1f} ms")
    print(f"p99 stall: {meter.percentile(0.99) * 1000:.1f} ms")
    ok = bool(ended) and meter.longest < 0.1
    print("RESULT " + json.dumps({
        "rows": args.rows, "seconds": round(seconds, 2), "outcome": counts, "ticks": len(meter.gaps),
        "longest_stall_ms": round(meter.longest * 1000, 1),
        "p99_stall_ms": round(meter.percentile(0.99) * 1000, 1), "ok": ok,
    }))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
