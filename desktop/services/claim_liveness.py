"""Whether colleagues holding claims are still alive, timed on this computer's own clock.

A holder shows it is alive by changing its block's row (its heartbeat, epoch or status). An observer
notes, each time it reads the claims, when each block's row last changed on its **own monotonic
clock**; clocks of different computers are never compared. A busy block silent for its lease is stale.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from desktop.services.claims_tab import BlockState, ClaimStatus

#: A block whose heartbeat has not moved for this long (on the observer's clock) may be taken over.
LEASE_SEC = 600.0
#: A block held for a Batch API job stays claimed for the provider's whole 24-hour window, and more.
BATCH_LEASE_SEC = 26 * 3600.0


class Liveness:
    """When each block's claim last changed, as seen by this computer. Thread-safe."""

    def __init__(
        self,
        *,
        lease: float = LEASE_SEC,
        batch_lease: float = BATCH_LEASE_SEC,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lease = lease
        self.batch_lease = batch_lease
        self._clock = clock
        self._seen: dict[int, tuple[tuple[int, int, str], float]] = {}
        self._lock = threading.Lock()

    def observe(self, states: Mapping[int, BlockState]) -> None:
        """Note the claims as just read: a block whose (epoch, heartbeat, status) changed is alive now."""
        now = self._clock()
        with self._lock:
            for block, state in states.items():
                key = (state.epoch, state.heartbeat, state.status)
                seen = self._seen.get(block)
                if seen is None or seen[0] != key:
                    self._seen[block] = (key, now)

    def forget(self) -> None:
        """Start over (a new claims session: its blocks have nothing to do with the old ones)."""
        with self._lock:
            self._seen.clear()

    def silent_for(self, state: BlockState) -> float:
        """Seconds (on this computer's clock) since ``state`` last changed, as seen by ``observe``."""
        with self._lock:
            seen = self._seen.get(state.block)
        return 0.0 if seen is None else self._clock() - seen[1]

    def is_stale(self, state: BlockState) -> bool:
        """Whether a busy block's holder has shown no sign of life for its lease."""
        if not state.busy:
            return False
        lease = self.batch_lease if state.status == ClaimStatus.BATCH else self.lease
        return self.silent_for(state) >= lease
