"""``AppContext``: the small shared state of the desktop app, read by every panel.

The main window owns one context and updates it; panels (rows, run, progress, batch jobs, review)
receive it in their constructor and listen to its signals instead of reaching into each other.

- ``journal``: the run journal, opened once for the life of the window;
- ``settings``: the user's settings, read from ``store`` (change them with ``store.update(**fields)``,
  which re-reads the file, merges, saves and emits ``settings_changed``);
- ``source``: the open source, or None (also None while offline from a cached copy);
- ``scenarios`` / ``reports``: the loaded rows and their latest validation reports;
- ``offline``: True while the rows shown come from the journal's cached copy.

Signals are emitted on the GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal

from desktop.app.startup import default_source_opener
from desktop.domain.models import RowReport, Scenario
from desktop.journal import Journal
from desktop.services.open_source import SourceOpener
from desktop.services.source import Source
from desktop.settings import Settings
from desktop.settings_store import SettingsStore


class AppContext(QObject):
    """Shared state of one main window: journal, settings, source, rows, reports, offline flag."""

    #: The source (or the offline state) changed; read ``source``, ``offline`` and ``locator``.
    source_changed = Signal()
    #: ``scenarios`` or ``reports`` were replaced.
    rows_changed = Signal()
    #: The user selected other rows (sheet row numbers, sorted).
    selection_changed = Signal(list)
    #: One row's run status changed (sheet row number); the rows table refreshes that row.
    row_status_changed = Signal(int)
    #: The settings were updated or re-read: the new ``Settings``.
    settings_changed = Signal(object)

    def __init__(
        self,
        journal: Journal,
        settings: Settings | None = None,
        parent: QObject | None = None,
        *,
        store: SettingsStore | None = None,
        opener: SourceOpener | None = None,
    ) -> None:
        super().__init__(parent)
        self.journal = journal
        #: Opens a source by name (decided at start-up: how Google Sheets is reached).
        self.opener: SourceOpener = opener if opener is not None else default_source_opener()
        self.store = store if store is not None else SettingsStore(settings)
        self.store.subscribe(self.settings_changed.emit)
        self.source: Source | None = None
        #: Locator of the rows shown (kept while offline, when ``source`` is None).
        self.locator: str | None = None
        self.scenarios: list[Scenario] = []
        self.reports: dict[int, RowReport] | None = None
        self.offline = False
        #: Time of the cached copy shown while offline (journal timestamp), else None.
        self.offline_since: str | None = None
        #: Latest run status per sheet row (``RowStatus`` value), kept for the rows model to read.
        self.row_status: dict[int, str] = {}
        self._selected: list[int] = []
        self._selection_provider: Callable[[], list[int]] | None = None

    # --- rows -------------------------------------------------------------------------------------

    def set_rows(self, scenarios: Sequence[Scenario], reports: dict[int, RowReport] | None = None) -> None:
        """Replace the loaded rows (and their reports) and tell the panels."""
        self.scenarios = list(scenarios)
        self.reports = reports
        self.rows_changed.emit()

    def set_reports(self, reports: dict[int, RowReport] | None) -> None:
        """Replace the validation reports and tell the panels."""
        self.reports = reports
        self.rows_changed.emit()

    def set_row_status(self, row: int, status: str) -> None:
        """Record a row's run status and announce it with ``row_status_changed``."""
        self.row_status[row] = status
        self.row_status_changed.emit(row)

    # --- selection --------------------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        """Sheet row numbers the user has selected (sorted); empty when none."""
        if self._selection_provider is not None:
            return self._selection_provider()
        return list(self._selected)

    def set_selection_provider(self, provider: Callable[[], list[int]]) -> None:
        """Let the rows view answer ``selected_rows()`` directly (the table is the truth)."""
        self._selection_provider = provider

    def notify_selection(self, rows: Sequence[int]) -> None:
        """Record and announce a new selection."""
        self._selected = sorted(rows)
        self.selection_changed.emit(list(self._selected))

    # --- source -----------------------------------------------------------------------------------

    def set_source(
        self,
        source: Source | None,
        *,
        offline: bool = False,
        locator: str | None = None,
        offline_since: str | None = None,
    ) -> None:
        """Switch to another source (or to the offline copy of ``locator``) and tell the panels."""
        self.source = source
        self.offline = offline
        self.offline_since = offline_since if offline else None
        self.locator = source.locator if source is not None else locator
        self.source_changed.emit()

    @property
    def can_write(self) -> bool:
        """True when a source is open and reachable, so actions that write may run."""
        return self.source is not None and not self.offline

    @property
    def settings(self) -> Settings:
        """The current settings (see ``store``)."""
        return self.store.current
