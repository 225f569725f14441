"""A run on a sheet shared with colleagues: which rows it may work on, and writing only what it holds.

The run's rows are grouped in blocks (``claims_tab.BLOCK_ROWS`` sheet rows each). A block is claimed in
the sheet before its rows are generated; every write-back carries the claim check, so nothing is
written once a colleague has taken the block over. Rows a colleague holds wait; rows a colleague
finished are handed over (CANCELLED here, with who did them); a colleague's claim that shows no sign
of life for the lease time is reported and, when the user agreed (``take_over``), taken over.
Each step is journaled before it is sent (``desktop.journal.claims``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from desktop.domain.models import CellValue
from desktop.domain.utc_stamps import local_hh_mm
from desktop.errors import SimBatchError
from desktop.jobs.report import Say
from desktop.jobs.writeback import original_vitals, same_cell_value
from desktop.journal import Journal, RowStatus, RowTask
from desktop.journal.claims import ClaimStep
from desktop.services.claim_liveness import LEASE_SEC, Liveness
from desktop.services.claims import ClaimBoard, ClaimLost, Holding, SessionGone, Status
from desktop.services.claims_tab import BLOCK_ROWS, BlockState, ClaimStatus, block_of
from desktop.services.gsheet_source import GoogleSheetSource
from desktop.services.source import CellRef

log = logging.getLogger(__name__)

#: Heartbeats per lease: a holder that misses a few still keeps its claim.
BEATS_PER_LEASE = 5
#: Progress mirror interval on a shared sheet: colleagues' calls count against the same sheet.
SHARED_MIRROR_INTERVAL_SEC = 10.0
#: While waiting for a colleague's rows, the claims are read again after this long; the wait doubles
#: each time nothing changed, up to ``MAX_WAIT_READ_SEC``, and starts again when a block changed hands.
WAIT_READ_MIN_SEC = 2.0
#: ... and at least this often (a waiting client's reads stay far under Google's 60 per minute).
MAX_WAIT_READ_SEC = 10.0


@dataclass(frozen=True, slots=True)
class StaleClaim:
    """A colleague's claim on rows of this run that has shown no sign of life for the lease time, and
    the way to accept the offer to take it over (``take_over``: blocks on the sheet's claims, so call it
    off the GUI thread)."""

    holder: str
    rows: list[int]
    since: str  # when it was claimed, in this computer's time (``10:42``)
    silent_sec: float
    take_over: Callable[[], None] = field(compare=False, repr=False)

    @property
    def span(self) -> str:
        """``52-101``."""
        return _span(self.rows)

    def describe(self) -> str:
        """``Dana's PC claimed rows 52-101 at 10:42 but has shown no sign of life for 10 min.``"""
        return (f"{self.holder} claimed rows {self.span} at {self.since} but has shown no sign of life "
                f"for {_duration(self.silent_sec)}.")


