"""The journal: an SQLite database that is the source of truth for runs (SPEC section 6)."""

from desktop.journal.journal import JOURNAL_FILE, Journal, default_path
from desktop.journal.records import (
    NEEDS_REVIEW,
    UNFINISHED_RUN_STATUSES,
    BatchJobRecord,
    BatchStep,
    EventRecord,
    OutboxItem,
    RowStatus,
    RowTask,
    RunKind,
    RunRecord,
    RunStatus,
    RunTotals,
    WriteRecord,
    shown_status,
)

__all__ = [
    "JOURNAL_FILE",
    "NEEDS_REVIEW",
    "UNFINISHED_RUN_STATUSES",
    "BatchJobRecord",
    "BatchStep",
    "EventRecord",
    "Journal",
    "OutboxItem",
    "RowStatus",
    "RowTask",
    "RunKind",
    "RunRecord",
    "RunStatus",
    "RunTotals",
    "WriteRecord",
    "default_path",
    "shown_status",
]
