"""Save a PNG of each screen of the desktop app under ``artifacts/screenshots/``.

Usage: ``python scripts/screenshots.py [OUT_DIR]`` (default ``artifacts/screenshots``). Works on a copy
of the demo workbook in a scratch data folder, with a loopback fake OpenAI server for the runs, so it
never touches the user's settings, keyring or the network. Runs offscreen unless ``QT_QPA_PLATFORM``
says otherwise. The main window is also shot at 150% scaling and in a dark palette, each in its own process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # for the fake server under tests/fakes
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from desktop.gui.mainwindow.actions import Action  # noqa: E402

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from desktop.gui.mainwindow.window import MainWindow

CRITICAL_ROW = 19  # out-of-range values in the demo workbook (resources/demo/PLANTED.md)
MISSING_ROW = 14  # missing required fields in the demo workbook
FIX_ROWS = [13, 14, 18, 19, 20, 24]  # rows with aliases, units and placeholders to auto-fix
BATCH_ROWS = 6  # rows sent in the batch run
SIZE = (1400, 820)
API_KEY = "sk-screenshots-0123456789"


def wait_for(condition: Callable[[], bool], timeout_ms: int = 60_000, what: str = "the window") -> None:
    """Run the event loop until ``condition`` holds (or stop with a message after ``timeout_ms``)."""
    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: loop.quit() if condition() else None)
    poll.start(20)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    poll.stop()
    if not condition():
        raise SystemExit(f"Timed out waiting for {what}.")


def settle(ms: int = 150) -> None:
    """Let layouts and repaints happen."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def save(widget: QWidget, out_dir: Path, name: str) -> None:
    """Grab a widget into ``name``.png."""
    settle()
    path = out_dir / f"{name}.png"
    if not widget.grab().save(str(path)):
        raise SystemExit(f"Could not save {path}.")
    print(f"  {path}")


def _prepare_home(scratch: Path) -> Path:
    """A scratch data folder with fast limits, and a copy of the demo workbook."""
    from desktop.paths import demo_workbook

    os.environ["SIMBATCH_HOME"] = str(scratch / "home")
    from desktop.settings import load_settings, save_settings

    settings = load_settings()
    settings.requests_per_minute = 100_000
    settings.tokens_per_minute = 100_000_000
    settings.poll_interval_sec = 0.3
    save_settings(settings)
    workbook = scratch / "scenarios.xlsx"
    shutil.copyfile(demo_workbook(), workbook)
    return workbook


def rows_to_generate(workbook: Path, count: int) -> list[int]:
    """The first ``count`` rows of the workbook, as it is now, that still have vitals to generate.

    A run that came before may have filled some rows; a batch of rows with nothing to generate would
    never be submitted, and the batch screenshot would wait for nothing.
    """
    from desktop.domain.enrichment import columns_to_generate
    from desktop.services.workbook import XlsxSource

    source = XlsxSource(workbook)
    try:
        table = source.read_scenarios()
    finally:
        source.close()
    columns = list(table.layout.vitals)
    rows = [s.row for s in table.scenarios if columns_to_generate(s, columns)]
    if not rows:
        raise SystemExit("No row of the workbook is left to generate for the batch run.")
    return rows[:count]


def _open_validated(workbook: Path) -> MainWindow:
    from desktop.gui.app import create_main_window

    window = create_main_window(str(workbook))
    window.resize(*SIZE)
    window.show()
    wait_for(lambda: not window.busy, what="the workbook to open")
    window.action_map[Action.VALIDATE].trigger()
    wait_for(lambda: window.context.reports is not None and not window.busy, what="validation")
    window.select_row(CRITICAL_ROW)
    return window


def _save_preview(window: MainWindow, action: QAction, out_dir: Path, name: str) -> None:
    """Trigger a change action on the selected rows, save its preview, then cancel the preview."""
    action.trigger()
    wait_for(lambda: window.changes.preview is not None, what=f"the {action.text().rstrip('…')} preview")
    assert window.changes.preview is not None
    window.changes.preview.resize(900, 520)
    save(window.changes.preview, out_dir, name)
    window.changes.preview.reject()
    wait_for(lambda: window.changes.preview is None and not window.busy)


