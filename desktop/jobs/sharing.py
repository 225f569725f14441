"""A run on a sheet shared with colleagues: which rows it may work on, claimed block by block.

The run's rows are grouped in blocks (``claims_tab.BLOCK_ROWS`` sheet rows each). A block is claimed in
the sheet before its rows are generated; every write-back carries the claim check
(``desktop.jobs.claim_gate``), so nothing is written once a colleague has taken the block over. Rows a
colleague holds wait; rows a colleague finished are handed over (CANCELLED here, with who did them); a
colleague's claim that shows no sign of life for the lease time is reported and, when the user agreed
(``take_over``), taken over (``desktop.jobs.colleague_watch``). Each step is journaled before it is
sent (``desktop.journal.claims``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from desktop.domain.models import CellValue
from desktop.errors import SimBatchError
from desktop.jobs.claim_gate import ClaimGate
from desktop.jobs.claim_order import claim_order
from desktop.jobs.colleague_watch import ColleagueWatch, StaleClaim
from desktop.jobs.report import Say
from desktop.jobs.writeback import original_vitals, same_cell_value
from desktop.journal import Journal, RowStatus, RowTask
from desktop.journal.claims import ClaimStep
from desktop.services.claim_liveness import LEASE_SEC, Liveness
from desktop.services.claims import ClaimBoard, Holding, SessionGone
from desktop.services.claims_tab import BLOCK_ROWS, BlockState, ClaimStatus
from desktop.services.gsheet_source import GoogleSheetSource
from desktop.services.source import CellRef

log = logging.getLogger(__name__)

#: Heartbeats per lease: a holder that misses a few still keeps its claim.
BEATS_PER_LEASE = 5
#: Progress mirror interval on a shared sheet: colleagues' calls count against the same sheet.
SHARED_MIRROR_INTERVAL_SEC = 10.0


class SharedRows:
    """This run's claims on a shared Google Sheet (see the module docstring). Thread-safe.

    Writing goes through ``gate`` (a ``ClaimGate``); ``allowed_rows``, ``write``, ``block_to_release``,
    ``settle``, ``stop`` and ``finish`` are the run's calls into it."""

    def __init__(
        self,
        journal: Journal,
        source: GoogleSheetSource,
        run_id: str,
        *,
        holder_name: str,
        say: Say | None = None,
        lease: float = LEASE_SEC,
        take_over: bool = False,
        batch: bool = False,
        block_rows: int = BLOCK_ROWS,
        clock: Callable[[], float] = time.monotonic,
        on_stale: Callable[[StaleClaim], None] | None = None,
    ) -> None:
        """``on_stale`` offers the user to take over a colleague's stale claim (the app); the run then
        waits for the answer. Without it (the command line) the run leaves those rows for
        ``--take-over``."""
        self.journal = journal
        self.source = source
        self.run_id = run_id
        self.take_over = take_over
        self.batch = batch
        self._say: Say = say or (lambda text, level: log.info("%s", text))
        self._clock = clock
        self.board = ClaimBoard(
            source.gateway, source.scenario_sheet_id(), run_id, holder_name,
            liveness=Liveness(lease=lease, clock=clock),
        )
        beat_every = lease / BEATS_PER_LEASE
        self._lock = threading.RLock()
        self.gate = ClaimGate(
            journal, source, run_id, self.board, lock=self._lock, say=self._tell, on_lost=self._requeue,
            block_rows=block_rows, beat_every=beat_every, clock=clock,
        )
        self.watch = ColleagueWatch(
            self.board, self._tell, self.take_over_stale, reopen=self.gate.reopen, on_stale=on_stale,
            max_wait=beat_every, clock=clock,
        )
        self._todo: dict[int, list[int]] = {}  # blocks not held yet -> this run's rows in them
        self._given_up: set[int] = set()
        self._last_claimed: int | None = None
        source.shared = True
        self.handed_over = 0

    @property
    def _states(self) -> dict[int, BlockState]:
        """Every block's claim as the claims were last read."""
        return self.board.last_read

    def _tell(self, text: str, level: str) -> None:
        self._say(text, level)

    # ----------------------------------------------------------------------------- start

    def start(self) -> None:
        """Open the claims, keep the blocks the journal says are ours and the sheet agrees, and list
        the blocks still to claim."""
        self._todo.clear()
        self.board.open()
        self.board.read()
        records = {r.block: r for r in self.journal.claims(self.run_id)}
        for block, rows in sorted(self.gate.rows_needing_work().items()):
            record = records.get(block)
            if record is not None and record.status in (ClaimStep.CLAIMING, ClaimStep.HELD):
                holding = Holding(block, record.epoch, record.session, self._case_ids(rows))
                state = self._states.get(block)
                if self.board.still_ours(holding, self._states) and state is not None:
                    holding.heartbeat, holding.status = state.heartbeat, state.status
                    self.gate.hold(holding)
                    self.journal.set_claim_status(self.run_id, [block], ClaimStep.HELD)
                    continue
                self.journal.set_claim_status(self.run_id, [block], ClaimStep.LOST)
            self._todo[block] = rows
        self._last_claimed = max(self.gate.holdings, default=None)
        self.gate.start_beating()

    @property
    def started(self) -> bool:
        """Whether ``start`` has opened the claims (a batch run writes back only after it has)."""
        return bool(self.board.session)

    def attach(self, say: Say) -> None:
        """Send messages to ``say`` (the run's reporter) from now on."""
        self._say = say

    # ----------------------------------------------------------------------------- claiming

    def claim_next(self) -> list[RowTask] | None:
        """Claim one more block; its rows to generate (possibly none). None when no block can be
        claimed now (all held, or held by colleagues who are alive): ``tick`` then looks again."""
        with self._lock:
            wanted = [b for b in self._todo if b not in self._given_up]
            for block in claim_order(wanted, self._states, self._last_claimed, self.run_id):
                tasks = self._try_block(block)
                if tasks is not None:
                    self.watch.claimed()
                    self._last_claimed = block
                    return tasks
            for block, rows in sorted(self._todo.items()):
                state = self._states.get(block)
                if state is not None and block not in self._given_up and state.holder_id != self.run_id:
                    self.watch.report_busy(state, rows)
            self.watch.nothing_to_claim()
            return None

    @property
    def waiting(self) -> bool:
        """Whether rows of this run are still to be claimed (possibly once a colleague is done)."""
        with self._lock:
            return any(block not in self._given_up for block in self._todo)

    def _try_block(self, block: int) -> list[RowTask] | None:
        rows = self._todo[block]
        state = self._states.get(block)
        epoch = 0
        if state is not None:
            if state.status == ClaimStatus.DONE and set(self._case_ids(rows)) <= set(state.case_ids):
                self._hand_over(block, rows, f"Done by {state.holder_name}")
                return []
            if state.busy and state.holder_id != self.run_id:
                if not self.board.liveness.is_stale(state):
                    return None
                if not self.take_over:
                    self.watch.report_stale(state, rows)
                    if self.watch.on_stale is None:
                        self._given_up.add(block)  # the CLI ends the run; resume --take-over does them
                    return None
                self.watch.taking_over(state, rows)
            epoch = state.epoch + 1
        self.journal.record_claim(self.run_id, block, self.board.session, epoch, ClaimStep.CLAIMING, rows)
        try:
            holding = self.board.claim(block, epoch, self._case_ids(rows), batch=self.batch)
        except SessionGone:
            self.gate.reopen()
            return None
        if holding is None:
            self.journal.set_claim_status(self.run_id, [block], ClaimStep.LOST)
            return None  # someone else won: ``_states`` are the claims as the claim saw them then
        self.journal.set_claim_status(self.run_id, [block], ClaimStep.HELD)
        claimed_at = time.strftime("%H:%M")
        note = f"In progress by {self.board.holder_name}, since {claimed_at}"
        self.journal.note_claim(self.run_id, rows, note)
        self.gate.hold(holding)
        del self._todo[block]
        return self._settle_claimed(block, rows)

    def _settle_claimed(self, block: int, rows: list[int]) -> list[RowTask]:
        """Re-read a newly claimed block's cells: rows a colleague already wrote are handed over; the
        rest are this run's to generate (or to write, when generated before)."""
        tasks = self._tasks(rows)
        refs = [CellRef(t.row, c) for t in tasks for c in t.columns_requested]
        current = self.source.read_cells(refs) if refs else {}
        done_elsewhere: list[int] = []
        to_generate: list[RowTask] = []
        for task in tasks:
            originals = original_vitals(task)
            changed = any(
                not same_cell_value(current.get(CellRef(task.row, c)), originals.get(c))
                for c in task.columns_requested
            )
            if changed:
                done_elsewhere.append(task.row)
            elif task.status in (RowStatus.PENDING, RowStatus.PROCESSING):
                to_generate.append(task)
        if done_elsewhere:
            self._hand_over(block, done_elsewhere, "Written by a colleague before this computer got to it")
        return to_generate

    def take_over_stale(self) -> None:
        """The user agreed: take over every colleague's claim on this run's rows that is stale now or
        goes stale later (a live colleague's rows still wait)."""
        with self._lock:
            self.take_over = True
            self._given_up.clear()
            self.watch.look_now()

    def tick(self) -> None:
        """While nothing can be claimed, read colleagues' claims again now and then (call often): soon
        after a block changed hands, less often while nothing moves."""
        now = self._clock()
        with self._lock:
            if not self.watch.due(now) or not self.waiting:
                return
            self.watch.look(now, self._todo)

    def _requeue(self, block: int, rows: list[int]) -> None:
        """A held block was lost (a colleague took it over, or the claims were tidied away): its
        ``rows`` still to do are to claim again."""
        if rows:
            self._todo[block] = rows
            self._given_up.discard(block)

    # ----------------------------------------------------------------------------- writing (the gate)

    def allowed_rows(self, rows: Sequence[int]) -> set[int]:
        """``ClaimGate.allowed_rows``: the rows whose block this run holds now."""
        return self.gate.allowed_rows(rows)

    def write(self, values_by_row: Mapping[int, Mapping[CellRef, CellValue]]) -> set[int]:
        """``ClaimGate.write``: the rows not written because their block was lost."""
        return self.gate.write(values_by_row)

    def block_to_release(self) -> bool:
        """``ClaimGate.block_to_release``: whether writing now would release a block."""
        return self.gate.block_to_release()

    def settle(self) -> None:
        """Drop the blocks whose rows are all finished and written (``ClaimGate.settle``); a run waiting
        for colleagues then looks at the claims again soon (it may have nothing else to do now)."""
        with self._lock:
            if self.gate.settle():
                self.watch.soon()

    def stop(self) -> None:
        """Stop heartbeating and keep the claims (a Batch API job in flight holds them for its life)."""
        self.gate.stop_beating()

    def finish(self) -> None:
        """Release what is still held (colleagues may take it at once) and tidy the claims when no
        block is busy any more."""
        self.stop()
        with self._lock:
            try:
                self.settle()
                self.gate.release()
            except SimBatchError as exc:
                self._say(
                    f"The claims in the sheet could not be released ({exc}); they expire by themselves.",
                    "warning",
                )

    # ----------------------------------------------------------------------------- helpers

    def _tasks(self, rows: Sequence[int]) -> list[RowTask]:
        return [self.journal.get_task(self.run_id, row) for row in rows]

    def _case_ids(self, rows: Sequence[int]) -> list[str]:
        return [t.case_id for t in self._tasks(rows)]

    def _hand_over(self, block: int, rows: list[int], note: str) -> None:
        self.journal.hand_over(self.run_id, rows, note)
        in_flight = [t.row for t in self._tasks(rows) if t.status is RowStatus.PROCESSING]
        self.handed_over += len(rows) - len(in_flight)
        if in_flight:  # answers still coming: look at the block again once they are in
            self._todo[block] = in_flight
        else:
            self._todo.pop(block, None)


def shared_rows_for(
    journal: Journal, source: object, run_id: str, *, take_over: bool = False, batch: bool = False,
    on_stale: Callable[[StaleClaim], None] | None = None,
) -> SharedRows | None:
    """Claims for a run on a Google Sheet (colleagues may run on it at the same time); None for a
    local workbook, which a lock file protects instead. ``on_stale`` as in ``SharedRows``."""
    if not isinstance(source, GoogleSheetSource):
        return None
    from desktop.settings import display_name, load_settings

    settings = load_settings()
    return SharedRows(
        journal, source, run_id, holder_name=display_name(settings), lease=settings.claim_lease_sec,
        take_over=take_over, batch=batch, on_stale=on_stale,
    )
