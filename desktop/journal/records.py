"""Status names and the frozen records the journal hands out (JSON columns already decoded)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from desktop.domain.models import CANONICAL_ORDER, CellValue


class RunStatus(StrEnum):
    """Life of a run. INTERRUPTED marks a run whose process ended without saying goodbye."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    CANCELLED = "CANCELLED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    INTERRUPTED = "INTERRUPTED"


#: Runs in these states can be resumed.
UNFINISHED_RUN_STATUSES: tuple[RunStatus, ...] = (
    RunStatus.PENDING,
    RunStatus.RUNNING,
    RunStatus.PAUSED,
    RunStatus.INTERRUPTED,
)
#: Entering one of these states stamps ``ended_at``.
ENDED_RUN_STATUSES: tuple[RunStatus, ...] = (
    RunStatus.CANCELLED,
    RunStatus.COMPLETED,
    RunStatus.FAILED,
    RunStatus.INTERRUPTED,
)


class RowStatus(StrEnum):
    """Life of one row inside a run (the values shown in the Batch_Progress tab)."""

    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    SUBMITTED = "SUBMITTED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


#: The status a user sees for a COMPLETED row whose written vitals have warnings (not stored: a flagged
#: row is COMPLETED in the journal and in Batch_Progress, with its warnings in the Warnings column).
NEEDS_REVIEW = "NEEDS_REVIEW"


def shown_status(status: str, flagged: bool) -> str:
    """The row status to show: ``NEEDS_REVIEW`` for a flagged COMPLETED row, else the status."""
    return NEEDS_REVIEW if flagged and status == RowStatus.COMPLETED.value else status


class RunKind(StrEnum):
    """What a run does; auto-fix, defaults and revert runs exist so their write-back can be undone."""

    LIVE = "live"
    BATCH = "batch"
    AUTOFIX = "autofix"
    DEFAULTS = "defaults"
    REVERT = "revert"

    @property
    def enriches(self) -> bool:
        """True for the runs that generate vitals with a model (live and Batch API runs)."""
        return self in (RunKind.LIVE, RunKind.BATCH)


class BatchStep(StrEnum):
    """Local steps of a Batch API job; after CREATED the remote status is tracked as well."""

    PREPARED = "PREPARED"
    UPLOADING = "UPLOADING"
    UPLOADED = "UPLOADED"
    CREATING = "CREATING"
    CREATED = "CREATED"


@dataclass(frozen=True, slots=True)
class RunTotals:
    """Row counts per status and the usage summed over a run's rows."""

    rows: int = 0
    pending: int = 0
    processing: int = 0
    submitted: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    vitals_added: int = 0
    written: int = 0
    conflicts: int = 0
    flagged: int = 0

    @property
    def tokens(self) -> int:
        """Input plus output tokens (cached input is part of the input count)."""
        return self.input_tokens + self.output_tokens

    @property
    def finished(self) -> int:
        """Rows that reached an end state (completed, failed or cancelled)."""
        return self.completed + self.failed + self.cancelled

    @property
    def counts(self) -> dict[str, int]:
        """Rows per row status, only statuses that occur (what ``run_counts`` returns)."""
        found = {status.value: getattr(self, status.value.lower()) for status in RowStatus}
        return {status: n for status, n in sorted(found.items()) if n}


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run as stored, with its totals."""

    run_id: str
    kind: RunKind
    source: str
    scenario_tab: str
    row_spec: str
    model: str | None
    settings: dict[str, object]
    status: RunStatus
    created_at: str
    started_at: str | None
    ended_at: str | None
    last_error: str | None
    totals: RunTotals = field(default_factory=RunTotals)


@dataclass(frozen=True, slots=True)
class RowTask:
    """The journaled state of one row of a run."""

    run_id: str
    row: int
    case_id: str
    status: RowStatus
    attempts: int
    started_at: str | None
    completed_at: str | None
    duration_sec: float | None
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    cost_usd: float
    error: str | None
    warnings: list[str]
    vitals_added: int
    columns_requested: list[str]
    original: dict[str, object]
    result: dict[str, object] | None
    written_at: str | None
    conflict: list[str]
    checkpoint: str | None
    updated_at: str
    fields_requested: dict[str, list[str]] = field(default_factory=dict)
    generated: dict[str, list[str]] = field(default_factory=dict)
    flags: list[dict[str, str]] = field(default_factory=list)

    @property
    def written(self) -> bool:
        """True once the result was written back to the source."""
        return self.written_at is not None

    @property
    def plan(self) -> dict[str, list[str]]:
        """Column → the vitals fields to generate (every field for a cell generated whole)."""
        return {c: list(self.fields_requested.get(c) or CANONICAL_ORDER) for c in self.columns_requested}

    @property
    def flagged(self) -> bool:
        """True for a COMPLETED row whose written vitals have warnings: it needs a person's review."""
        return self.status is RowStatus.COMPLETED and bool(self.flags)

    @property
    def shown_status(self) -> str:
        """The status to show a user (``NEEDS_REVIEW`` for a flagged row)."""
        return shown_status(self.status.value, self.flagged)


@dataclass(frozen=True, slots=True)
class WriteRecord:
    """One cell of a write-back: the value it replaced and the value written.

    Callers fill ``row``, ``column``, ``value_before``, ``value_after`` (and ``conflict`` when the
    cell had changed since it was read and so was left alone); the journal fills the rest.
    """

    row: int
    column: str
    value_before: CellValue
    value_after: CellValue
    conflict: bool = False
    id: int = 0
    run_id: str = ""
    batch_seq: int = 0
    written_at: str = ""
    reverted_at: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A pending Batch_Progress update: the 15 progress cells of one row."""

    id: int
    run_id: str
    row: int
    payload: list[CellValue]
    created_at: str


@dataclass(frozen=True, slots=True)
class BatchJobRecord:
    """One Batch API job (a chunk of a run's rows) and every id it was given."""

    run_id: str
    chunk: int
    rows: list[int]
    status: str
    jsonl_path: str
    input_file_id: str | None
    batch_id: str | None
    remote_status: str | None
    request_counts: dict[str, int]
    output_file_id: str | None
    error_file_id: str | None
    created_at: str
    updated_at: str
    submitted_at: str | None
    finished_at: str | None
    cost_usd: float
    error: str | None


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A plain-language log line for the GUI log pane and the CLI."""

    id: int
    run_id: str | None
    time: str
    level: str
    message: str