class SharedRows:
    """This run's claims on a shared Google Sheet (see the module docstring). Thread-safe."""

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
        self.journal = journal
        self.source = source
        self.run_id = run_id
        self.take_over = take_over
        self.batch = batch
        self._say: Say = say or (lambda text, level: log.info("%s", text))
        #: Offers the user to take over a colleague's stale claim (the app); the run then waits for
        #: the answer. Without it (the command line) the run leaves those rows for ``--take-over``.
        self._on_stale = on_stale
        self._clock = clock
        self._block_rows = block_rows
        self.board = ClaimBoard(
            source.gateway, source.scenario_sheet_id(), run_id, holder_name,
            liveness=Liveness(lease=lease, clock=clock),
        )
        self._beat_every = lease / BEATS_PER_LEASE
        self._lock = threading.RLock()
        self._holdings: dict[int, Holding] = {}
        self._todo: dict[int, list[int]] = {}  # blocks not held yet -> this run's rows in them
        self._reported_busy: set[tuple[int, int]] = set()
        self._reported_stale: set[tuple[int, int]] = set()
        self._given_up: set[int] = set()
        self._states: dict[int, BlockState] = {}
        self._last_beat = clock()
        self._max_wait = min(self._beat_every, MAX_WAIT_READ_SEC)
        self._min_wait = min(WAIT_READ_MIN_SEC, self._max_wait)
        self._wait = self._min_wait
        self._next_read: float | None = None  # when to look at the claims again; None: not waiting
        self._done_in_sheet: set[int] = set()  # held blocks already marked DONE with their last rows
        self._last_claimed: int | None = None
        self._stopping = threading.Event()
        self._beater: threading.Thread | None = None
        self._first_data_row = source.known_layout().first_data_row
        source.shared = True
        self.handed_over = 0

    # ----------------------------------------------------------------------------- start

    def start(self) -> None:
        """Open the claims, keep the blocks the journal says are ours and the sheet agrees, and list
        the blocks still to claim."""
        self._stopping.clear()
        self._todo.clear()
        self.board.open()
        self._states = self.board.read()
        records = {r.block: r for r in self.journal.claims(self.run_id)}
        rows_by_block: dict[int, list[int]] = {}
        for task in self.journal.tasks(self.run_id):
            if _needs_work(task):
                rows_by_block.setdefault(self.block_of(task.row), []).append(task.row)
        for block, rows in sorted(rows_by_block.items()):
            record = records.get(block)
            if record is not None and record.status in (ClaimStep.CLAIMING, ClaimStep.HELD):
                holding = Holding(block, record.epoch, record.session, self._case_ids(rows))
                state = self._states.get(block)
                if self.board.still_ours(holding, self._states) and state is not None:
                    holding.heartbeat, holding.status = state.heartbeat, state.status
                    self._holdings[block] = holding
                    self.journal.set_claim_status(self.run_id, [block], ClaimStep.HELD)
                    continue
                self.journal.set_claim_status(self.run_id, [block], ClaimStep.LOST)
            self._todo[block] = rows
        self._last_claimed = max(self._holdings, default=None)
        if self._beater is None or not self._beater.is_alive():
            self._beater = threading.Thread(target=self._beat_loop, name="claims-heartbeat", daemon=True)
            self._beater.start()

    @property
    def started(self) -> bool:
        """Whether ``start`` has opened the claims (a batch run writes back only after it has)."""
        return bool(self.board.session)

    def attach(self, say: Say) -> None:
        """Send messages to ``say`` (the run's reporter) from now on."""
        self._say = say

    def block_of(self, row: int) -> int:
        """The block of a sheet row."""
        return block_of(row, self._first_data_row, self._block_rows)

    # ----------------------------------------------------------------------------- claiming

    def claim_next(self) -> list[RowTask] | None:
        """Claim one more block; its rows to generate (possibly none). None when no block can be
        claimed now (all held, or held by colleagues who are alive): ``tick`` then looks again."""
        with self._lock:
            for block in self._claim_order():
                tasks = self._try_block(block)
                if tasks is not None:
                    self._next_read = None
                    self._wait = self._min_wait
                    self._last_claimed = block
                    return tasks
            for block, rows in sorted(self._todo.items()):
                state = self._states.get(block)
                if state is not None and block not in self._given_up and state.holder_id != self.run_id:
                    self._report_busy(state, rows)
            if self._next_read is None:
                self._next_read = self._clock() + self._wait
            return None

    def _claim_order(self) -> list[int]:
        """The blocks to try, the likeliest to be won first, so that colleagues who start together
        spread over the sheet instead of racing for the same block each time: the block after the one
        this run claimed last (its rows stay together); else the first block when nobody holds
        anything else; else the middle of the longest run of blocks nobody holds. Then the others in
        order."""
        candidates = sorted(b for b in self._todo if b not in self._given_up)
        free = [b for b in candidates if b not in self._states or not self._states[b].busy]
        first: int | None = None
        if self._last_claimed is not None and self._last_claimed + 1 in free:
            first = self._last_claimed + 1
        elif free and not any(s.busy and s.holder_id != self.run_id for s in self._states.values()):
            first = free[0]
        elif free:
            runs: list[list[int]] = []
            for block in free:
                if runs and runs[-1][-1] == block - 1:
                    runs[-1].append(block)
                else:
                    runs.append([block])
            longest = max(runs, key=len)
            first = longest[len(longest) // 2]
        return candidates if first is None else [first, *(b for b in candidates if b != first)]

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
                    self._report_stale(state, rows)
                    if self._on_stale is None:
                        self._given_up.add(block)  # the CLI ends the run; resume --take-over does them
                    return None
                self._say(
                    f"Taking over rows {_span(rows)} from {state.holder_name}, which has shown no sign of "
                    f"life for {_duration(self.board.liveness.silent_for(state))}.", "warning",
                )
            epoch = state.epoch + 1
        self.journal.record_claim(self.run_id, block, self.board.session, epoch, ClaimStep.CLAIMING, rows)
        try:
            holding = self.board.claim(block, epoch, self._case_ids(rows), batch=self.batch)
        except SessionGone:
            self._reopen()
            return None
        if holding is None:
            self.journal.set_claim_status(self.run_id, [block], ClaimStep.LOST)
            self._states = self.board.last_read  # someone else won: as the claim saw the tab then
            return None
        self.journal.set_claim_status(self.run_id, [block], ClaimStep.HELD)
        claimed_at = time.strftime("%H:%M")
        note = f"In progress by {self.board.holder_name}, since {claimed_at}"
        self.journal.note_claim(self.run_id, rows, note)
        self._holdings[block] = holding
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

    def _report_busy(self, state: BlockState, rows: list[int]) -> None:
        key = (state.block, state.epoch)
        if key not in self._reported_busy:
            self._reported_busy.add(key)
            self._say(
                f"Rows {_span(rows)} are in progress by {state.holder_name}, "
                f"since {local_hh_mm(state.since)}; this run waits for them.",
                "info",
            )

    def _report_stale(self, state: BlockState, rows: list[int]) -> None:
        key = (state.block, state.epoch)
        if key in self._reported_stale:
            return
        self._reported_stale.add(key)
        stale = StaleClaim(state.holder_name, sorted(rows), local_hh_mm(state.since),
                           self.board.liveness.silent_for(state), self.take_over_stale)
        if self._on_stale is None:
            self._say(f"{stale.describe()} Resume this run with --take-over ('simbatch resume RUN_ID "
                      "--take-over') to do them here.", "warning")
            return
        self._say(f"{stale.describe()} This run waits for them unless you take them over.", "warning")
        self._on_stale(stale)

    def take_over_stale(self) -> None:
        """The user agreed: take over every colleague's claim on this run's rows that is stale now or
        goes stale later (a live colleague's rows still wait)."""
        with self._lock:
            self.take_over = True
            self._given_up.clear()
            self._next_read = None

    # ----------------------------------------------------------------------------- liveness

    def tick(self) -> None:
        """While nothing can be claimed, read colleagues' claims again now and then (call often): soon
        after a block changed hands, less often while nothing moves."""
        now = self._clock()
        with self._lock:
            if self._next_read is None or now < self._next_read or not self.waiting:
                return
            before = self._watched()
            try:
                self._states = self.board.read()
            except SessionGone:
                self._reopen()
            moved = self._watched() != before
            self._wait = self._min_wait if moved else min(2 * self._wait, self._max_wait)
            self._next_read = now + self._wait

    def _watched(self) -> dict[int, tuple[int, str, str]]:
        """Who holds each block this run waits for, and how (a change may free it)."""
        return {
            b: (s.epoch, s.holder_id, s.status) for b, s in self._states.items() if b in self._todo
        }

    def _beat_loop(self) -> None:
        """Heartbeat thread: a fenced write for the held blocks whenever none went out for a while,
        so a busy run (long write-backs, a slow network) never looks dead to colleagues."""
        while not self._stopping.wait(min(self._beat_every / 4, 1.0)):
            with self._lock:
                if not self._holdings or self._clock() - self._last_beat < self._beat_every:
                    continue
                try:
                    self._fenced(list(self._holdings.values()), [])
                except SimBatchError as exc:  # the next beat tries again; the lease is long
                    log.warning("Heartbeat not sent: %s", exc)

    def _reopen(self) -> None:
        """The claims tab is gone (a colleague tidied it): every holding is lost; start a new session."""
        for holding in list(self._holdings.values()):
            self._lose(holding)
        self.board.open()
        self._states = self.board.read()

    def _lose(self, holding: Holding) -> None:
        rows = self._rows_still_needing_work(holding.block)
        self.journal.set_claim_status(self.run_id, [holding.block], ClaimStep.LOST)
        del self._holdings[holding.block]
        if rows:
            self._todo[holding.block] = rows
            self._given_up.discard(holding.block)

    def _rows_still_needing_work(self, block: int) -> list[int]:
        return [
            t.row for t in self.journal.tasks(self.run_id) if self.block_of(t.row) == block and _needs_work(t)
        ]

    def _fenced(
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
                self._reopen()
                return lost
            except ClaimLost as refused:
                try:
                    states = self.board.read()
                except SessionGone:
                    lost |= {h.block for h in holdings}
                    self._reopen()
                    return lost
                gone = [h for h in holdings if not self.board.still_ours(h, states)]
                if not gone:  # refused for another reason (a cell too long …): say that one
                    cause = refused.__cause__
                    raise (cause if isinstance(cause, SimBatchError) else refused) from refused
                for holding in gone:
                    state = states.get(holding.block)
                    who = state.holder_name if state else "a colleague"
                    self._say(f"{who} took over rows {_span(self._rows_of(holding.block))}; this computer "
                              "writes nothing of them.", "warning")
                    lost.add(holding.block)
                    self._lose(holding)
                self._states = states
                holdings = [h for h in holdings if h.block not in lost]
                if requests:
                    return lost  # the caller rebuilds its cell writes without the lost blocks
        return lost

    # ----------------------------------------------------------------------------- writing

    def allowed_rows(self, rows: Sequence[int]) -> set[int]:
        """The rows whose block this run holds now."""
        with self._lock:
            return {row for row in rows if self.block_of(row) in self._holdings}

    def write(self, values_by_row: Mapping[int, Mapping[CellRef, CellValue]]) -> set[int]:
        """Write the cells of each run row together with the claim check of its block; returns the
        rows not written because their block was lost (nothing of those reached the sheet).

        ``values_by_row`` names every row this write-back finishes (a row with nothing to write maps
        to no cells). A block whose last rows these are is marked DONE in the same request, so a
        colleague waiting for it sees it free without one more call."""
        with self._lock:
            # Rows without cells stay: their block's claim check goes in the same fenced write.
            refused: set[int] = {row for row in values_by_row if self.block_of(row) not in self._holdings}
            pending = {row: cells for row, cells in values_by_row.items() if row not in refused}
            while pending:
                finishing = self._finishing(pending)
                blocks = sorted({self.block_of(row) for row in pending})
                holdings = [self._holdings[b] for b in blocks]
                merged = {ref: value for cells in pending.values() for ref, value in cells.items()}
                done = dict.fromkeys(finishing, ClaimStatus.DONE.value)
                lost = self._fenced(holdings, self.source.cell_requests(merged), done)
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
        return {block for block, count in counts.items() if self._work_left(block) == (0, count)}

    def _work_left(self, block: int) -> tuple[int, int]:
        """(this run's rows of ``block`` still to generate, those generated but not written yet)."""
        first = self._first_data_row + block * self._block_rows
        return self.journal.work_left(self.run_id, first, first + self._block_rows - 1)

    def block_to_release(self) -> bool:
        """Whether a held block has all its rows generated and some not written yet: writing them now
        releases the block (a colleague may be waiting for it)."""
        with self._lock:
            return any(
                open_rows == 0 and unwritten > 0
                for open_rows, unwritten in map(self._work_left, self._holdings)
            )

    def settle(self) -> None:
        """Drop the blocks whose rows are all finished and written: mark them DONE in the sheet (one
        request; none when their last write-back did already)."""
        with self._lock:
            finished = [h for b, h in self._holdings.items() if self._work_left(b) == (0, 0)]
            if not finished:
                return
            to_mark = [h for h in finished if h.block not in self._done_in_sheet]
            lost = self._fenced(to_mark, [], ClaimStatus.DONE) if to_mark else set()
            done = [h.block for h in finished if h.block not in lost]
            for block in done:
                del self._holdings[block]
                self._done_in_sheet.discard(block)
            self.journal.set_claim_status(self.run_id, done, ClaimStep.DONE)
            if done and self._next_read is not None:  # this run may have nothing else to do now
                self._wait = self._min_wait
                self._next_read = min(self._next_read, self._clock() + self._wait)

    def stop(self) -> None:
        """Stop heartbeating and keep the claims (a Batch API job in flight holds them for its life)."""
        self._stopping.set()
        if self._beater is not None:
            self._beater.join()
            self._beater = None

    def finish(self) -> None:
        """Release what is still held (colleagues may take it at once) and tidy the claims when no
        block is busy any more."""
        self.stop()
        with self._lock:
            try:
                self.settle()
                if self._holdings:
                    held = list(self._holdings.values())
                    lost = self._fenced(held, [], ClaimStatus.RELEASED)
                    released = [h.block for h in held if h.block not in lost]
                    self.journal.set_claim_status(self.run_id, released, ClaimStep.RELEASED)
                    self._holdings.clear()
                if self.board.tidy():
                    log.info("Claims tab tidied away: no block is busy.")
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

    def _rows_of(self, block: int) -> list[int]:
        return [t.row for t in self.journal.tasks(self.run_id) if self.block_of(t.row) == block]

    def _hand_over(self, block: int, rows: list[int], note: str) -> None:
        self.journal.hand_over(self.run_id, rows, note)
        in_flight = [t.row for t in self._tasks(rows) if t.status is RowStatus.PROCESSING]
        self.handed_over += len(rows) - len(in_flight)
        if in_flight:  # answers still coming: look at the block again once they are in
            self._todo[block] = in_flight
        else:
            self._todo.pop(block, None)


def _needs_work(task: RowTask) -> bool:
    """Not finished here: still to generate, or generated but not written yet (rows handed over to a
    colleague are CANCELLED, and are not)."""
    if task.status in (RowStatus.PENDING, RowStatus.PROCESSING, RowStatus.SUBMITTED):
        return True
    return task.status == RowStatus.COMPLETED and task.written_at is None


def _duration(seconds: float) -> str:
    """``10 min``, or ``45 s`` under a minute (a lease shortened in tests or settings)."""
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


def _span(rows: Sequence[int]) -> str:
    ordered = sorted(rows)
    if not ordered:
        return "(none)"
    return f"{ordered[0]}" if len(ordered) == 1 else f"{ordered[0]}-{ordered[-1]}"


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
