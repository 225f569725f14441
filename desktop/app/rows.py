"""Rows of a source, for both front-ends: opening a source (or its cached copy when it is unreachable),
validating rows, planning and applying journaled changes, and reverting them. No widgets here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.domain.models import CellChange, RowReport, Scenario
from desktop.domain.rowspec import format_row_spec
from desktop.errors import ServiceError
from desktop.journal import Journal, RunKind
from desktop.services.open_source import SourceOpener
from desktop.services.source import Source

if TYPE_CHECKING:
    from desktop.jobs.writeback import RevertOutcome


@dataclass(slots=True)
class Loaded:
    """What opening a source returns to the GUI thread.

    ``source`` is None when the source could not be reached and ``scenarios`` are the journal's
    cached copy taken at ``cached_at``; ``error`` then says why it could not be reached.
    """

    source: Source | None
    scenarios: list[Scenario]
    locator: str
    cached_at: str | None = None
    error: str | None = None

    @property
    def offline(self) -> bool:
        """True when the rows come from the cached copy."""
        return self.source is None


def locator_of(text: str) -> str:
    """The locator a source opened from ``text`` will have (used to find its cached copy)."""
    from desktop.services.open_source import XlsxLocator, parse_locator

    locator = parse_locator(text)
    if isinstance(locator, XlsxLocator):
        return str(Path(locator.path).expanduser().absolute())
    return str(locator)


def load_source(
    opener: SourceOpener, text: str, scenario_tab: str | None, journal: Journal | None = None
) -> Loaded:
    """Open a source and read its rows; when unreachable, fall back to the cached copy (worker thread)."""
    try:
        source = opener(text, scenario_tab)
        try:
            table = source.read_scenarios()
        except BaseException:
            source.close()
            raise
    except ServiceError as exc:
        if journal is None:
            raise
        locator = locator_of(text)
        cached = journal.cached_scenarios(locator)
        if not cached:
            raise
        return Loaded(None, cached, locator, journal.cache_fetched_at(locator), str(exc))
    return Loaded(source, table.scenarios, source.locator)


def validate_rows(scenarios: Sequence[Scenario]) -> list[RowReport]:
    """Validate rows in the helper process (worker thread: it waits for the helper).

    Validation is pure Python, about a quarter of a millisecond a row; on a thread of the app, the
    window's thread waited for it (at the end of a 1,000-row run, the rows validated again held the
    interpreter for 250 ms while the window showed the run's last news). Sending the rows and taking
    the reports back costs the app about a tenth of that.
    """
    from desktop.domain.validate import validate_table
    from desktop.services.helper_process import in_helper

    reports: list[RowReport] = in_helper(validate_table, list(scenarios))
    return reports


def reread_and_validate(source: Source) -> tuple[list[Scenario], list[RowReport]]:
    """Read the rows of an already open source again and validate them (worker thread).

    One task for both: the window shows the rows and their scores in one step, and fewer workers
    compete with the GUI thread for the interpreter at once.
    """
    scenarios = source.read_scenarios().scenarios
    return scenarios, validate_rows(scenarios)


def plan_defaults(scenarios: Sequence[Scenario], progress: Callable[[int, int], None]) -> list[CellChange]:
    """The cell changes that clinical defaults would make; ``progress(done, total)`` every 200 rows."""
    from desktop.domain.defaults import apply_defaults

    changes: list[CellChange] = []
    total = len(scenarios)
    for done, scenario in enumerate(scenarios, start=1):
        changes.extend(apply_defaults(scenario).changes)
        if done % 200 == 0 or done == total:
            progress(done, total)
    return changes


def apply_changes(
    journal: Journal, source: Source, changes: Sequence[CellChange], kind: RunKind, case_ids: dict[int, str],
    row_spec: str | None = None,
) -> str | None:
    """Write changes in one batch and journal them as a run of ``kind`` over ``row_spec`` (default: the
    changed rows); the run id, or None when there is nothing to write."""
    from desktop.jobs.writeback import write_journaled_changes

    rows = row_spec if row_spec is not None else format_row_spec(c.row for c in changes)
    return write_journaled_changes(journal, source, changes, kind=kind, row_spec=rows, case_ids=case_ids)


def revert_changes(
    journal: Journal, source: Source, run_id: str, rows: Iterable[int] | None = None
) -> RevertOutcome:
    """Put back what run ``run_id`` wrote (only in ``rows`` when given), skipping cells changed since."""
    from desktop.jobs.writeback import revert_run

    return revert_run(journal, source, run_id, rows=rows)


def undo_run(journal: Journal, source: Source, run_id: str) -> tuple[int, int]:
    """Revert a run's write-back (worker thread); (cells put back, cells skipped as changed since)."""
    outcome = revert_changes(journal, source, run_id)
    return len(outcome.reverted), len(outcome.skipped)


def latest_run_info(journal: Journal, locator: str) -> dict[int, tuple[str, float, str]]:
    """Each row's latest run status, cost and time (worker thread, one query)."""
    return journal.latest_row_runs(locator)
