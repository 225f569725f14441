"""The slow steps of the Run, Progress and Batch jobs panels, as plain functions for worker threads.

Nothing here touches Qt: each function is handed to ``tasks.run_task`` (or the run controller) and
returns a value that the GUI thread then shows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from desktop.domain.models import Scenario
from desktop.domain.pricing import PriceTable
from desktop.domain.rowspec import format_row_spec
from desktop.errors import SimBatchError
from desktop.jobs.batch import BatchOutcome, BatchRun, new_options
from desktop.jobs.planning import RunEstimate, create_enrichment_run
from desktop.jobs.planning import estimate_run as planned_estimate
from desktop.jobs.resume import run_source as opened_run_source
from desktop.journal import BatchJobRecord, Journal, RunKind, RunRecord
from desktop.services.batch_api import BatchService, batch_client_from_settings
from desktop.services.llm import LLMClient, from_settings
from desktop.services.open_source import SourceOpener
from desktop.services.source import Source
from desktop.settings import Settings

Say = Callable[[str, str], None]


def estimate_run(scenarios: Sequence[Scenario], settings: Settings, model: str) -> RunEstimate:
    """Estimate generating the missing vitals of ``scenarios`` with ``model`` (UsageError when unpriced)."""
    return planned_estimate(
        scenarios, _vitals_columns(scenarios), PriceTable.load(settings.price_overrides), model,
        overwrite=settings.overwrite_valid, requests_per_minute=settings.requests_per_minute,
        tokens_per_minute=settings.tokens_per_minute,
    )


def _vitals_columns(scenarios: Sequence[Scenario]) -> list[str]:
    seen: dict[str, None] = {}
    for scenario in scenarios:
        for column in scenario.vitals:
            seen.setdefault(column, None)
    return list(seen)


def known_models(settings: Settings) -> list[str]:
    """Every model with a price (shipped or from Settings)."""
    return PriceTable.load(settings.price_overrides).models()


@dataclass(slots=True)
class PreparedLive:
    """A journaled live run and the client that will generate its rows."""

    run_id: str
    client: LLMClient
    rows: list[int]


def prepare_live_run(
    journal: Journal, source: Source, rows: Sequence[int], settings: Settings, workers: int
) -> PreparedLive:
    """Check the key, read the rows fresh and journal a live run over them."""
    client = from_settings(settings)  # no key: AuthError before anything is journaled
    table = source.read_scenarios(list(rows))
    run_id = create_enrichment_run(
        journal, source, table, format_row_spec(rows), kind=RunKind.LIVE, model=client.model,
        overwrite=settings.overwrite_valid, settings={"workers": workers, "base_url": client.base_url},
    )
    return PreparedLive(run_id, client, [s.row for s in table.scenarios])


def batch_runner(
    journal: Journal, source: Source, run_id: str, settings: Settings, say: Say | None = None,
    service: BatchService | None = None,
) -> BatchRun:
    """A ``BatchRun`` configured from the settings."""
    options = new_options(settings.poll_interval_sec, settings.enqueued_token_cap)
    return BatchRun(
        journal, source, run_id, service or batch_client_from_settings(settings.openai_base_url),
        PriceTable.load(settings.price_overrides), options=options, say=say,
    )


def submit_batch_run(
    journal: Journal, source: Source, rows: Sequence[int], settings: Settings, say: Say | None = None
) -> BatchOutcome:
    """Check the key, journal a batch run over ``rows`` and submit its batches (without waiting)."""
    service = batch_client_from_settings(settings.openai_base_url, provider=settings.llm_provider)
    table = source.read_scenarios(list(rows))
    run_id = create_enrichment_run(
        journal, source, table, format_row_spec(rows), kind=RunKind.BATCH, model=settings.model,
        overwrite=settings.overwrite_valid, settings={"mode": "batch", "base_url": service.base_url},
    )
    return batch_runner(journal, source, run_id, settings, say, service).run(wait=False)


@contextlib.contextmanager
def run_source(run: RunRecord, open_now: Source | None, opener: SourceOpener) -> Iterator[Source]:
    """The source a run was made on: the open one when it is the same, else opened (and closed) here."""
    if open_now is not None and open_now.locator == run.source:
        yield open_now
        return
    with opened_run_source(run, opener) as source:
        yield source


@dataclass(slots=True)
class BatchSweep:
    """One background pass over the batch jobs: the jobs now, the runs that ended, any problem."""

    jobs: list[BatchJobRecord]
    finished_runs: list[BatchOutcome] = field(default_factory=list)
    row_status: dict[str, dict[int, str]] = field(default_factory=dict)
    problem: str | None = None


def sweep_batches(
    journal: Journal, open_now: Source | None, settings: Settings, opener: SourceOpener,
    only_run: str | None = None, cancel: bool = False, say: Say | None = None,
) -> BatchSweep:
    """Poll (or cancel) every unfinished batch run once: finished batches are downloaded, ingested,
    written back and mirrored. Returns the jobs afterwards."""
    sweep = BatchSweep(jobs=[])
    unfinished = sorted({j.run_id for j in journal.batch_jobs() if j.finished_at is None})
    targets = [only_run] if only_run else unfinished
    service: BatchService | None = None
    for run_id in targets:
        run = journal.get_run(run_id)
        if run is None:
            continue
        try:
            service = service or batch_client_from_settings(settings.openai_base_url)
            with run_source(run, open_now, opener) as source:
                runner = batch_runner(journal, source, run_id, settings, say, service)
                outcome = runner.cancel(wait=False) if cancel else runner.refresh()
        except SimBatchError as exc:
            sweep.problem = str(exc)
            break
        sweep.row_status[run_id] = {t.row: t.shown_status for t in journal.tasks(run_id)}
        if not outcome.in_flight:
            sweep.finished_runs.append(outcome)
    sweep.jobs = journal.batch_jobs()
    return sweep


def list_batch_jobs(journal: Journal) -> list[BatchJobRecord]:
    """Every batch job, newest first."""
    return journal.batch_jobs()


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
    return [r for r in journal.list_runs(limit) if r.kind in (RunKind.LIVE, RunKind.BATCH)]


def level_prefix(level: str) -> str:
    """The plain-language prefix of a log line of ``level``."""
    return {"warning": "Warning: ", "error": "Problem: "}.get(level, "")
