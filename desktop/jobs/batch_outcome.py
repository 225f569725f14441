"""Where a Batch API run stands: its status worked out from the journal, and each chunk as shown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from desktop.jobs.report import RunStanding, flagged_rows, summary_line
from desktop.journal import BatchJobRecord, Journal, RowStatus, RunStatus


@dataclass(slots=True)
class BatchOutcome(RunStanding):
    """Where a batch run stands after a submit, a status check, a wait or a cancel."""

    batches: list[dict[str, object]]
    conflicts: dict[int, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    flagged: list[dict[str, object]] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """``118 completed, 12 flagged for review, 2 failed``."""
        return summary_line(
            self.counts.get(RowStatus.COMPLETED.value, 0),
            len(self.flagged),
            self.counts.get(RowStatus.FAILED.value, 0),
        )

    @property
    def in_flight(self) -> bool:
        """True while some chunk is not finished."""
        return any(not b["finished"] for b in self.batches)

    def to_json(self) -> dict[str, object]:
        """The ``--json`` document (SPEC section 7)."""
        return {
            "run_id": self.run_id,
            "status": self.status.value,
            "counts": self.counts,
            "cost_usd": round(self.cost_usd, 6),
            "batches": self.batches,
            "conflicts": {str(k): v for k, v in self.conflicts.items()},
            "problems": self.problems,
            "summary": self.summary,
            "flagged": self.flagged,
        }


def job_summary(job: BatchJobRecord) -> dict[str, object]:
    """One chunk as shown by ``batch status`` / ``--json``."""
    return {
        "chunk": job.chunk,
        "batch_id": job.batch_id,
        "step": job.status,
        "remote_status": job.remote_status,
        "request_counts": job.request_counts,
        "rows": len(job.rows),
        "input_file_id": job.input_file_id,
        "output_file_id": job.output_file_id,
        "error_file_id": job.error_file_id,
        "submitted_at": job.submitted_at,
        "finished_at": job.finished_at,
        "error": job.error,
        "finished": job.finished_at is not None,
    }


def batch_outcome(
    journal: Journal, run_id: str, conflicts: Mapping[int, list[str]] | None = None,
    problems: Sequence[str] = (),
) -> BatchOutcome:
    """Where batch run ``run_id`` stands now (the run status in the journal is updated to match);
    ``conflicts`` and ``problems`` are what this process saw while driving it."""
    jobs = journal.batch_jobs(run_id)
    run = journal.get_run(run_id)
    totals = run.totals if run is not None else journal.run_totals(run_id)
    counts = totals.counts
    unfinished = any(job.finished_at is None for job in jobs)
    if unfinished:
        status = RunStatus.RUNNING
    elif counts.get(RowStatus.PENDING.value, 0) or counts.get(RowStatus.SUBMITTED.value, 0):
        status = RunStatus.INTERRUPTED
    elif counts.get(RowStatus.CANCELLED.value, 0):
        status = RunStatus.CANCELLED
    elif counts.get(RowStatus.FAILED.value, 0) and not counts.get(RowStatus.COMPLETED.value, 0):
        status = RunStatus.FAILED
    else:
        status = RunStatus.COMPLETED
    if run is not None and run.status != status:
        journal.set_run_status(run_id, status)
    return BatchOutcome(
        run_id,
        status,
        counts,
        totals.cost_usd,
        [job_summary(j) for j in jobs],
        dict(conflicts or {}),
        list(problems),
        flagged_rows(journal, run_id) if totals.flagged else [],
    )
