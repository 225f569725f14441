"""When a live run writes its results back to the source, and what follows each write-back: the
conflicts it found are kept for the outcome, the written rows go to the progress mirror, and on a
shared sheet the claims are settled (a block whose rows are all written is released)."""

from __future__ import annotations

import time

from desktop.errors import SimBatchError
from desktop.jobs.progress import ProgressMirror
from desktop.jobs.report import Say
from desktop.jobs.sharing import SharedRows
from desktop.jobs.writeback import WriteBack
from desktop.journal import Journal
from desktop.services.source import Source

#: Write-back to the scenario tab waits for this many finished rows, or this many seconds, whichever
#: comes first. Each write-back is two Sheets calls (check, then write), so at full speed 1,000 rows cost
#: at most about ten calls; results wait safely in the journal meanwhile, and the progress tab shows them.
WRITEBACK_BATCH_ROWS = 250
WRITEBACK_INTERVAL_SEC = 30.0


class LiveWriteBack:
    """A live run's write-back: due after ``batch`` completed rows or ``interval`` seconds."""

    def __init__(
        self,
        journal: Journal,
        source: Source,
        run_id: str,
        *,
        mirror: ProgressMirror,
        say: Say,
        shared: SharedRows | None,
        interval: float = WRITEBACK_INTERVAL_SEC,
        batch: int = WRITEBACK_BATCH_ROWS,
    ) -> None:
        self._journal = journal
        self._run_id = run_id
        self._writeback = WriteBack(journal, source, run_id, shared)
        self._mirror = mirror
        self._say = say
        self._shared = shared
        self.interval = interval
        self.batch = batch
        self._completed = 0
        self._last = time.monotonic()
        #: Cells changed by someone else since they were read, by row, over every write-back so far.
        self.conflicts: dict[int, list[str]] = {}

    @property
    def last_error(self) -> SimBatchError | None:
        """Why the last write-back could not write (None once one succeeds)."""
        return self._writeback.last_error

    def row_completed(self) -> None:
        """Count one more completed row towards the next write-back."""
        self._completed += 1

    def restart_clock(self) -> None:
        """Start the interval now (the supervisor loop begins)."""
        self._last = time.monotonic()

    def flush_if_due(self, now: float) -> None:
        """Write back when the interval has passed, enough rows completed, or a shared block whose
        rows are all done can be written and released at once."""
        if (
            now - self._last >= self.interval
            or self._completed >= self.batch
            or (self._completed and self._shared and self._shared.block_to_release())
        ):
            self.flush()
            self._last = now

    def flush(self) -> None:
        """Write every completed, unwritten row now (a failure is said and kept in ``last_error``)."""
        self._completed = 0
        outcome = self._writeback.flush_and_report(self._say)
        if outcome is None:
            return
        self.conflicts.update(outcome.conflicts)
        for row in outcome.rows:
            self._mirror.enqueue(self._journal.get_task(self._run_id, row))
        if self._shared is not None:
            try:
                self._shared.settle()
            except SimBatchError as exc:
                self._say(f"Claims in the sheet could not be updated: {exc}", "warning")
