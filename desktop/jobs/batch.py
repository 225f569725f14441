"""Batch API runs: submit, poll, download and ingest — resumable at every step, never submitted twice.

A run's rows are split into chunks (at most 50,000 lines, 200 MB and the enqueued-token cap each);
each chunk is one batch job whose steps are journaled before and after they happen:

    PREPARED → UPLOADING → UPLOADED (file id) → CREATING → CREATED (batch id) → polled → finished

After a crash at any step, ``BatchRun.run`` carries on where the journal says each chunk stands
(``desktop.jobs.batch_chunks``): nothing is submitted twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from desktop.domain.models import scenario_from_dict
from desktop.domain.pricing import PriceTable
from desktop.errors import SimBatchError
from desktop.jobs.batch_chunks import ChunkSteps
from desktop.jobs.batch_ingest import BatchPricing, ingest_chunk
from desktop.jobs.batch_input import (
    MAX_BYTES,
    MAX_LINES,
    ChunkLimits,
    LineBuilder,
    write_chunks,
)
from desktop.jobs.batch_outcome import BatchOutcome, batch_outcome
from desktop.jobs.progress import ProgressMirror
from desktop.jobs.report import NOTHING_TO_GENERATE, RunReporter, Say
from desktop.jobs.sharing import shared_rows_for
from desktop.jobs.writeback import WriteBack
from desktop.journal import BatchJobRecord, Journal, RowStatus, RunKind
from desktop.paths import data_home
from desktop.services.batch_api import BatchService, RemoteBatch
from desktop.services.retry import cancellable_sleep
from desktop.services.source import Source

log = logging.getLogger(__name__)

def batch_folder(run_id: str) -> Path:
    """Where a run's input, output and error files are kept: ``<data folder>/batches/<run_id>``."""
    return data_home() / "batches" / run_id


@dataclass(frozen=True, slots=True)
class BatchOptions:
    """How a batch run splits its rows and polls."""

    poll_interval: float = 30.0
    max_poll_interval: float = 600.0
    backoff: float = 1.5
    limits: ChunkLimits = field(default_factory=ChunkLimits)


