"""Watching colleagues while a run waits for their rows: saying who holds them, offering to take over a
claim that shows no sign of life, and when to read the claims again.

Each colleague's claim is reported once per (block, epoch). While nothing can be claimed, the claims
are read again after ``WAIT_READ_MIN_SEC``, then twice as long each time nothing changed, up to
``MAX_WAIT_READ_SEC`` (a waiting client's reads stay far under Google's 60 per minute).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from desktop.domain.rowspec import format_rows
from desktop.domain.utc_stamps import local_hh_mm
from desktop.jobs.report import Say
from desktop.services.claims import ClaimBoard, SessionGone
from desktop.services.claims_tab import BlockState

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
        return format_rows(self.rows)

    def describe(self) -> str:
        """``Dana's PC claimed rows 52-101 at 10:42 but has shown no sign of life for 10 min.``"""
        return (f"{self.holder} claimed rows {self.span} at {self.since} but has shown no sign of life "
                f"for {silence(self.silent_sec)}.")


def silence(seconds: float) -> str:
    """``10 min``, or ``45 s`` under a minute (a lease shortened in tests or settings)."""
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


class ColleagueWatch:
    """What a run says about colleagues' claims on its rows, and when it looks at them again.

    Not thread-safe on its own: ``SharedRows`` calls it under its lock.
    """

    def __init__(
        self,
        board: ClaimBoard,
        say: Say,
        take_over: Callable[[], None],
        *,
        reopen: Callable[[], None],
        on_stale: Callable[[StaleClaim], None] | None = None,
        max_wait: float = MAX_WAIT_READ_SEC,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._board = board
        self._liveness = board.liveness
        self._say = say
        self._reopen = reopen  # the claims tab is gone: lose what is held and open a new session
        self._take_over = take_over
        #: Offers the user to take over a colleague's stale claim (the app); the run then waits for
        #: the answer. Without it (the command line) the run leaves those rows for ``--take-over``.
        self.on_stale = on_stale
        self._clock = clock
        self._reported_busy: set[tuple[int, int]] = set()
        self._reported_stale: set[tuple[int, int]] = set()
        self._max_wait = min(max_wait, MAX_WAIT_READ_SEC)
        self._min_wait = min(WAIT_READ_MIN_SEC, self._max_wait)
        self._wait = self._min_wait
        self._next_read: float | None = None  # when to look at the claims again; None: not waiting

    # ----------------------------------------------------------------------------- reports

    def report_busy(self, state: BlockState, rows: Sequence[int]) -> None:
        """Say once that a live colleague holds ``rows`` and this run waits for them."""
        key = (state.block, state.epoch)
        if key not in self._reported_busy:
            self._reported_busy.add(key)
            self._say(
                f"Rows {format_rows(rows)} are in progress by {state.holder_name}, "
                f"since {local_hh_mm(state.since)}; this run waits for them.",
                "info",
            )

    def report_stale(self, state: BlockState, rows: Sequence[int]) -> None:
        """Say once that a colleague's claim on ``rows`` went stale, and offer to take it over (the app)
        or tell how to (the command line)."""
        key = (state.block, state.epoch)
        if key in self._reported_stale:
            return
        self._reported_stale.add(key)
        stale = StaleClaim(state.holder_name, sorted(rows), local_hh_mm(state.since),
                           self._liveness.silent_for(state), self._take_over)
        if self.on_stale is None:
            self._say(f"{stale.describe()} Resume this run with --take-over ('simbatch resume RUN_ID "
                      "--take-over') to do them here.", "warning")
            return
        self._say(f"{stale.describe()} This run waits for them unless you take them over.", "warning")
        self.on_stale(stale)

    def taking_over(self, state: BlockState, rows: Sequence[int]) -> None:
        """Say that this run takes over a stale claim on ``rows``."""
        self._say(
            f"Taking over rows {format_rows(rows)} from {state.holder_name}, which has shown no sign of "
            f"life for {silence(self._liveness.silent_for(state))}.", "warning",
        )

    # ----------------------------------------------------------------------------- when to look again

    def claimed(self) -> None:
        """A block was won: not waiting any more, and a later wait starts short."""
        self._next_read = None
        self._wait = self._min_wait

    def look_now(self) -> None:
        """Look at the claims at the next ``due`` (the user agreed to take over stale claims)."""
        self._next_read = None

    def nothing_to_claim(self) -> None:
        """Nothing could be claimed: look again after the current wait (unless already waiting)."""
        if self._next_read is None:
            self._next_read = self._clock() + self._wait

    def due(self, now: float) -> bool:
        """Whether a waiting run should read the claims again at ``now``."""
        return self._next_read is not None and now >= self._next_read

    def look(self, now: float, waiting_for: Collection[int]) -> None:
        """Read the claims again at ``now`` (the run waits for the blocks ``waiting_for``); look again
        soon after one of them changed hands, later while nothing moves."""
        before = self._holders(waiting_for)
        try:
            self._board.read()
        except SessionGone:
            self._reopen()
        moved = self._holders(waiting_for) != before
        self._wait = self._min_wait if moved else min(2 * self._wait, self._max_wait)
        self._next_read = now + self._wait

    def _holders(self, blocks: Collection[int]) -> dict[int, tuple[int, str, str]]:
        """Who holds each of ``blocks``, and how (a change may free it)."""
        return {
            b: (s.epoch, s.holder_id, s.status) for b, s in self._board.last_read.items() if b in blocks
        }

    def soon(self) -> None:
        """This run finished blocks (it may have nothing else to do): a waiting run looks again soon."""
        if self._next_read is not None:
            self._wait = self._min_wait
            self._next_read = min(self._next_read, self._clock() + self._wait)
