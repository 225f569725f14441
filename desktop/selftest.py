"""``simbatch --self-test``: start the app, open the demo workbook, validate it, and report.

It goes through the same code the user does: the window is made by ``create_main_window`` (as in
``run_app``), the workbook is opened by the window's background task, and validation runs by
triggering the window's Validate action. It prints the time from process launch to the main window
being shown, then runs the platform checks of ``desktop.selftest_checks`` (native Qt platform and
style, image formats and icons, TLS, keyring backend, Sheets discovery document, organisation
config), and exits 0, or non-zero with one sentence per failure. It writes the outcome as JSON to a
result file (``--self-test-result FILE``, default ``simbatch-self-test.json`` in the temporary
folder), which is how an installer test reads the result of the windowed program, which has no
console. It works offscreen (``QT_QPA_PLATFORM=offscreen``) and never touches the user's data: it
runs on a copy of the demo workbook with a temporary data folder.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.gui.mainwindow.window import MainWindow
    from desktop.selftest_checks import Check

#: How long opening or validating the demo workbook may take before the self-test gives up.
STEP_TIMEOUT_SEC = 60.0

_MODULE_LOADED = time.perf_counter()


class SelfTestFailure(Exception):
    """One step of the self-test did not do what it should; the message says which."""


def seconds_since_launch() -> float:
    """Seconds since this process started (Linux: from the kernel; elsewhere: since this module loaded)."""
    try:
        stat = Path("/proc/self/stat").read_text()
        start_ticks = int(stat.rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter() - _MODULE_LOADED


def default_result_path() -> Path:
    """Where the result file goes unless ``--self-test-result`` names another."""
    return Path(tempfile.gettempdir()) / "simbatch-self-test.json"


def run_self_test(result_path: Path | None = None) -> int:
    """Run the self-test, print its results and write the result file; 0 when every step passed."""
    from desktop import __version__
    from desktop.selftest_checks import run_checks

    launched_ago = seconds_since_launch()
    started = time.perf_counter()
    with _private_data_folder() as folder:
        window, window_time = _window_check(folder, started, launched_ago)
        checks = [window, *run_checks()]
    passed = all(check.passed for check in checks)
    if window_time is not None:
        print(f"simbatch self-test: launch to main window shown: {window_time:.2f} s")
    for check in checks:
        if check.passed:
            print(f"simbatch self-test: ok: {check.name}: {check.detail}")
        else:
            print(f"simbatch self-test: FAILED: {check.name}: {check.detail}", file=sys.stderr)
    target = result_path or default_result_path()
    result = {
        "passed": passed,
        "version": __version__,
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "executable": sys.executable,
        "frozen": bool(getattr(sys, "frozen", False)),
        "launch_to_window_sec": None if window_time is None else round(window_time, 3),
        "checks": [check.as_dict() for check in checks],
    }
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"simbatch self-test: result file: {target}")
    except OSError as exc:
        print(f"simbatch self-test: FAILED: cannot write the result file {target}: {exc}", file=sys.stderr)
        return 1
    print("simbatch self-test: OK" if passed else "simbatch self-test: FAILED")
    return 0 if passed else 1


def _window_check(folder: Path, started: float, launched_ago: float) -> tuple[Check, float | None]:
    """Open the window on a copy of the demo and validate it; the check and launch-to-shown time."""
    from desktop.selftest_checks import Check

    try:
        workbook = folder / "scenarios.xlsx"
        shutil.copyfile(_demo_workbook(), workbook)
        shown_after, rows, critical = _exercise_window(workbook, started)
    except SelfTestFailure as exc:
        return Check("window", False, str(exc)), None
    except Exception as exc:
        return Check("window", False, f"unexpected {type(exc).__name__}: {exc}"), None
    detail = f"validated {rows} demo rows ({critical} with critical issues)"
    return Check("window", True, detail), launched_ago + shown_after


def _demo_workbook() -> Path:
    from desktop.paths import demo_workbook

    path = demo_workbook()
    if not path.is_file():
        raise SelfTestFailure(f"the bundled demo workbook is missing ({path}).")
    return path


@contextmanager
def _private_data_folder() -> Iterator[Path]:
    """A temporary SIMBATCH_HOME, so the self-test leaves no settings or journal behind."""
    previous = os.environ.get("SIMBATCH_HOME")
    with tempfile.TemporaryDirectory(prefix="simbatch-selftest-") as folder:
        os.environ["SIMBATCH_HOME"] = folder
        try:
            yield Path(folder)
        finally:
            if previous is None:
                os.environ.pop("SIMBATCH_HOME", None)
            else:
                os.environ["SIMBATCH_HOME"] = previous


def _exercise_window(workbook: Path, started: float) -> tuple[float, int, int]:
    """Open the window on ``workbook`` and validate; returns (seconds to shown, rows, critical rows)."""
    from PySide6.QtCore import QEvent, QObject

    from desktop.gui.app import create_main_window, ensure_application
    from desktop.gui.mainwindow.actions import Action

    class _ShownWatcher(QObject):
        """Notes when the window is first shown (exposed or painted) on screen."""

        def __init__(self) -> None:
            super().__init__()
            self.shown_at: float | None = None

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            kinds = (QEvent.Type.Expose, QEvent.Type.Paint, QEvent.Type.Show)
            if self.shown_at is None and event.type() in kinds:
                self.shown_at = time.perf_counter()
            return False

    ensure_application()
    errors: list[str] = []
    # A modal message box would stall an unattended run: collect the sentence instead.
    window = create_main_window(
        str(workbook), report_error=lambda doing, error: errors.append(f"{doing}: {error}")
    )
    watcher = _ShownWatcher()
    window.installEventFilter(watcher)
    try:
        window.show()
        _wait_until(lambda: watcher.shown_at is not None or bool(errors), "the main window to show", errors)
        assert watcher.shown_at is not None
        shown_after = watcher.shown_at - started
        opened = lambda: window.context.source is not None and not window.busy  # noqa: E731
        _wait_until(opened, "the demo workbook to open", errors)
        if not window.context.scenarios:
            raise SelfTestFailure("the demo workbook opened but showed no scenario rows.")
        if not window.action_map[Action.VALIDATE].isEnabled():
            raise SelfTestFailure("the Validate action is disabled after opening the demo workbook.")
        window.action_map[Action.VALIDATE].trigger()
        validated = lambda: window.context.reports is not None and not window.busy  # noqa: E731
        _wait_until(validated, "validation to finish", errors)
        return shown_after, len(window.context.scenarios), _check_reports(window)
    finally:
        window.removeEventFilter(watcher)
        window.close()
        window.deleteLater()


def _check_reports(window: MainWindow) -> int:
    """Every row has a report, and the demo's planted critical problems were found."""
    reports = window.context.reports or {}
    missing = sorted({s.row for s in window.context.scenarios} - set(reports))
    if missing:
        raise SelfTestFailure(f"validation gave no report for rows {missing[:5]}.")
    critical = sum(1 for r in reports.values() if r.critical_count)
    if critical == 0:
        raise SelfTestFailure("validation found none of the demo workbook's planted critical problems.")
    if "not validated" in window.summary_label.text():
        raise SelfTestFailure("the status bar did not show the validation summary.")
    return critical


def _wait_until(condition: Callable[[], bool], what: str, errors: list[str]) -> None:
    """Run the Qt event loop until ``condition`` holds; fail on a reported error or after the timeout."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(5)

    def check() -> None:
        if errors or condition():
            loop.quit()

    timer.timeout.connect(check)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    timer.start()
    deadline.start(int(STEP_TIMEOUT_SEC * 1000))
    if not (errors or condition()):
        loop.exec()
    timer.stop()
    deadline.stop()
    if errors:
        raise SelfTestFailure(f"the app reported an error while waiting for {what}: {errors[0]}")
    if not condition():
        raise SelfTestFailure(f"gave up after {STEP_TIMEOUT_SEC:.0f} s waiting for {what}.")
