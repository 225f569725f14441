"""``AppContext``: the one owner of the desktop app's state, read by every screen.

The main window's controllers (sources, changes, runs) change it; the window and the panels (rows,
details, run, progress, batch jobs, review) receive it in their constructor, read it, and listen to its
signals instead of reaching into each other or keeping copies.

- ``journal``: the run journal, opened once for the life of the window;
- ``settings``: the user's settings, read from ``store`` (change them with ``store.update(**fields)``,
  which re-reads the file, merges, saves and emits ``settings_changed``);
- ``source``: the open source, or None (also None while offline from a cached copy);
- ``scenarios`` / ``reports``: the loaded rows and their latest validation reports;
- ``offline``: True while the rows shown come from the journal's cached copy.

The state is read-only from outside: ``set_source``, ``set_rows``, ``set_reports`` and
``set_row_statuses`` change it, and each announces the change. Signals are emitted on the GUI thread only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from PySide6.QtCore import QObject, Signal

from desktop.app.startup import default_source_opener
from desktop.domain.models import RowReport, Scenario
from desktop.gui.rows.columns import RowEntry
from desktop.journal import Journal
from desktop.services.open_source import SourceOpener
from desktop.services.source import Source
from desktop.settings import Settings
from desktop.settings_store import SettingsStore


@dataclass(frozen=True, slots=True)
class RowsChange:
    """How the rows were replaced, so that views can update in place: ``reports_only`` after a
    validation; ``reread`` when they are the open source's rows read again (the run columns shown stay
    until read again); ``entries`` their table entries when already made (off the GUI thread)."""

    reports_only: bool = False
    reread: bool = False
    entries: Sequence[RowEntry] | None = None


class AppContext(QObject):
    """Shared state of one main window: journal, settings, source, rows, reports, offline flag."""

    #: The source (or the offline state) changed; read ``source``, ``offline`` and ``locator``.
    source_changed = Signal()
    #: ``scenarios`` or ``reports`` were replaced: how, as a :class:`RowsChange`.
    rows_changed = Signal(object)
    #: The user selected other rows (sheet row numbers, sorted).
    selection_changed = Signal(list)
    #: Rows' run statuses changed (a list of sheet row numbers); the rows table refreshes them.
    row_statuses_changed = Signal(list)
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
        # The state below is changed only through the set_* methods, which announce each change.
        self._source: Source | None = None
        self._locator: str | None = None
        self._offline = False
        self._offline_since: str | None = None
        self._scenarios: tuple[Scenario, ...] = ()
        self._by_row: dict[int, Scenario] = {}
        self._reports: dict[int, RowReport] | None = None
        self._row_status: dict[int, str] = {}
        self._selected: list[int] = []
        self._selection_provider: Callable[[], list[int]] | None = None

    # --- rows -------------------------------------------------------------------------------------

    def set_rows(
        self,
        scenarios: Sequence[Scenario],
        reports: dict[int, RowReport] | None = None,
        *,
        reread: bool = False,
        entries: Sequence[RowEntry] | None = None,
    ) -> None:
        """Replace the loaded rows (and their reports) and tell the panels; ``reread`` and ``entries``
        as in :class:`RowsChange`."""
        self._scenarios = tuple(scenarios)
        self._by_row = {s.row: s for s in self._scenarios}
        self._reports = reports
        self.rows_changed.emit(RowsChange(reread=reread, entries=entries))

    def set_reports(self, reports: dict[int, RowReport] | None) -> None:
        """Replace the validation reports and tell the panels."""
        self._reports = reports
        self.rows_changed.emit(RowsChange(reports_only=True))

    @property
    def scenarios(self) -> tuple[Scenario, ...]:
        """The loaded rows, in sheet order."""
        return self._scenarios

    @property
    def reports(self) -> dict[int, RowReport] | None:
        """The rows' latest validation reports by sheet row; None until validated (treat as read-only)."""
        return self._reports

    def scenario(self, row: int) -> Scenario | None:
        """The loaded scenario of a sheet row, or None."""
        return self._by_row.get(row)

    def report(self, row: int) -> RowReport | None:
        """The latest validation report of a sheet row, or None (not validated)."""
        return None if self.reports is None else self.reports.get(row)

    def case_ids(self) -> dict[int, str]:
        """Each loaded row's case id, by sheet row."""
        return {s.row: s.case_id for s in self.scenarios}

    def set_row_statuses(self, statuses: Iterable[tuple[int, str]]) -> None:
        """Record rows' run statuses, given as (sheet row, status) in the order they happened, and
        announce them with one ``row_statuses_changed``: a run reports thousands, in batches."""
        changed: list[int] = []
        for row, status in statuses:
            self._row_status[row] = status
            changed.append(row)
        if changed:
            self.row_statuses_changed.emit(changed)

    @property
    def row_status(self) -> Mapping[int, str]:
        """Each row's status in the latest run seen in this session (``RowStatus`` value)."""
        return MappingProxyType(self._row_status)

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
        self._source = source
        self._offline = offline
        self._offline_since = offline_since if offline else None
        self._locator = source.locator if source is not None else locator
        self.source_changed.emit()

    @property
    def source(self) -> Source | None:
        """The open source; None when none is open or while offline from a cached copy."""
        return self._source

    @property
    def locator(self) -> str | None:
        """Locator of the rows shown (kept while offline, when ``source`` is None)."""
        return self._locator

    @property
    def offline(self) -> bool:
        """True while the rows shown come from the journal's cached copy."""
        return self._offline

    @property
    def offline_since(self) -> str | None:
        """Time of the cached copy shown while offline (journal timestamp), else None."""
        return self._offline_since

    @property
    def can_write(self) -> bool:
        """True when a source is open and reachable, so actions that write may run."""
        return self._source is not None and not self._offline

    @property
    def settings(self) -> Settings:
        """The current settings (see ``store``)."""
        return self.store.current
