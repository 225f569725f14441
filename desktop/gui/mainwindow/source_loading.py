"""Opening a source in the main window: the open dialogs, loading in the background, the offline banner
with Retry when only the cached copy could be shown, the status-bar summary and the rows' run info."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QFrame, QHBoxLayout, QInputDialog, QLabel, QPushButton, QStyle

from desktop.app.rows import Loaded, latest_run_info, load_source
from desktop.app.text import format_count
from desktop.domain.models import RowReport, Scenario
from desktop.domain.validate import summarize
from desktop.gui.mainwindow.base import APP_TITLE, WindowBase
from desktop.gui.mainwindow.demo_actions import show_demo_note
from desktop.gui.rows.model import RowEntry, RunInfo
from desktop.jobs.colleagues import claims_text

log = logging.getLogger(__name__)


def summary_text(row_count: int, reports: Sequence[RowReport] | None) -> str:
    """The status-bar summary, e.g. ``44 rows · 12 critical · 30 warnings · average score 104``."""
    rows = format_count(row_count, "row")
    if reports is None:
        return f"{rows} · not validated"
    totals = summarize(reports)
    average = totals["average_score"]
    shown = f"{average:g}" if isinstance(average, int | float) else str(average)
    return f"{rows} · {totals['critical']} critical · {totals['warnings']} warnings · average score {shown}"


class OfflineBanner(QFrame):
    """A warning strip above the rows while the source cannot be reached, with a Retry button."""

    def __init__(self) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(20, 20))
        self.label = QLabel("")
        self.label.setWordWrap(True)
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setToolTip("Try to reach the source again")
        layout = QHBoxLayout(self)
        layout.addWidget(icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.retry_button)
        self.setVisible(False)

    def show_offline(self, loaded: Loaded) -> None:
        """Say since when the shown copy dates and why the source could not be reached."""
        when = (loaded.cached_at or "an earlier session")[:16].replace("T", " ")
        self.label.setText(
            f"Offline — showing the copy from {when}. Changes are disabled until "
            f"the source can be reached again. ({loaded.error})"
        )
        self.setVisible(True)


class SourceLoading(WindowBase):
    """The main window's part that opens sources and shows their rows."""

    banner: OfflineBanner
    source_label: QLabel
    summary_label: QLabel
    _source_text: str | None

    def choose_workbook(self) -> None:
        """Ask for an .xlsx file and open it."""
        start = str(Path(self.context.locator).parent) if self.context.locator else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open workbook", start, "Excel workbooks (*.xlsx)")
        if path:
            self.open_source(path)

    def choose_sheet(self) -> None:
        """Ask for a Google Sheet link and open it."""
        text, ok = QInputDialog.getText(self, "Open Google Sheet", "Paste the link of the Google Sheet:")
        if ok and text.strip():
            self.open_source(text.strip())

    def open_source(self, text: str, scenario_tab: str | None = None) -> None:
        """Open a source in the background and show its rows (or its cached copy when unreachable)."""
        self._source_text = text
        tab = scenario_tab or self.context.settings.scenario_tab
        journal, opener = self.context.journal, self.context.opener
        self.work.start(
            "Opening", lambda _ctx: load_source(opener, text, tab, journal), on_result=self._source_loaded
        )

    def retry(self) -> None:
        """Try the source shown offline again."""
        if self._source_text is not None:
            self.open_source(self._source_text)

    def _source_loaded(self, loaded: Loaded) -> None:
        if self.source is not None and self.source is not loaded.source:
            self.source.close()
        self.source = loaded.source
        self.context.set_source(
            loaded.source, offline=loaded.offline, locator=loaded.locator, offline_since=loaded.cached_at
        )
        self._show_rows(loaded.scenarios, reports=None)
        name = loaded.source.display_name if loaded.source is not None else loaded.locator
        self.setWindowTitle(f"{APP_TITLE} — {name}")
        self.source_label.setText(name)
        self.source_label.setToolTip(loaded.locator)
        show_demo_note(self.source_label, self.statusBar(), loaded.locator)
        if loaded.offline:
            self.banner.show_offline(loaded)
        else:
            self.banner.setVisible(False)
            self._remember_source(loaded.locator)
            self._cache_rows(loaded.locator, loaded.scenarios)
        self._refresh_run_info()
        self._update_actions()

    def _cache_rows(self, locator: str, scenarios: Sequence[Scenario]) -> None:
        """Keep a copy of the rows in the journal for offline use (quietly, in the background)."""
        journal, rows = self.context.journal, list(scenarios)
        self.work.side(lambda _ctx: journal.cache_scenarios(locator, rows), on_result=lambda _v: None)

    def _show_rows(
        self,
        scenarios: Sequence[Scenario],
        reports: dict[int, RowReport] | None,
        *,
        reread: bool = False,
        entries: Sequence[RowEntry] | None = None,
    ) -> None:
        """Show freshly read rows; ``reread`` when they are the open source's rows read again, and
        ``entries`` their table entries when already made (off the GUI thread)."""
        self.scenarios = {s.row: s for s in scenarios}
        self.reports = reports
        self.model.set_scenarios(scenarios, keep_run_info=reread, reports=reports, entries=entries)
        self.context.set_rows(scenarios, reports)
        self._refresh_summary()
        self._refresh_detail()
        self._update_actions()

    def _refresh_summary(self) -> None:
        reports = None if self.reports is None else list(self.reports.values())
        self.summary_label.setText(summary_text(len(self.scenarios), reports))

    def _refresh_run_info(self) -> None:
        locator = self.context.locator
        if locator:
            journal = self.context.journal
            self.work.side(lambda _ctx: latest_run_info(journal, locator), on_result=self._run_info_loaded)

    def _run_info_loaded(self, info: dict[int, tuple[str, float, str]]) -> None:
        self.model.set_run_info({row: RunInfo(*value) for row, value in info.items()})
        source = self.context.source
        if source is not None:
            self.work.side(lambda _ctx: claims_text(source), on_result=self.model.set_claims)

    def _remember_source(self, locator: str) -> None:
        """Store the last opened source in the settings (only that field: other writers' values stay)."""
        if self.context.settings.last_source == locator:
            return
        try:
            self.context.store.update(last_source=locator)
        except (OSError, ValueError) as exc:
            log.warning("Could not remember the last source: %s", exc)