class BatchRun:
    """Drives one journaled batch run through its chunks; every step is committed before it is acted on."""

    def __init__(
        self,
        journal: Journal,
        source: Source,
        run_id: str,
        service: BatchService,
        prices: PriceTable,
        *,
        options: BatchOptions | None = None,
        say: Say | None = None,
        clock: Callable[[], float] = time.monotonic,
        claims: bool = True,
    ) -> None:
        run = journal.get_run(run_id)
        if run is None:
            raise SimBatchError(f"There is no run {run_id} in the journal.")
        if run.kind is not RunKind.BATCH:
            raise SimBatchError(f"Run {run_id} is a {run.kind} run, not a Batch API run.")
        self.journal = journal
        self.source = source
        self.run_id = run_id
        self.model = run.model or ""
        self.name = str(run.settings.get("batch_name") or "")
        self.service = service
        self.prices = prices
        self.options = options or BatchOptions()
        self._say = RunReporter(journal, run_id, say, log)
        self._clock = clock
        self._conflicts: dict[int, list[str]] = {}
        self._problems: list[str] = []
        # On a Google Sheet the rows are claimed for the life of the batch (colleagues never do them).
        self._shared = shared_rows_for(journal, source, run_id, batch=True) if claims else None
        if self._shared is not None:
            self._shared.attach(self._say)
        self._writeback = WriteBack(journal, source, run_id, self._shared)
        self.mirror = ProgressMirror(journal, source, interval=0.0)
        self._started = clock()
        self._chunks = ChunkSteps(
            journal, run_id, self.model, self.name, service, self.options.limits.token_cap, say=self._say,
            elapsed=self.elapsed, mirror_rows=self._enqueue_rows, ended=self._ingest,
        )

    # -- planning ----------------------------------------------------------------------------------

    def plan(self) -> int:
        """Put PENDING rows that belong to no unfinished chunk into new chunks; returns how many chunks."""
        jobs = self.journal.batch_jobs(self.run_id)
        busy = {row for job in jobs if job.finished_at is None for row in job.rows}
        allowed = self._claim_rows()
        pending = [
            t for t in self.journal.tasks(self.run_id, [RowStatus.PENDING])
            if t.row not in busy and (allowed is None or t.row in allowed)
        ]
        nothing = [t for t in pending if not t.columns_requested]
        if nothing:
            self.journal.mark_submitted(self.run_id, [t.row for t in nothing])
            self.journal.mark_finished_many(
                self.run_id,
                (
                    {
                        "row": t.row,
                        "status": "COMPLETED",
                        "result": {},
                        "warnings": [NOTHING_TO_GENERATE],
                    }
                    for t in nothing
                ),
            )
        work = [t for t in pending if t.columns_requested]
        if not work:
            return 0
        first = max((job.chunk for job in jobs), default=0) + 1
        chunks = write_chunks(
            LineBuilder(self.run_id, self.model),
            ((scenario_from_dict(dict(t.original)), t.plan) for t in work),
            batch_folder(self.run_id),
            first,
            self.options.limits,
        )
        for offset, chunk in enumerate(chunks):
            self.journal.create_batch_job(self.run_id, first + offset, chunk.rows, str(chunk.path))
            self._chunks.tokens[first + offset] = chunk.tokens
        self._say(f"Prepared {len(work)} rows in {len(chunks)} batch file(s).")
        return len(chunks)

    def _claim_rows(self) -> set[int] | None:
        """On a shared sheet: claim every block of the run's rows that nobody else holds; the rows this
        run may submit (None: not shared, every row)."""
        if self._shared is None:
            return None
        self._shared.start()
        while self._shared.claim_next() is not None:
            pass
        rows = [t.row for t in self.journal.tasks(self.run_id, [RowStatus.PENDING])]
        return self._shared.allowed_rows(rows)

    def _end_claims(self) -> None:
        """Release the claims once no chunk is in flight; keep them (BATCH) while one is."""
        if self._shared is None:
            return
        if any(job.finished_at is None for job in self.journal.batch_jobs(self.run_id)):
            self._shared.stop()
        else:
            self._shared.finish()

    # -- one pass over the chunks ------------------------------------------------------------------

    def step(self) -> bool:
        """Submit the chunks that fit under the token cap, poll those in flight, ingest finished ones.

        Returns True when anything changed.
        """
        changed = False
        for job in self.journal.batch_jobs(self.run_id):
            if job.finished_at is None:
                changed = self._chunks.advance(job) or changed
        if changed:
            self._flush()
        return changed

    # -- results -----------------------------------------------------------------------------------

    def _ingest(self, job: BatchJobRecord, remote: RemoteBatch) -> None:
        ingest_chunk(
            self.journal, self.run_id, job, remote, self.service, batch_folder(self.run_id),
            BatchPricing(self.prices, self.model), self._say, self._note_problem,
        )
        self._enqueue_rows(job.rows, remote.id)

    # -- write-back, mirror and status -------------------------------------------------------------

    def _flush(self) -> None:
        if self._shared is not None and not self._shared.started:
            self._shared.start()  # the claims this run holds (from the journal) gate what it writes
        outcome = self._writeback.flush_and_report(self._say)
        if outcome is not None:
            self._conflicts.update(outcome.conflicts)
            self._enqueue_rows(outcome.rows)
        if self._shared is not None:
            self._shared.settle()
        self.mirror.flush()

    def _enqueue_rows(self, rows: list[int], batch_id: str | None = None) -> None:
        if not rows:
            return
        ids = self._batch_ids()
        wanted = set(rows)
        for task in self.journal.tasks(self.run_id):
            if task.row in wanted:
                self.mirror.enqueue(task, batch_id or ids.get(task.row))

    def _batch_ids(self) -> dict[int, str]:
        ids: dict[int, str] = {}
        for job in self.journal.batch_jobs(self.run_id):
            for row in job.rows:
                if job.batch_id:
                    ids[row] = job.batch_id
        return ids

    def outcome(self) -> BatchOutcome:
        """The run's status now (and the run status in the journal updated to match)."""
        return batch_outcome(self.journal, self.run_id, self._conflicts, self._problems)

    # -- loops -------------------------------------------------------------------------------------

    def refresh(self) -> BatchOutcome:
        """Check every unfinished chunk once (submit what fits, ingest what ended); plan nothing new."""
        self.step()
        self._flush()
        self._end_claims()
        return self.outcome()

    def retry_failed(self) -> int:
        """Put the run's FAILED rows back to PENDING (for a new batch or a live run); returns how many."""
        rows = [t.row for t in self.journal.tasks(self.run_id, [RowStatus.FAILED])]
        if rows:
            self.journal.mark_status(self.run_id, rows, RowStatus.PENDING)
            self._say(f"{len(rows)} failed rows queued again.")
        return len(rows)

    def run(self, wait: bool) -> BatchOutcome:
        """Plan new chunks, take one step, and with ``wait`` poll (with backoff) until every chunk ends."""
        self.plan()
        self.step()
        self._flush()
        interval = self.options.poll_interval
        while wait and any(job.finished_at is None for job in self.journal.batch_jobs(self.run_id)):
            cancellable_sleep(interval)
            if self.step():
                interval = self.options.poll_interval
            else:
                interval = min(self.options.max_poll_interval, interval * self.options.backoff)
        self._flush()
        self._end_claims()
        return self.outcome()

    def cancel(self, wait: bool = True) -> BatchOutcome:
        """Cancel: chunks not yet created are dropped (rows CANCELLED), batches in flight are cancelled;
        their partial results are kept."""
        for job in self.journal.batch_jobs(self.run_id):
            if job.finished_at is None:
                self._chunks.cancel(job)
        pending = [t.row for t in self.journal.tasks(self.run_id, [RowStatus.PENDING])]
        if pending:
            self.journal.mark_status(self.run_id, pending, RowStatus.CANCELLED)
            self._enqueue_rows(pending)
        return self.run(wait=wait) if wait else self._after_cancel()

    def _after_cancel(self) -> BatchOutcome:
        self._flush()
        self._end_claims()
        return self.outcome()

    # -- helpers -----------------------------------------------------------------------------------

    def elapsed(self) -> float:
        """Seconds since this process started driving the run."""
        return self._clock() - self._started

    def _note_problem(self, text: str) -> None:
        self._problems.append(text)
        self._say(text, "warning")


def new_options(
    poll_interval: float, token_cap: int | None, limits: Mapping[str, int] | None = None
) -> BatchOptions:
    """Options from the user's settings (``limits`` may lower the line and byte limits, for tests)."""
    extra = dict(limits or {})
    return BatchOptions(
        poll_interval=poll_interval,
        max_poll_interval=max(poll_interval, min(600.0, poll_interval * 20)),
        limits=ChunkLimits(
            max_lines=extra.get("max_lines", MAX_LINES),
            max_bytes=extra.get("max_bytes", MAX_BYTES),
            token_cap=token_cap,
        ),
    )
