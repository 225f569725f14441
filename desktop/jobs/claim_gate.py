"""Writing to a shared sheet only through this run's claims: the blocks it holds, the fenced writes that
carry the claim check, the heartbeat, and settling and releasing blocks when their rows are done.

A fenced write that a colleague's take-over (or a tidied claims session) refuses lands nothing; the
blocks lost are dropped (their rows go back to the claimer, ``on_lost``) and the rest is written again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from desktop.domain.models import CellValue
from desktop.domain.rowspec import format_rows
from desktop.errors import SimBatchError
from desktop.jobs.report import Say
from desktop.journal import Journal, RowStatus
from desktop.journal.claims import ClaimStep
from desktop.services.claims import ClaimBoard, ClaimLost, Holding, SessionGone, Status
from desktop.services.claims_tab import ClaimStatus, block_of
from desktop.services.gsheet_source import GoogleSheetSource
from desktop.services.source import CellRef

log = logging.getLogger(__name__)


class ClaimGate:
    """The blocks this run holds on a shared sheet, and every write made with their claim check.

    Implements ``desktop.jobs.writeback.WriteGate``. ``lock`` is shared with the claimer (the heartbeat
    thread writes too); ``on_lost(block, rows)`` is called, under it, for each block lost to a colleague,
    with this run's rows of it still to do.
    """

    def __init__(
        self,
        journal: Journal,
        source: GoogleSheetSource,
        run_id: str,
        board: ClaimBoard,
        *,
        lock: threading.RLock,
        say: Say,
        on_lost: Callable[[int, list[int]], None],
        block_rows: int,
        beat_every: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.journal = journal
        self.source = source
        self.run_id = run_id
        self.board = board
        self._lock = lock
        self._say = say
        self._on_lost = on_lost
        self._block_rows = block_rows
        self._first_data_row = source.known_layout().first_data_row
        self._beat_every = beat_every
        self._clock = clock
        self.holdings: dict[int, Holding] = {}
        self._done_in_sheet: set[int] = set()  # held blocks already marked DONE with their last rows
        self._last_beat = clock()
        self._stopping = threading.Event()
        self._beater: threading.Thread | None = None

    # ----------------------------------------------------------------------------- blocks

    def block_of(self, row: int) -> int:
        """The block of a sheet row."""
        return block_of(row, self._first_data_row, self._block_rows)

    def rows_of(self, block: int) -> list[int]:
        """This run's rows in ``block``."""
        return [t.row for t in self.journal.tasks(self.run_id) if self.block_of(t.row) == block]

    def rows_needing_work(self) -> dict[int, list[int]]:
        """This run's rows not finished here, by block: still to generate, or generated but not written
        yet (rows handed over to a colleague are CANCELLED, and are not)."""
        by_block: dict[int, list[int]] = {}
        for task in self.journal.tasks(self.run_id):
            if task.status in (RowStatus.PENDING, RowStatus.PROCESSING, RowStatus.SUBMITTED) or (
                task.status == RowStatus.COMPLETED and task.written_at is None
            ):
                by_block.setdefault(self.block_of(task.row), []).append(task.row)
        return by_block

    def work_left(self, block: int) -> tuple[int, int]:
        """(this run's rows of ``block`` still to generate, those generated but not written yet)."""
        first = self._first_data_row + block * self._block_rows
        return self.journal.work_left(self.run_id, first, first + self._block_rows - 1)

    def hold(self, holding: Holding) -> None:
        """Write ``holding``'s rows from now on."""
        self.holdings[holding.block] = holding

    # ----------------------------------------------------------------------------- heartbeat

    def start_beating(self) -> None:
        """Start the heartbeat thread (if it is not running)."""
        self._stopping.clear()
        if self._beater is None or not self._beater.is_alive():
            self._beater = threading.Thread(target=self._beat_loop, name="claims-heartbeat", daemon=True)
            self._beater.start()

    def stop_beating(self) -> None:
        """Stop the heartbeat thread; the claims stay (a Batch API job in flight holds them for its life)."""
        self._stopping.set()
        if self._beater is not None:
            self._beater.join()
            self._beater = None

    def _beat_loop(self) -> None:
        """Heartbeat thread: a fenced write for the held blocks whenever none went out for a while,
        so a busy run (long write-backs, a slow network) never looks dead to colleagues."""
        while not self._stopping.wait(min(self._beat_every / 4, 1.0)):
            with self._lock:
                if not self.holdings or self._clock() - self._last_beat < self._beat_every:
                    continue
                try:
                    self.fenced(list(self.holdings.values()), [])
                except SimBatchError as exc:  # the next beat tries again; the lease is long
                    log.warning("Heartbeat not sent: %s", exc)

    # ----------------------------------------------------------------------------- losing blocks

    def reopen(self) -> None:
        """The claims tab is gone (a colleague tidied it): every holding is lost; start a new session."""
        for holding in list(self.holdings.values()):
            self._lose(holding)
        self.board.open()
        self.board.read()

    def _lose(self, holding: Holding) -> None:
        rows = self.rows_needing_work().get(holding.block, [])
        self.journal.set_claim_status(self.run_id, [holding.block], ClaimStep.LOST)
        del self.holdings[holding.block]
        self._on_lost(holding.block, rows)

    def fenced(
        self, holdings: list[Holding], requests: list[dict[str, object]], status: Status = None
    ) -> set[int]:
        """One fenced batchUpdate; on a refusal find the blocks lost, drop them and retry with the rest.
        Returns the blocks lost."""
        lost: set[int] = set()
        while holdings:
            try:
                self.board.fenced(holdings, requests, status)
                self._last_beat = self._clock()
                return lost
            except SessionGone:
                lost |= {h.block for h in holdings}
                self.reopen()
                return lost
            except ClaimLost as refused:
                try:
                    states = self.board.read()
                except SessionGone:
                    lost |= {h.block for h in holdings}
                    self.reopen()
                    return lost
                gone = [h for h in holdings if not self.board.still_ours(h, states)]
                if not gone:  # refused for another reason (a cell too long …): say that one
                    cause = refused.__cause__
                    raise (cause if isinstance(cause, SimBatchError) else refused) from refused
                for holding in gone:
                    state = states.get(holding.block)
                    who = state.holder_name if state else "a colleague"
                    self._say(f"{who} took over rows {format_rows(self.rows_of(holding.block))}; this "
                              "computer writes nothing of them.", "warning")
                    lost.add(holding.block)
                    self._lose(holding)
                holdings = [h for h in holdings if h.block not in lost]
                if requests:
                    return lost  # the caller rebuilds its cell writes without the lost blocks
        return lost

    # ----------------------------------------------------------------------------- writing

    def allowed_rows(self, rows: Sequence[int]) -> set[int]:
        """The rows whose block this run holds now."""
        with self._lock:
            return {row for row in rows if self.block_of(row) in self.holdings}

    def write(self, values_by_row: Mapping[int, Mapping[CellRef, CellValue]]) -> set[int]:
        """Write the cells of each run row together with the claim check of its block; returns the
        rows not written because their block was lost (nothing of those reached the sheet).

        ``values_by_row`` names every row this write-back finishes (a row with nothing to write maps
        to no cells). A block whose last rows these are is marked DONE in the same request, so a
        colleague waiting for it sees it free without one more call."""
        with self._lock:
            # Rows without cells stay: their block's claim check goes in the same fenced write.
            refused: set[int] = {row for row in values_by_row if self.block_of(row) not in self.holdings}
            pending = {row: cells for row, cells in values_by_row.items() if row not in refused}
            while pending:
                finishing = self._finishing(pending)
                blocks = sorted({self.block_of(row) for row in pending})
                holdings = [self.holdings[b] for b in blocks]
                merged = {ref: value for cells in pending.values() for ref, value in cells.items()}
                done = dict.fromkeys(finishing, ClaimStatus.DONE.value)
                lost = self.fenced(holdings, self.source.cell_requests(merged), done)
                if not lost:
                    self._done_in_sheet |= finishing
                    return refused
                dropped = {row for row in pending if self.block_of(row) in lost}
                refused |= dropped
                pending = {row: cells for row, cells in pending.items() if row not in dropped}
            return refused

    def _finishing(self, rows: Mapping[int, object]) -> set[int]:
        """The held blocks whose rows are all generated and whose unwritten rows are all in ``rows``."""
        counts: dict[int, int] = {}
        for row in rows:
            counts[self.block_of(row)] = counts.get(self.block_of(row), 0) + 1
        return {block for block, count in counts.items() if self.work_left(block) == (0, count)}

    # ----------------------------------------------------------------------------- settling

    def block_to_release(self) -> bool:
        """Whether a held block has all its rows generated and some not written yet: writing them now
        releases the block (a colleague may be waiting for it)."""
        with self._lock:
            return any(
                open_rows == 0 and unwritten > 0
                for open_rows, unwritten in map(self.work_left, self.holdings)
            )

    def settle(self) -> list[int]:
        """Drop the blocks whose rows are all finished and written: mark them DONE in the sheet (one
        request; none when their last write-back did already). The blocks dropped."""
        with self._lock:
            finished = [h for b, h in self.holdings.items() if self.work_left(b) == (0, 0)]
            if not finished:
                return []
            to_mark = [h for h in finished if h.block not in self._done_in_sheet]
            lost = self.fenced(to_mark, [], ClaimStatus.DONE) if to_mark else set()
            done = [h.block for h in finished if h.block not in lost]
            for block in done:
                del self.holdings[block]
                self._done_in_sheet.discard(block)
            self.journal.set_claim_status(self.run_id, done, ClaimStep.DONE)
            return done

    def release(self) -> None:
        """Mark every block still held RELEASED (colleagues may take it at once), then tidy the claims
        away when no block is busy any more."""
        with self._lock:
            if self.holdings:
                held = list(self.holdings.values())
                lost = self.fenced(held, [], ClaimStatus.RELEASED)
                released = [h.block for h in held if h.block not in lost]
                self.journal.set_claim_status(self.run_id, released, ClaimStep.RELEASED)
                self.holdings.clear()
            if self.board.tidy():
                log.info("Claims tab tidied away: no block is busy.")
