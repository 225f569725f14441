"""Live runs, written once for both front-ends: check the model connection, journal a run over the
selected rows, build its engine (with colleagues' claims on a shared sheet), resume one, and sum up
how it ended.

The OpenAI SDK loads only when a client is made, so commands that never talk to a model start fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop.domain.rowspec import format_row_spec
from desktop.jobs.colleague_watch import StaleClaim
from desktop.jobs.engine import Generator, LiveRun
from desktop.jobs.executor import Executor
from desktop.jobs.live_outcome import ProgressSnapshot as ProgressSnapshot  # the type listeners receive
from desktop.jobs.live_outcome import RunListener, RunOutcome
from desktop.jobs.planning import create_enrichment_run
from desktop.jobs.report import flagged_rows, summary_line
from desktop.jobs.sharing import SHARED_MIRROR_INTERVAL_SEC, shared_rows_for
from desktop.journal import Journal, RowStatus, RunKind, RunRecord
from desktop.services.source import ScenarioTable, Source
from desktop.settings import Settings

if TYPE_CHECKING:
    from desktop.services.llm import LLMClient

#: How often a run on a local workbook mirrors row progress to the Batch_Progress tab.
MIRROR_INTERVAL_SEC = 3.0
#: The same for a source that saves the whole file on every write (a local workbook): each progress
#: write took about as much CPU as writing the rows back (a second for 1,000 rows), and nobody can
#: watch the tab while the file is being written. The journal keeps the progress meanwhile.
WHOLE_FILE_MIRROR_INTERVAL_SEC = 15.0
#: Such a source gets its results written back on the write-back interval (30 s), or after this many
#: finished rows: each save costs as much as the workbook is long (about a second of CPU per 1,000
#: rows), so a save every 250 rows made a run's saving grow with the square of its length.
WHOLE_FILE_WRITEBACK_ROWS = 2_000


def live_client(settings: Settings) -> LLMClient:
    """The model client of ``settings``; ``AuthError`` when OpenAI is chosen and no key is stored."""
    from desktop.services.llm import from_settings  # loads the OpenAI SDK: only when a run needs it

    return from_settings(settings)


def plan_live_run(
    journal: Journal, source: Source, table: ScenarioTable, row_spec: str, client: LLMClient, *,
    workers: int, overwrite: bool,
) -> str:
    """Journal a live run over the rows of ``table`` (read from ``source``); its run id."""
    return create_enrichment_run(
        journal, source, table, row_spec, kind=RunKind.LIVE, model=client.model, overwrite=overwrite,
        settings={"workers": workers, "base_url": client.base_url},
    )


@dataclass(slots=True)
class PreparedLive:
    """A journaled live run and the client that will generate its rows."""

    run_id: str
    client: LLMClient
    rows: list[int]


def prepare_live_run(
    journal: Journal, source: Source, rows: Sequence[int], settings: Settings, workers: int
) -> PreparedLive:
    """Check the key, read ``rows`` fresh and journal a live run over them (``overwrite`` from settings)."""
    client = live_client(settings)  # no key: AuthError before anything is journaled
    table = source.read_scenarios(list(rows))
    run_id = plan_live_run(
        journal, source, table, format_row_spec(rows), client, workers=workers,
        overwrite=settings.overwrite_valid,
    )
    return PreparedLive(run_id, client, [s.row for s in table.scenarios])


def live_run(
    journal: Journal, source: Source, run_id: str, generate: Generator, workers: int, *,
    listener: RunListener | None = None, executor: Executor | None = None, take_over: bool = False,
    on_stale: Callable[[StaleClaim], None] | None = None, **engine_options: Any,
) -> LiveRun:
    """The engine that executes (or resumes) the journaled live run ``run_id``.

    On a Google Sheet the rows are claimed block by block, so colleagues running at the same time
    never process a row twice; ``take_over`` also takes the rows of a colleague whose claim went stale,
    ``on_stale`` instead offers them to the user while the run waits (see ``SharedRows``).
    """
    shared = shared_rows_for(journal, source, run_id, take_over=take_over, on_stale=on_stale)
    engine_options.setdefault("mirror_interval", mirror_interval(source, shared is not None))
    if source.writes_whole_file:
        engine_options.setdefault("writeback_batch", WHOLE_FILE_WRITEBACK_ROWS)
    return LiveRun(
        journal, source, run_id, generate, workers=workers, executor=executor, listener=listener,
        shared=shared, **engine_options,
    )


def mirror_interval(source: Source, shared: bool) -> float:
    """Seconds between a live run's writes of the progress tab of ``source``."""
    if shared:
        return SHARED_MIRROR_INTERVAL_SEC
    return WHOLE_FILE_MIRROR_INTERVAL_SEC if source.writes_whole_file else MIRROR_INTERVAL_SEC


def resume_settings(run: RunRecord, settings: Settings, workers: int | None = None) -> int:
    """Point ``settings`` at the model ``run`` was started with; the workers to resume it with
    (``workers`` when given, else those the run was started with)."""
    if run.model and settings.llm_provider == "local":
        settings.local_model = run.model
    elif run.model:
        settings.model = run.model
    return workers or int(str(run.settings.get("workers", settings.workers)))


def outcome_document(journal: Journal, outcome: RunOutcome) -> dict[str, Any]:
    """How a live run ended, from the journal: counts, cost, tokens, conflicts, failed and flagged rows
    (the ``--json`` document of ``simbatch run`` and ``resume``)."""
    run = journal.get_run(outcome.run_id)
    totals = run.totals if run else None
    tasks = journal.tasks(outcome.run_id, [RowStatus.FAILED])
    flagged = flagged_rows(journal, outcome.run_id)
    conflicted = [t for t in journal.tasks(outcome.run_id) if t.conflict]
    return {
        "run_id": outcome.run_id,
        "status": outcome.status.value,
        "counts": {k: v for k, v in sorted(outcome.counts.items()) if v},
        "cost_usd": round(outcome.cost_usd, 6),
        "tokens": {
            "input": totals.input_tokens if totals else 0,
            "cached": totals.cached_tokens if totals else 0,
            "output": totals.output_tokens if totals else 0,
        },
        "conflicts": [{"row": t.row, "columns": list(t.conflict)} for t in conflicted],
        "failed": [{"row": t.row, "case_id": t.case_id, "error": t.error or ""} for t in tasks],
        "flagged": flagged,
        "summary": summary_line(
            outcome.counts.get(RowStatus.COMPLETED.value, 0), len(flagged), len(tasks)
        ),
        "error": outcome.error,
    }
