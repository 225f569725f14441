"""Batch API runs, written once for both front-ends: journal and submit a run, find a run by its run or
batch id, drive it (check, wait, cancel, carry on), retry its failed rows, and sweep every open run.

The batch engine loads the OpenAI SDK (~0.3 s), so it is imported only by the steps that use it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from desktop.app.runs import require_run, run_source
from desktop.domain.pricing import PriceTable
from desktop.domain.rowspec import format_row_spec
from desktop.errors import SimBatchError, UsageError
from desktop.jobs.batch_outcome import BatchOutcome, job_summary
from desktop.jobs.planning import create_enrichment_run
from desktop.journal import BatchJobRecord, Journal, RunKind, RunRecord
from desktop.services.open_source import SourceOpener
from desktop.services.source import ScenarioTable, Source
from desktop.settings import Settings

if TYPE_CHECKING:
    from desktop.jobs.batch import BatchRun
    from desktop.services.batch_api import BatchAPIClient, BatchService

#: Receives each line a batch run says, with its level (``info``, ``warning`` or ``error``).
Say = Callable[[str, str], None]


def batch_service(settings: Settings) -> BatchAPIClient:
    """The Batch API client of ``settings``: ``AuthError`` without a key, ``UsageError`` with a local model
    (nothing is journaled before this check)."""
    from desktop.services.batch_api import batch_client_from_settings

    return batch_client_from_settings(settings.openai_base_url, provider=settings.llm_provider)


def plan_batch_run(
    journal: Journal, source: Source, table: ScenarioTable, row_spec: str, service: BatchAPIClient,
    settings: Settings, *, model: str | None = None, overwrite: bool | None = None,
    batch_name: str | None = None,
) -> str:
    """Journal a batch run over the rows of ``table``; its run id. ``model`` and ``overwrite`` default to
    the settings; ``batch_name`` is the user's name for the job."""
    run_settings: dict[str, object] = {"mode": "batch", "base_url": service.base_url}
    if batch_name:
        run_settings["batch_name"] = batch_name
    return create_enrichment_run(
        journal, source, table, row_spec, kind=RunKind.BATCH, model=model or settings.model,
        overwrite=settings.overwrite_valid if overwrite is None else overwrite, settings=run_settings,
    )


def batch_runner(
    journal: Journal, source: Source, run_id: str, settings: Settings, say: Say | None = None,
    service: BatchService | None = None, poll_interval: float | None = None,
) -> BatchRun:
    """The engine of batch run ``run_id``, configured from the settings (``poll_interval`` overrides)."""
    from desktop.jobs.batch import BatchRun, new_options
    from desktop.services.batch_api import batch_client_from_settings

    options = new_options(poll_interval or settings.poll_interval_sec, settings.enqueued_token_cap)
    return BatchRun(
        journal, source, run_id, service or batch_client_from_settings(settings.openai_base_url),
        PriceTable.load(settings.price_overrides), options=options, say=say,
    )


def submit_batch_run(
    journal: Journal, source: Source, rows: Sequence[int], settings: Settings, say: Say | None = None
) -> BatchOutcome:
    """Check the key, read ``rows`` fresh, journal a batch run over them and submit it (without waiting)."""
    service = batch_service(settings)
    table = source.read_scenarios(list(rows))
    run_id = plan_batch_run(journal, source, table, format_row_spec(rows), service, settings)
    return batch_runner(journal, source, run_id, settings, say, service).run(wait=False)


def resolve_batch_run(journal: Journal, ident: str) -> RunRecord:
    """The batch run of a run id or a provider batch id; ``UsageError`` when neither is known."""
    run = journal.get_run(ident)
    if run is not None:
        if run.kind is not RunKind.BATCH:
            raise UsageError(f"Run {ident} is a {run.kind} run, not a Batch API run.")
        return run
    job = journal.find_batch_job(ident)
    if job is not None:
        return require_run(journal, job.run_id)
    raise UsageError(f"There is no batch run or batch {ident!r} in the journal (see 'simbatch batch list').")


def requeue_failed(runner: BatchRun) -> int:
    """Put the run's FAILED rows back in the queue; how many. ``UsageError`` while batches still run."""
    if runner.outcome().in_flight:
        raise UsageError(
            f"Run {runner.run_id} still has batches running; wait for them or cancel them first."
        )
    return runner.retry_failed()


def retry_live(runner: BatchRun, settings: Settings) -> BatchOutcome:
    """Send the batch run's queued rows to the live endpoint instead; where the run stands afterwards."""
    from desktop.app.live import live_client
    from desktop.jobs.engine import LiveRun

    client = live_client(settings)
    LiveRun(runner.journal, runner.source, runner.run_id, client.generate, workers=settings.workers).execute()
    return runner.outcome()


def job_document(job: BatchJobRecord) -> dict[str, object]:
    """One batch job as ``simbatch batch list --json`` shows it."""

    return {"run_id": job.run_id, **job_summary(job)}


def list_batch_jobs(journal: Journal) -> list[BatchJobRecord]:
    """Every batch job, newest first."""
    return journal.batch_jobs()


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
    from desktop.services.batch_api import batch_client_from_settings

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
            with run_source(run, opener, open_now) as source:
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