def _dark_palette() -> object:
    """A dark palette like the one a desktop in dark mode hands to Qt."""
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    role = QPalette.ColorRole
    for which, colour in ((role.Window, "#2b2b2b"), (role.WindowText, "#e6e6e6"), (role.Base, "#1e1e1e"),
                          (role.AlternateBase, "#262626"), (role.Text, "#e6e6e6"), (role.Button, "#353535"),
                          (role.ButtonText, "#e6e6e6"), (role.Highlight, "#2f65ca"),
                          (role.HighlightedText, "#ffffff"), (role.ToolTipBase, "#353535"),
                          (role.ToolTipText, "#e6e6e6"), (role.PlaceholderText, "#8a8a8a")):
        palette.setColor(which, QColor(colour))
    for which in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, which, QColor("#7a7a7a"))
    return palette


def shoot_scaled(out_dir: Path, name: str = "main_window_150", dark: bool = False) -> int:
    """Only the main window after Validate (run with QT_SCALE_FACTOR set by the caller), or in dark."""
    from desktop.gui.app import ensure_application

    with tempfile.TemporaryDirectory() as scratch:
        workbook = _prepare_home(Path(scratch))
        app = ensure_application()
        if dark:
            app.setStyle("Fusion")
            app.setPalette(_dark_palette())  # type: ignore[arg-type]
        window = _open_validated(workbook)
        save(window, out_dir, name)
        window.close()
    return 0


def shoot_all(out_dir: Path) -> int:
    """Every screen, with the demo workbook, a finished live run and a finished batch run."""
    from desktop.gui.app import ensure_application
    from desktop.gui.dialogs.connect_model import ConnectModelDialog
    from desktop.gui.dialogs.settings_dialog import SettingsDialog
    from desktop.gui.dialogs.welcome import WelcomeDialog
    from tests.fakes.openai_server import FakeOpenAI

    with tempfile.TemporaryDirectory() as scratch, FakeOpenAI(api_key=API_KEY, seed=3) as fake:
        fake.batch_polls_per_stage = 1
        os.environ["OPENAI_BASE_URL"] = fake.base_url
        os.environ["OPENAI_API_KEY"] = API_KEY
        workbook = _prepare_home(Path(scratch))
        ensure_application()

        welcome = WelcomeDialog()
        welcome.show()
        save(welcome, out_dir, "welcome")
        welcome.close()

        window = _open_validated(workbook)
        save(window, out_dir, "main_window")

        window.rows_view.select_rows(FIX_ROWS)
        _save_preview(window, window.action_map[Action.AUTOFIX], out_dir, "autofix_preview")
        window.select_row(MISSING_ROW)
        _save_preview(window, window.action_map[Action.DEFAULTS], out_dir, "defaults_preview")

        dialog = SettingsDialog(window.context.settings, window)
        dialog.show()
        save(dialog, out_dir, "settings")
        dialog.close()

        connect = ConnectModelDialog(window.context.store, window)  # what the first Run asks
        connect.show()
        save(connect, out_dir, "connect_model")
        connect.close()

        side = window.run_side
        window.rows_view.select_rows([])
        window.rows_view.table.clearSelection()
        window.tabs.setCurrentWidget(side.run_panel)
        wait_for(lambda: side.run_panel.estimate_box.estimate is not None, what="the estimate")
        save(window, out_dir, "run_panel")

        batches: list[object] = []
        side.batches_panel.run_finished.connect(batches.append)
        side.batches_panel.timer.setInterval(300)
        window.rows_view.select_rows(rows_to_generate(workbook, BATCH_ROWS))
        window.tabs.setCurrentWidget(side.run_panel)
        side.run_panel.mode.setCurrentIndex(side.run_panel.mode.findData("batch"))
        wait_for(lambda: side.run_panel.start_button.isEnabled(), what="the Start button")
        side.run_panel.start_button.click()
        window.tabs.setCurrentWidget(side.batches_panel)
        wait_for(lambda: bool(batches), timeout_ms=30_000, what="the batch run")
        side.batches_panel.table.selectRow(0)
        save(window, out_dir, "batch_jobs")
        window.rows_view.select_rows([])
        window.rows_view.table.clearSelection()
        side.run_panel.mode.setCurrentIndex(side.run_panel.mode.findData("live"))
        window.tabs.setCurrentWidget(side.run_panel)
        wait_for(lambda: side.run_panel.start_button.isEnabled(), what="the Start button")

        finished: list[object] = []
        side.controller.finished.connect(finished.append)
        side.run_panel.start_button.click()
        wait_for(lambda: bool(finished), what="the live run")
        window.tabs.setCurrentWidget(side.progress_panel)
        progress = side.progress_panel
        wait_for(lambda: progress.bar.value() == 100 and progress.done_series.count() > 1
                 and progress.runs.currentData() == getattr(finished[0], "run_id", None),
                 what="the progress of the finished run")
        save(window, out_dir, "progress_panel")

        live_run = getattr(finished[0], "run_id", None)
        window.tabs.setCurrentWidget(window.review)
        wait_for(lambda: window.review.run_box.findData(live_run) >= 0, what="the review list")
        window.review.run_box.setCurrentIndex(window.review.run_box.findData(live_run))
        wait_for(lambda: window.review.rows_list.count() > 0, what="the reviewed rows")
        window.review.rows_list.setCurrentRow(min(2, window.review.rows_list.count() - 1))
        save(window, out_dir, "review")
        _save_report(window, out_dir)

        window.action_map[Action.ABOUT].trigger()
        assert window.about_dialog is not None
        save(window.about_dialog, out_dir, "about")
        window.about_dialog.close()
        window.close()
        for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
            os.environ.pop(name, None)
    return 0


