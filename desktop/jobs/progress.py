"""The Batch_Progress mirror: journal row states turned into the 15 progress cells and pushed out.

Updates wait in the journal's outbox and are written in batches; when the source cannot be reached they
stay there and go out on a later flush. The mirror can be rebuilt from the journal at any time.
"""

from __future__ import annotations

import logging
import time

from desktop.domain.models import CellValue
from desktop.errors import SimBatchError
from desktop.journal import Journal, RowTask
from desktop.journal.db import now_iso
from desktop.services.source import Source

log = logging.getLogger(__name__)


def progress_cells(task: RowTask, batch_id: str | None = None) -> list[CellValue]:
    """The 15 Batch_Progress cells of one row task, in SPEC order."""
    tokens = task.input_tokens + task.output_tokens
    warnings = "; ".join(task.warnings)
    if task.conflict:
        conflict_note = "Conflict: changed by someone else: " + ", ".join(task.conflict)
        warnings = f"{warnings}; {conflict_note}" if warnings else conflict_note
    return [
        batch_id or task.run_id,
        task.row,
        task.case_id,
        task.status.value,
        task.started_at or "",
        task.completed_at or "",
        round(task.duration_sec, 2) if task.duration_sec is not None else "",
        max(task.attempts - 1, 0),
        task.error or "",
        tokens,
        round(task.cost_usd, 6),
        task.vitals_added,
        warnings,
        task.updated_at or now_iso(),
        task.checkpoint or "",
    ]


class ProgressMirror:
    """Pushes the journal's pending progress updates to the source, at most once per ``interval``."""

    #: Rows per progress write (15 cells each: well under the Sheets API's 2 MB request cap).
    BATCH = 5000

    def __init__(self, journal: Journal, source: Source, interval: float = 3.0) -> None:
        self._journal = journal
        self._source = source
        self.interval = interval
        self._last_flush = 0.0
        self._tab_ready = False
        self.writes = 0
        self.last_error: str | None = None

    def enqueue(self, task: RowTask, batch_id: str | None = None) -> None:
        """Queue the current state of one row for the mirror (coalesced per row in the outbox)."""
        self._journal.enqueue_progress(task.run_id, task.row, progress_cells(task, batch_id))

    def maybe_flush(self) -> bool:
        """Flush when ``interval`` seconds have passed since the last flush; True when it wrote."""
        if time.monotonic() - self._last_flush < self.interval:
            return False
        return self.flush()

    def flush(self) -> bool:
        """Write every pending update of this source now, in writes of at most ``BATCH`` rows; on a
        failure keep the rest for later. True when something was sent."""
        self._last_flush = time.monotonic()
        sent = False
        while items := self._journal.pending_progress(self.BATCH, source=self._source.locator):
            try:
                if not self._tab_ready:
                    self._source.ensure_progress_tab()
                    self._tab_ready = True
                self._source.write_progress([item.payload for item in items])
            except SimBatchError as exc:
                self.last_error = str(exc)
                log.warning("Progress tab not updated yet (%s); %d updates kept for later.", exc, len(items))
                return sent
            self._journal.ack_progress(item.id for item in items)
            self.writes += 1
            self.last_error = None
            sent = True
            if len(items) < self.BATCH:
                break
        return sent

    def rebuild(self, run_id: str, batch_id: str | None = None) -> int:
        """Queue every row of a run again, so the next flush rewrites its mirror; returns the count."""
        tasks = self._journal.tasks(run_id)
        self._journal.enqueue_progress_many(run_id, ((t.row, progress_cells(t, batch_id)) for t in tasks))
        return len(tasks)
