"""Who else works on a shared Google Sheet: the rows colleagues' SimBatches hold, for tables and estimates."""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from dataclasses import dataclass

from desktop.domain.utc_stamps import local_hh_mm
from desktop.errors import SimBatchError
from desktop.jobs.colleague_watch import silence
from desktop.services.claim_liveness import LEASE_SEC, Liveness
from desktop.services.claims import ClaimBoard, SessionGone
from desktop.services.claims_tab import ClaimStatus
from desktop.services.gsheet_source import GoogleSheetSource

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ColleagueClaim:
    """A row someone else's SimBatch holds: who, and since when (their clock, shown in ours); and, once
    the claim has not changed for its lease across this computer's reads, for how long (seconds)."""

    holder: str
    since: str
    batch: bool = False
    silent_sec: float | None = None

    def describe(self) -> str:
        """``in progress by Dana's PC, since 10:42``, or for a stale claim ``claimed by Dana's PC at
        10:42, no sign of life for 12 min``."""
        if self.silent_sec is not None:
            return f"claimed by {self.holder} at {self.since}, no sign of life for {silence(self.silent_sec)}"
        what = "in a batch job of" if self.batch else "in progress by"
        return f"{what} {self.holder}, since {self.since}"


class ClaimsSeen:
    """What this computer has seen of a sheet's claims over its reads: a claim that has not changed for
    its lease is stale (the holder's clock is never compared with ours). Thread-safe through
    ``Liveness``; one per open source."""

    def __init__(self, lease: float = LEASE_SEC) -> None:
        self._lease = lease
        self._session = ""
        self._liveness = Liveness(lease=lease)
        self._guard = threading.Lock()

    def liveness_for(self, session: str) -> Liveness:
        """The liveness of ``session``'s claims (a new claims tab starts over)."""
        with self._guard:
            if session != self._session:
                self._session, self._liveness = session, Liveness(lease=self._lease)
            return self._liveness


def colleague_claims(
    source: object, own_run_ids: Collection[str] = (), seen: ClaimsSeen | None = None
) -> dict[str, ColleagueClaim]:
    """Case IDs claimed by other SimBatches on a Google Sheet (two reads; nothing for a workbook or
    when nobody claims anything). Rows of ``own_run_ids`` are not colleagues'. With ``seen`` (kept
    across reads) a claim unchanged for its lease says how long it has been silent."""
    if not isinstance(source, GoogleSheetSource):
        return {}
    board = ClaimBoard(source.gateway, source.scenario_sheet_id(), "", "")
    if not board.join():
        return {}
    if seen is not None:
        board.liveness = seen.liveness_for(board.session)
    try:
        states = board.read()
    except SessionGone:
        return {}
    claims: dict[str, ColleagueClaim] = {}
    for state in states.values():
        if not state.busy or state.holder_id in own_run_ids:
            continue
        stale = seen is not None and board.liveness.is_stale(state)
        silent = board.liveness.silent_for(state) if stale else None
        claim = ColleagueClaim(
            state.holder_name, local_hh_mm(state.since), state.status == ClaimStatus.BATCH, silent
        )
        for case_id in state.case_ids:
            claims[case_id] = claim
    return claims


def claims_text(source: object, seen: ClaimsSeen | None = None) -> dict[str, str]:
    """``{case_id: "in progress by Dana's PC, since 10:42"}`` for rows colleagues hold (for tables;
    ``seen`` tells stale claims apart); empty when the claims cannot be read (they are advisory here:
    runs check them again)."""
    try:
        return {case: claim.describe() for case, claim in colleague_claims(source, seen=seen).items()}
    except SimBatchError as exc:
        log.info("Colleagues' claims not shown: %s", exc)
        return {}
