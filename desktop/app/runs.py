"""Runs in general, for both front-ends: estimating one before it starts, finding a journaled run (to
resume, revert, report or mirror), reopening the source it was made on, and its history afterwards."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from desktop.domain.models import Scenario
from desktop.domain.pricing import PriceTable
from desktop.errors import InputError
from desktop.jobs.colleagues import ColleagueClaim, colleague_claims
from desktop.jobs.planning import RunEstimate
from desktop.jobs.planning import estimate_run as planned_estimate
from desktop.journal import Journal, RunKind, RunRecord
from desktop.journal.records import UNFINISHED_RUN_STATUSES
from desktop.services.open_source import SourceOpener
from desktop.services.source import Source
from desktop.settings import Settings

#: Run kinds that can be resumed (``simbatch resume`` and the app's offer at start).
RESUMABLE_KINDS = (RunKind.LIVE, RunKind.BATCH)


@dataclass(slots=True)
class SelectionEstimate:
    """An estimate over the selected rows nobody else works on, and the rows colleagues hold."""

    estimate: RunEstimate
    claimed: dict[str, ColleagueClaim]


def estimate_run(
    scenarios: Sequence[Scenario], settings: Settings, model: str, source: Source | None = None, *,
    vitals_columns: Sequence[str] | None = None, overwrite: bool | None = None,
) -> SelectionEstimate:
    """Estimate generating the missing vitals of ``scenarios`` with ``model`` (UsageError when unpriced):
    on a shared Google Sheet ``source`` only the rows no colleague holds (two reads).

    ``vitals_columns`` default to those of the rows, ``overwrite`` (valid cells regenerated too) to the
    settings.
    """
    claimed = colleague_claims(source) if source is not None else {}
    mine = [s for s in scenarios if s.case_id not in claimed]
    estimate = planned_estimate(
        mine, list(vitals_columns) if vitals_columns is not None else _vitals_columns(scenarios),
        PriceTable.load(settings.price_overrides), model,
        overwrite=settings.overwrite_valid if overwrite is None else overwrite,
        requests_per_minute=settings.requests_per_minute, tokens_per_minute=settings.tokens_per_minute,
    )
    cases = {s.case_id for s in scenarios}
    return SelectionEstimate(estimate, {c: claim for c, claim in claimed.items() if c in cases})


def check_priced(settings: Settings, model: str) -> None:
    """``UsageError`` when ``model`` has no price (shipped or from Settings)."""
    PriceTable.load(settings.price_overrides).price(model)


def _vitals_columns(scenarios: Sequence[Scenario]) -> list[str]:
    seen: dict[str, None] = {}
    for scenario in scenarios:
        for column in scenario.vitals:
            seen.setdefault(column, None)
    return list(seen)


def known_models(settings: Settings) -> list[str]:
    """Every model with a price (shipped or from Settings)."""
    return PriceTable.load(settings.price_overrides).models()


def require_run(journal: Journal, run_id: str) -> RunRecord:
    """The run named ``run_id``; ``InputError`` with what to do when the journal has none."""
    run = journal.get_run(run_id)
    if run is None:
        raise InputError(f"There is no run {run_id!r} in the journal; 'simbatch runs' lists them.")
    return run


def find_run_to_resume(journal: Journal, run_id: str | None) -> RunRecord:
    """The run named ``run_id``, or the newest unfinished live or batch run; ``InputError`` when none."""
    if run_id:
        run = require_run(journal, run_id)
        if run.kind not in RESUMABLE_KINDS:
            raise InputError(
                f"Run {run_id} is a {run.kind} run; only live and batch runs can be resumed "
                f"(undo it with 'simbatch revert {run_id}')."
            )
        return run
    for run in journal.list_runs():
        if run.kind in RESUMABLE_KINDS and run.status in UNFINISHED_RUN_STATUSES:
            return run
    raise InputError("There is no unfinished run to resume; 'simbatch runs' lists every run.")


def unfinished_work(journal: Journal) -> list[RunRecord]:
    """Live runs that can be resumed and batch runs with batches not yet ended, newest first."""
    open_batches = {j.run_id for j in journal.batch_jobs() if j.finished_at is None}
    found: list[RunRecord] = []
    for run in journal.unfinished_runs():
        if run.kind is RunKind.LIVE or (run.kind is RunKind.BATCH and run.run_id in open_batches):
            found.append(run)
    return found


@contextmanager
def run_source(run: RunRecord, opener: SourceOpener, open_now: Source | None = None) -> Iterator[Source]:
    """The source ``run`` was made on (by its locator and scenario tab): ``open_now`` when it is that
    source, else opened here and closed afterwards."""
    if open_now is not None and open_now.locator == run.source:
        yield open_now
        return
    source = opener(run.source, run.scenario_tab)
    try:
        yield source
    finally:
        source.close()


@dataclass(slots=True)
class RunHistory:
    """A run with when each finished row ended and what it cost (for the chart), and its log lines."""

    run: RunRecord
    finished: list[tuple[str, float]]
    events: list[str]


def run_history(journal: Journal, run_id: str) -> RunHistory | None:
    """The run, its finished rows in one query, and its latest log lines."""
    run = journal.get_run(run_id)
    if run is None:
        return None
    finished = journal.finish_times(run_id)
    events = [f"{e.time[11:19]}  {level_prefix(e.level)}{e.message}" for e in journal.events(run_id)]
    return RunHistory(run, finished, events)


def recent_runs(journal: Journal, limit: int | None = 30) -> list[RunRecord]:
    """The newest enrichment runs (live and batch); every one of them when ``limit`` is None."""
    return [r for r in journal.list_runs(limit) if r.kind.enriches]


def level_prefix(level: str) -> str:
    """The plain-language prefix of a log line of ``level``."""
    return {"warning": "Warning: ", "error": "Problem: "}.get(level, "")
