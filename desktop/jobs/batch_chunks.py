"""The steps of one chunk of a Batch API run, each journaled before and after it happens:

    PREPARED → UPLOADING → UPLOADED (file id) → CREATING → CREATED (batch id) → polled → ended

An upload whose file id was not recorded is looked up by file name (or uploaded again, which is
harmless); a batch whose id was not recorded is found by its metadata (``simbatch_run`` and
``simbatch_chunk``), so no second batch is ever created for the same rows. Chunks that together exceed
the enqueued-token cap are submitted one after another.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

from desktop.domain.models import scenario_from_dict
from desktop.errors import ServiceError
from desktop.jobs.batch_input import LineBuilder
from desktop.jobs.report import RunReporter
from desktop.journal import BatchJobRecord, BatchStep, Journal, RowStatus
from desktop.journal.db import now_iso
from desktop.services.batch_api import TERMINAL_STATUSES, BatchService, RemoteBatch

#: TEST-ONLY hook: when this variable names a step (``after_upload``, ``after_create``,
#: ``during_poll``), the process SIGKILLs itself there, so tests can prove resume works.
CRASH_ENV = "SIMBATCH_TEST_CRASH_AT"

#: Hands rows whose state changed to the progress mirror, under their batch id when known.
MirrorRows = Callable[[list[int], str | None], None]


def crash_point(step: str) -> None:
    """Test-only: kill this process at ``step`` when ``SIMBATCH_TEST_CRASH_AT`` names it."""
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


class ChunkSteps:
    """Moves the chunks of one batch run through their steps (see the module docstring)."""

    def __init__(
        self, journal: Journal, run_id: str, model: str, name: str, service: BatchService,
        token_cap: int | None, *, say: RunReporter, elapsed: Callable[[], float], mirror_rows: MirrorRows,
        ended: Callable[[BatchJobRecord, RemoteBatch], None],
    ) -> None:
        self.journal = journal
        self.run_id = run_id
        self.model = model
        self.name = name
        self.service = service
        self.token_cap = token_cap
        self._say = say
        self._elapsed = elapsed
        self._mirror_rows = mirror_rows
        self._ended = ended
        #: Tokens of each chunk's requests (known when planned, else counted again from the journal).
        self.tokens: dict[int, int] = {}

    def advance(self, job: BatchJobRecord) -> bool:
        """Take an unfinished chunk as far as it goes now; True when anything changed."""
        status = job.status
        if status in (BatchStep.PREPARED, BatchStep.UPLOADING, BatchStep.UPLOADED) and not self._fits(job):
            return False
        if status in (BatchStep.PREPARED, BatchStep.UPLOADING):
            job = self._upload(job)
            status = job.status
        if status in (BatchStep.UPLOADED, BatchStep.CREATING):
            job = self._create(job)
            status = job.status
        if status == BatchStep.CREATED:
            return self._poll(job)
        return True

    def metadata(self, chunk: int) -> dict[str, str]:
        """The metadata a chunk's batch is created with, and found by after an interruption."""
        meta = {"simbatch_run": self.run_id, "simbatch_chunk": str(chunk)}
        if self.name:
            meta["simbatch_name"] = self.name[:500]
        return meta

    def _upload(self, job: BatchJobRecord) -> BatchJobRecord:
        path = Path(job.jsonl_path)
        file_id = self.service.find_file(path.name) if job.status == BatchStep.UPLOADING else None
        if file_id is None:
            if not path.exists():
                self._rebuild_file(job, path)
            self.journal.update_batch_job(self.run_id, job.chunk, status=BatchStep.UPLOADING)
            file_id = self.service.upload(path)
            crash_point("after_upload")
        self.journal.update_batch_job(
            self.run_id, job.chunk, status=BatchStep.UPLOADED, input_file_id=file_id
        )
        self._say(f"Chunk {job.chunk}: uploaded {len(job.rows)} requests as {file_id}.")
        return self.job(job.chunk)

    def _rebuild_file(self, job: BatchJobRecord, path: Path) -> None:
        """Write a chunk's input file again from the journal (e.g. after the data folder was cleaned)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            for data, _ in self._chunk_lines(job):
                handle.write(data)

    def _chunk_lines(self, job: BatchJobRecord) -> Iterator[tuple[bytes, int]]:
        """A chunk's request lines and their tokens, built again from its rows' journaled tasks."""
        builder = LineBuilder(self.run_id, self.model)
        wanted = set(job.rows)
        for task in self.journal.tasks(self.run_id):
            if task.row in wanted:
                yield builder.line(scenario_from_dict(dict(task.original)), task.plan)

    def _create(self, job: BatchJobRecord) -> BatchJobRecord:
        metadata = self.metadata(job.chunk)
        remote = self.service.find_batch(metadata) if job.status == BatchStep.CREATING else None
        if remote is not None:
            self._say(f"Chunk {job.chunk}: found batch {remote.id} created before the interruption.")
        else:
            self.journal.update_batch_job(self.run_id, job.chunk, status=BatchStep.CREATING)
            remote = self.service.create(str(job.input_file_id), metadata)
            crash_point("after_create")
            self._say(f"Chunk {job.chunk}: batch {remote.id} created ({len(job.rows)} rows).")
        self._record(job, remote, status=BatchStep.CREATED, batch_id=remote.id, submitted_at=now_iso())
        self.journal.mark_submitted(self.run_id, job.rows)
        self._mirror_rows(job.rows, remote.id)
        return self.job(job.chunk)

    def _poll(self, job: BatchJobRecord) -> bool:
        remote = self.service.retrieve(str(job.batch_id))
        changed = remote.status != job.remote_status or remote.request_counts != job.request_counts
        if changed:
            self._record(
                job, remote, output_file_id=remote.output_file_id, error_file_id=remote.error_file_id
            )
            counts = remote.request_counts
            self._say(
                f"Batch {remote.id}: {remote.status}, {counts.get('completed', 0)}/{counts.get('total', 0)} "
                f"done, {counts.get('failed', 0)} failed, {self._elapsed():.0f} s elapsed."
            )
        crash_point("during_poll")
        if remote.terminal:
            self._ended(self.job(job.chunk), remote)
            return True
        return changed

    def cancel(self, job: BatchJobRecord) -> None:
        """Cancel one unfinished chunk: dropped (rows CANCELLED) when not yet created, else its batch is
        asked to cancel (its partial results come in with the next poll)."""
        if job.status == BatchStep.CREATING:
            found = self.service.find_batch(self.metadata(job.chunk))
            if found is not None:
                self._record(job, found, status=BatchStep.CREATED, batch_id=found.id)
                self.journal.mark_submitted(self.run_id, job.rows)
                job = self.job(job.chunk)
        if job.status != BatchStep.CREATED:
            self.journal.mark_status(self.run_id, job.rows, RowStatus.CANCELLED)
            self.journal.update_batch_job(
                self.run_id, job.chunk, finished_at=now_iso(), error="Cancelled before submission."
            )
            self._mirror_rows(job.rows, None)
            return
        if job.remote_status in TERMINAL_STATUSES or job.remote_status == "cancelling":
            return
        try:
            remote = self.service.cancel(str(job.batch_id))
        except ServiceError as exc:  # e.g. it ended in the meantime; the next poll tells
            self._say(f"Batch {job.batch_id}: could not be cancelled ({exc}).", "warning")
            return
        self._say(f"Batch {remote.id}: cancel requested.")
        self.journal.update_batch_job(self.run_id, job.chunk, remote_status=remote.status)

    def _record(self, job: BatchJobRecord, remote: RemoteBatch, **fields: object) -> None:
        """Journal what the Batch API says of a chunk's batch (status, request counts), and ``fields``."""
        self.journal.update_batch_job(
            self.run_id, job.chunk, remote_status=remote.status, request_counts=remote.request_counts,
            **fields,
        )

    def _fits(self, job: BatchJobRecord) -> bool:
        """Whether this chunk may be submitted now without passing the enqueued-token cap."""
        cap = self.token_cap
        if cap is None:
            return True
        in_flight = [
            j
            for j in self.journal.batch_jobs(self.run_id)
            if j.finished_at is None
            and j.status in (BatchStep.CREATING, BatchStep.CREATED)
            and j.chunk != job.chunk
        ]
        if not in_flight:
            return True
        used = sum(self._chunk_tokens(j) for j in in_flight)
        return used + self._chunk_tokens(job) <= cap

    def _chunk_tokens(self, job: BatchJobRecord) -> int:
        if job.chunk not in self.tokens:
            self.tokens[job.chunk] = sum(tokens for _, tokens in self._chunk_lines(job))
        return self.tokens[job.chunk]

    def job(self, chunk: int) -> BatchJobRecord:
        """The chunk as the journal has it now."""
        found = self.journal.get_batch_job(self.run_id, chunk)
        assert found is not None
        return found
