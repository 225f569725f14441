"""What a live run tells its front-end: the listener hooks it calls, where it stands while it runs, and
how it ended."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from desktop.errors import SimBatchError
from desktop.jobs.report import RunStanding, summary_line
from desktop.journal import RowStatus, RowTask, RunStatus, RunTotals


class RunListener(Protocol):
    """Hooks the engine calls from its threads; the GUI turns them into Qt signals."""

    def row_changed(self, task: RowTask) -> None: ...

    def progress(self, snapshot: ProgressSnapshot) -> None: ...

    def message(self, text: str, level: str) -> None: ...


@dataclass(frozen=True, slots=True)
class ProgressSnapshot:
    """Where a run stands: counts per status, speed, ETA and cost so far."""

    run_id: str
    total: int
    counts: Mapping[str, int]
    rows_per_minute: float
    eta_seconds: float | None
    cost_usd: float
    elapsed_seconds: float
    paused: bool = False

    @property
    def done(self) -> int:
        """Rows in an end state."""
        return sum(self.counts.get(s.value, 0) for s in (RowStatus.COMPLETED, RowStatus.FAILED))

    @property
    def percent(self) -> float:
        """Share of rows finished, 0–100."""
        return 100.0 * self.done / self.total if self.total else 100.0


def progress_snapshot(
    run_id: str, totals: RunTotals, finished: int, elapsed: float, paused: bool
) -> ProgressSnapshot:
    """Where a run stands from its journal ``totals``, with the speed of the ``finished`` rows of this
    session (``elapsed`` seconds so far) and the time left at that speed."""
    counts = totals.counts
    rate = finished / elapsed * 60.0 if elapsed > 0 else 0.0
    remaining = counts.get(RowStatus.PENDING.value, 0) + counts.get(RowStatus.PROCESSING.value, 0)
    eta = remaining / rate * 60.0 if rate > 0 else None
    return ProgressSnapshot(run_id, totals.rows, counts, rate, eta, totals.cost_usd, elapsed, paused)


@dataclass(slots=True)
class RunOutcome(RunStanding):
    """How an ``execute`` call ended."""

    error: str | None = None
    conflicts: dict[int, list[str]] = field(default_factory=dict)
    exit_error: SimBatchError | None = None


def final_status(fatal: SimBatchError | None, cancelled: bool, counts: Mapping[str, int]) -> RunStatus:
    """The status a run ends ``execute`` with: stopped by a fatal error or with rows left unfinished
    (resumable), cancelled, failed when no row completed, else completed."""
    if fatal is not None:
        return RunStatus.INTERRUPTED
    if cancelled:
        return RunStatus.CANCELLED
    if counts.get(RowStatus.PENDING.value, 0) or counts.get(RowStatus.PROCESSING.value, 0):
        return RunStatus.INTERRUPTED
    if counts.get(RowStatus.FAILED.value, 0) and not counts.get(RowStatus.COMPLETED.value, 0):
        return RunStatus.FAILED
    return RunStatus.COMPLETED


def ending_sentence(
    status: RunStatus, counts: Mapping[str, int], flagged: int, cost: float, error: str | None
) -> str:
    """The log line a run ends with: what it did and cost, and whether it can be resumed."""
    done = counts.get(RowStatus.COMPLETED.value, 0)
    failed = counts.get(RowStatus.FAILED.value, 0)
    base = f"{summary_line(done, flagged, failed)}, cost ${cost:.4f}"
    if status is RunStatus.INTERRUPTED:
        why = f" ({error})" if error else ""
        return f"Run stopped{why}: {base}; resume it to continue."
    if status is RunStatus.CANCELLED:
        return f"Run cancelled: {base}."
    return f"Run finished: {base}."
