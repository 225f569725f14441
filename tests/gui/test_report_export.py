""""Export report…" in the Review and Progress tabs: written off the GUI thread, then "Open"."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from desktop.gui.context import AppContext
from desktop.gui.run.progress_panel import ProgressPanel
from desktop.gui.run.review import ReviewPanel
from desktop.journal import Journal
from tests.gui.run_helpers import StallMeter
from tests.report_runs import finished_run


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[QUrl]:
    """URLs handed to the desktop (recorded instead of starting a browser)."""
    urls: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: urls.append(url) or True))
    return urls


def test_review_exports_html_off_the_gui_thread_then_opens_it(
    qtbot: QtBot, tmp_path: Path, opened: list[QUrl]
) -> None:
    with Journal.open() as journal:
        run_id = finished_run(journal, 300, flagged=0.3, emptied=0.5)
        panel = ReviewPanel(AppContext(journal))
        qtbot.addWidget(panel)
        export = panel.report_export
        assert not export.export_button.isEnabled()  # no run chosen yet
        panel.refresh()
        qtbot.waitUntil(lambda: export.run_id == run_id, timeout=10_000)
        assert export.export_button.isEnabled() and not export.open_button.isVisibleTo(panel)
        meter = StallMeter()
        meter.start()
        export.export(tmp_path / "review report")  # no suffix: the web page is the default
        assert export.busy and export.bar.isVisibleTo(panel)
        assert export.export_button.text().startswith("Cancel")
        qtbot.waitUntil(lambda: not export.busy, timeout=60_000)
        meter.stop()
        target = tmp_path / "review report.html"
        assert export.written == target and target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        assert "Saved review report.html" in export.status.text()
        # the whole export takes seconds; on the GUI thread it would freeze the window that long
        assert meter.longest < 0.5, f"the window froze for {meter.longest:.2f} s during the export"
        assert export.open_button.isVisibleTo(panel)
        export.open_button.click()
        assert [u.toLocalFile() for u in opened] == [str(target)]


def test_progress_tab_exports_the_run_shown_as_pdf(qtbot: QtBot, tmp_path: Path) -> None:
    with Journal.open() as journal:
        run_id = finished_run(journal, 40)
        panel = ProgressPanel(AppContext(journal))
        qtbot.addWidget(panel)
        panel.reload_runs()
        export = panel.report_export
        qtbot.waitUntil(lambda: export.run_id == run_id, timeout=10_000)
        export.export(tmp_path / "progress.pdf")
        qtbot.waitUntil(lambda: not export.busy, timeout=60_000)
        assert (tmp_path / "progress.pdf").read_bytes().startswith(b"%PDF")
        assert export.written == tmp_path / "progress.pdf"


def test_export_can_be_cancelled_and_reports_failures(qtbot: QtBot, tmp_path: Path) -> None:
    with Journal.open() as journal:
        run_id = finished_run(journal, 300, flagged=0.3, emptied=1.0)
        panel = ReviewPanel(AppContext(journal))
        qtbot.addWidget(panel)
        export = panel.report_export
        export.set_run(run_id)
        export.export(tmp_path / "big.pdf")
        export.export_button.click()  # now "Cancel export"
        qtbot.waitUntil(lambda: not export.busy, timeout=60_000)
        assert export.status.text() == "Export cancelled."
        assert export.written is None and not export.open_button.isVisibleTo(panel)
        assert export.export_button.text().startswith("E") and export.export_button.isEnabled()

        export.export(tmp_path / "no such folder" / "x.html")
        qtbot.waitUntil(lambda: not export.busy, timeout=30_000)
        assert "not saved" in export.status.text() and "does not exist" in export.status.text()
