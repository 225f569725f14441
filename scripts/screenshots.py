"""Save screenshots of the main window (after Validate) and the defaults preview.

Usage: ``python scripts/screenshots.py [WORKBOOK] [OUT_DIR]`` (defaults: a copy of the demo
workbook, ``artifacts/screenshots``). Runs offscreen unless ``QT_QPA_PLATFORM`` says otherwise.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer

from desktop.gui.app import create_main_window, ensure_application
from desktop.gui.main_window import MainWindow
from desktop.paths import demo_workbook

CRITICAL_ROW = 19  # out-of-range values in the demo workbook (resources/demo/PLANTED.md)
MISSING_ROW = 14  # missing required fields in the demo workbook


def wait_for(condition: Callable[[], bool], timeout_ms: int = 30_000) -> None:
    """Run the event loop until ``condition`` holds (or fail after ``timeout_ms``)."""
    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: loop.quit() if condition() else None)
    poll.start(20)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    poll.stop()
    if not condition():
        raise SystemExit("Timed out waiting for the window.")


def main(argv: list[str]) -> int:
    """Open the workbook, validate, and save the screenshots."""
    out_dir = Path(argv[2] if len(argv) > 2 else "artifacts/screenshots")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["SIMBATCH_HOME"] = str(Path(scratch) / "home")  # never touch the user's settings
        workbook = Path(scratch) / "scenarios.xlsx"
        shutil.copyfile(argv[1] if len(argv) > 1 else demo_workbook(), workbook)
        ensure_application()
        window: MainWindow = create_main_window(str(workbook))
        window.resize(1400, 800)
        window.show()
        wait_for(lambda: not window.busy)
        window.validate_action.trigger()
        wait_for(lambda: window.reports is not None and not window.busy)
        window.select_row(CRITICAL_ROW)
        wait_for(lambda: True)
        window.grab().save(str(out_dir / "main_window.png"))
        window.select_row(MISSING_ROW)
        window.defaults_action.trigger()
        wait_for(lambda: window.defaults_preview is not None or not window.busy)
        if window.defaults_preview is not None:
            window.defaults_preview.grab().save(str(out_dir / "defaults_preview.png"))
            window.defaults_preview.reject()
        window.close()
    print(f"Screenshots saved in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
