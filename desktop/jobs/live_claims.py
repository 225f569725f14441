"""A live run's rows on a sheet shared with colleagues: claimed block by block as the queue runs low,
kept by heartbeats while the run goes on, and given up when it ends."""

from __future__ import annotations

from desktop.errors import SimBatchError
from desktop.jobs.live_queue import RowQueue
from desktop.jobs.progress import ProgressMirror
from desktop.jobs.report import Say
from desktop.jobs.sharing import SharedRows
from desktop.journal import Journal, RowStatus


class LiveClaims:
    """Feeds ``rows`` from the blocks this run claims in the sheet, keeping work for every worker."""

    def __init__(
        self, shared: SharedRows, rows: RowQueue, mirror: ProgressMirror, say: Say, workers: int
    ) -> None:
        self._shared = shared
        self._rows = rows
        self._mirror = mirror
        self._say = say
        self._workers = workers
        shared.attach(say)

    @property
    def waiting(self) -> bool:
        """Whether rows of this run are still to be claimed (possibly once a colleague is done)."""
        return self._shared.waiting

    def start(self) -> None:
        """Take up this run's claims; before writing, so only blocks still ours are written."""
        self._shared.start()

    def allows(self, row: int) -> bool:
        """True when this run still holds the claim on ``row`` (it may have been taken over or handed
        on while queued)."""
        return bool(self._shared.allowed_rows([row]))

    def feed(self) -> None:
        """Claim blocks until the queue holds work for every worker, or nothing can be claimed now."""
        while len(self._rows) < 2 * self._workers:
            tasks = self._shared.claim_next()
            if tasks is None:
                return
            self._rows.extend(tasks)
            for task in tasks:
                self._mirror.enqueue(task)

    def step(self) -> None:
        """Heartbeat, look at colleagues' claims, claim more rows when the queue runs low."""
        try:
            self._shared.tick()
            self.feed()
        except SimBatchError as exc:  # the sheet could not be reached: claims wait, results are safe
            self._say(f"Claims in the sheet could not be updated: {exc}", "warning")

    def finish(self, journal: Journal, run_id: str) -> None:
        """Give up the claims, say how many rows colleagues did, and mirror the rows left cancelled."""
        self._shared.finish()
        if self._shared.handed_over:
            self._say(
                f"{self._shared.handed_over} rows were done by colleagues and were not requested here.",
                "info",
            )
        for task in journal.tasks(run_id, [RowStatus.CANCELLED]):
            self._mirror.enqueue(task)
