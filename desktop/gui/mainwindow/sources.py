"""The main window's sources: choosing one (workbook or Google Sheet), opening it in the background (or
its cached copy when unreachable), remembering it as the last source, reading it again after a write,
and reading the rows' latest run information.

What it opens goes into :class:`~desktop.gui.context.AppContext` (the one owner of the source and the
rows); the window and the panels react to the context's signals. This controller shows nothing itself
except the open dialogs: it announces what it read with its own signals.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from desktop.app.rows import Loaded, latest_run_info, load_source, reread_and_validate
from desktop.domain.models import RowReport, Scenario
from desktop.gui.context import AppContext
from desktop.gui.mainwindow.background import Background
from desktop.gui.qt.gc_guard import collect_everything
from desktop.gui.rows.columns import RowEntry, RunInfo, entries_for
from desktop.jobs.colleagues import ClaimsSeen, claims_text
from desktop.journal import Journal
from desktop.services.source import Source

log = logging.getLogger(__name__)

#: Rows read again after a write: the scenarios, their reports by row, and their table entries.
Reread = tuple[list[Scenario], dict[int, RowReport], list[RowEntry]]


def reread_rows(source: Source) -> Reread:
    """Read the rows again, validate them and make their table entries (worker thread: at the end of a
    1,000-row run, making the entries on the GUI thread was a good part of its longest stall)."""
    scenarios, reports = reread_and_validate(source)
    by_row = {r.row: r for r in reports}
    return scenarios, by_row, entries_for(scenarios, by_row)


class SourceController(QObject):
    """Opens sources into ``context`` using ``background`` for the reading; ``parent`` is the
    window the open dialogs belong to."""

    #: A source (or its cached copy) was opened and is now the context's: the :class:`Loaded`.
    opened = Signal(object)
    #: The rows' latest run information was read: ``{sheet row: RunInfo}``.
    run_info_loaded = Signal(object)
    #: Colleagues' claims on rows were read: ``{case id: who holds it since when}``.
    claims_loaded = Signal(object)

    def __init__(self, context: AppContext, background: Background, parent: QWidget) -> None:
        super().__init__(parent)
        self._context = context
        self._background = background
        self._parent = parent
        self._last_text: str | None = None
        #: What this window has seen of the open sheet's claims over its reads (stale ones told apart).
        self._claims_seen = ClaimsSeen(context.settings.claim_lease_sec)

    def choose_workbook(self) -> None:
        """Ask for an .xlsx file and open it."""
        locator = self._context.locator
        start = str(Path(locator).parent) if locator else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(
            self._parent, "Open workbook", start, "Excel workbooks (*.xlsx)"
        )
        if path:
            self.open_source(path)

    def choose_sheet(self) -> None:
        """Ask for a Google Sheet link and open it."""
        text, ok = QInputDialog.getText(
            self._parent, "Open Google Sheet", "Paste the link of the Google Sheet:"
        )
        if ok and text.strip():
            self.open_source(text.strip())

    def open_source(self, text: str, scenario_tab: str | None = None) -> None:
        """Open a source in the background and show its rows (or its cached copy when unreachable)."""
        self._last_text = text
        tab = scenario_tab or self._context.settings.scenario_tab
        journal, opener = self._context.journal, self._context.opener
        self._background.start(
            "Opening", lambda _ctx: load_source(opener, text, tab, journal), on_result=self._loaded
        )

    def retry(self) -> None:
        """Try the source last asked for again (after it could only be shown offline)."""
        if self._last_text is not None:
            self.open_source(self._last_text)

    def reload(self) -> None:
        """Read the open source's rows again and validate them (after a write or a run)."""
        source = self._context.source
        if source is not None:
            self._background.start(
                "Reloading", lambda _ctx: reread_rows(source), on_result=self._reread, local=True
            )

    def refresh_run_info(self) -> None:
        """Read the rows' latest run information (and then colleagues' claims) in the background."""
        locator = self._context.locator
        if locator:
            journal = self._context.journal
            self._background.side(
                lambda _ctx: _run_info(journal, locator), on_result=self._run_info_read
            )

    def close(self) -> None:
        """Release the open source (the window is closing)."""
        if self._context.source is not None:
            self._context.source.close()

    def _loaded(self, loaded: Loaded) -> None:
        previous = self._context.source
        if previous is not None and previous is not loaded.source:
            previous.close()
        self._context.set_source(
            loaded.source, offline=loaded.offline, locator=loaded.locator, offline_since=loaded.cached_at
        )
        if previous is not loaded.source:
            self._claims_seen = ClaimsSeen(self._context.settings.claim_lease_sec)
        self._context.set_rows(loaded.scenarios, None)
        if not loaded.offline:
            self._remember(loaded.locator)
            self._cache_rows(loaded.locator, loaded.scenarios)
        self.opened.emit(loaded)
        self.refresh_run_info()
        collect_everything()  # the user waited for the source anyway: no run is being shown

    def _reread(self, reread: Reread) -> None:
        scenarios, reports, entries = reread
        self._context.set_rows(scenarios, reports, reread=True, entries=entries)
        self.refresh_run_info()  # the run columns shown are those from before the write
        locator = self._context.locator
        if locator:
            self._cache_rows(locator, scenarios)

    def _cache_rows(self, locator: str, scenarios: Sequence[Scenario]) -> None:
        """Keep a copy of the rows in the journal for offline use (quietly, in the background)."""
        journal, rows = self._context.journal, list(scenarios)
        self._background.side(lambda _ctx: journal.cache_scenarios(locator, rows), on_result=lambda _v: None)

    def _run_info_read(self, info: dict[int, RunInfo]) -> None:
        self.run_info_loaded.emit(info)
        source = self._context.source
        if source is not None:
            seen = self._claims_seen
            self._background.side(lambda _ctx: claims_text(source, seen), on_result=self.claims_loaded.emit)

    def _remember(self, locator: str) -> None:
        """Store the last opened source through the settings store (only that field)."""
        if self._context.settings.last_source == locator:
            return
        try:
            self._context.store.update(last_source=locator)
        except (OSError, ValueError) as exc:
            log.warning("Could not remember the last source: %s", exc)


def _run_info(journal: Journal, locator: str) -> dict[int, RunInfo]:
    """Each row's latest run information, made ready for the rows table (worker thread: a thousand
    rows are a thousand objects, too many to make on the GUI thread at the end of a run)."""
    return {row: RunInfo(*value) for row, value in latest_run_info(journal, locator).items()}
