"""Who else works on a shared Google Sheet: the rows colleagues' SimBatches hold, for tables and estimates."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from desktop.domain.utc_stamps import local_hh_mm
from desktop.errors import SimBatchError
from desktop.services.claims import ClaimBoard, SessionGone
from desktop.services.claims_tab import ClaimStatus
from desktop.services.gsheet_source import GoogleSheetSource

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ColleagueClaim:
    """A row someone else's SimBatch holds: who, and since when (their clock, shown in ours)."""

    holder: str
    since: str
    batch: bool = False

    def describe(self) -> str:
        """``in progress by Dana's PC, since 10:42``."""
        what = "in a batch job of" if self.batch else "in progress by"
        return f"{what} {self.holder}, since {self.since}"


def colleague_claims(source: object, own_run_ids: Collection[str] = ()) -> dict[str, ColleagueClaim]:
    """Case IDs claimed by other SimBatches on a Google Sheet (two reads; nothing for a workbook or
    when nobody claims anything). Rows of ``own_run_ids`` are not colleagues'."""
    if not isinstance(source, GoogleSheetSource):
        return {}
    board = ClaimBoard(source.gateway, source.scenario_sheet_id(), "", "")
    if not board.join():
        return {}
    try:
        states = board.read()
    except SessionGone:
        return {}
    claims: dict[str, ColleagueClaim] = {}
    for state in states.values():
        if not state.busy or state.holder_id in own_run_ids:
            continue
        claim = ColleagueClaim(state.holder_name, local_hh_mm(state.since), state.status == ClaimStatus.BATCH)
        for case_id in state.case_ids:
            claims[case_id] = claim
    return claims


def claims_text(source: object) -> dict[str, str]:
    """``{case_id: "in progress by Dana's PC, since 10:42"}`` for rows colleagues hold (for tables);
    empty when the claims cannot be read (they are advisory here: runs check them again)."""
    try:
        return {case: claim.describe() for case, claim in colleague_claims(source).items()}
    except SimBatchError as exc:
        log.info("Colleagues' claims not shown: %s", exc)
        return {}