def _save_report(window: MainWindow, out_dir: Path) -> None:
    """Export the reviewed run's report from the Review tab, shoot the tab, and the report's first page
    (the HTML in headless Chromium, the PDF through pdftoppm) when those programs are installed."""
    export = window.review.report_export
    folder = out_dir / "report"
    folder.mkdir(exist_ok=True)
    for name in ("run-report.pdf", "run-report.html"):
        export.export(folder / name)
        wait_for(lambda: not export.busy, what=f"the {name} export")
        assert export.written == folder / name, export.status.text()
    save(window, out_dir, "review_report_exported")
    browsers = ("chromium", "chromium-browser", "google-chrome")
    chromium = next((p for p in map(shutil.which, browsers) if p), None)
    if chromium:
        with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update",
                            "--hide-scrollbars",
                            f"--user-data-dir={profile}", "--window-size=1280,1000",
                            f"--screenshot={out_dir / 'report_html_first_screen.png'}",
                            (folder / "run-report.html").resolve().as_uri()],
                           capture_output=True, timeout=120, check=True)  # fmt: skip
        print(f"  {out_dir / 'report_html_first_screen.png'}")
    else:
        print("  (chromium is not installed: no picture of the HTML report)")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        subprocess.run([pdftoppm, "-r", "110", "-png", "-f", "1", "-l", "1", "-singlefile",
                        str(folder / "run-report.pdf"), str(out_dir / "report_pdf_page1")],
                       check=True)  # fmt: skip
        print(f"  {out_dir / 'report_pdf_page1.png'}")
    else:
        print("  (pdftoppm is not installed: no picture of the PDF report)")


def main(argv: list[str]) -> int:
    """Save every screen, then the main window at 150% scaling in a second process."""
    args = [a for a in argv[1:] if a not in ("--scaled", "--dark")]
    out_dir = Path(args[0] if args else "artifacts/screenshots")
    out_dir.mkdir(parents=True, exist_ok=True)
    if "--scaled" in argv:
        return shoot_scaled(out_dir)
    if "--dark" in argv:
        return shoot_scaled(out_dir, "main_window_dark", dark=True)
    print(f"Saving screenshots in {out_dir}:")
    status = shoot_all(out_dir)
    env = {**os.environ, "QT_SCALE_FACTOR": "1.5"}
    scaled = subprocess.run([sys.executable, __file__, str(out_dir), "--scaled"], env=env, check=False)
    dark = subprocess.run([sys.executable, __file__, str(out_dir), "--dark"], check=False)
    return status or scaled.returncode or dark.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
