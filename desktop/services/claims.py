"""Claims on blocks of rows, kept in the Google Sheet itself, so colleagues never process a row twice.

The sheet is the only thing colleagues share, and Sheets has no compare-and-set on values. What it
does have: ``spreadsheets.batchUpdate`` is all-or-nothing, and ``AddSheet`` with a ``sheetId`` that
exists fails. So:

- **Claim** block *b* at epoch *e*: one batchUpdate that adds a tiny hidden *token* tab whose id is
  derived from (session, b, e) and writes the block's row in the hidden claims tab. Exactly one
  client's batch can add that id; the loser's batch changes nothing.
- **Fence**: every later write of the holder (heartbeat, write-back, release) is one batchUpdate that
  first adds and deletes the token of epoch *e + 1* and touches its own token. If someone took the
  block over (token *e + 1* exists) or the session was tidied away (own token gone), the batch fails
  as a whole and none of its cell writes land.
- **Liveness** is a heartbeat counter in the block's row; ``desktop.services.claim_liveness`` times
  how long it has not moved.

The claims tab's rows are read and written by ``desktop.services.claims_tab``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from desktop.domain.models import CellValue
from desktop.errors import SimBatchError
from desktop.services.claim_liveness import Liveness
from desktop.services.claims_tab import (
    HEARTBEAT_COLUMN,
    STATE_COLUMNS,
    STATE_RANGE,
    BlockState,
    ClaimStatus,
    claim_row,
    parse_block_state,
    row_index_of,
    session_of,
    tab_title,
)
from desktop.services.gsheet_cells import update_cells
from desktop.services.sheets import RequestRefused, SheetsGateway, TabInfo, a1

log = logging.getLogger(__name__)

_MAX_SHEET_ID = 2**31 - 1
#: What a fenced write sets in the blocks' Status cells: nothing new, one status for all, or per block.
Status = str | Mapping[int, str] | None


class ClaimLost(SimBatchError):
    """A fenced write was refused: one of the blocks is no longer ours. Nothing of it was written."""

    exit_code = 3


class SessionGone(SimBatchError):
    """The claims tab disappeared (a colleague tidied it when the shared run ended); open it again."""

    exit_code = 3


@dataclass(slots=True)
class Holding:
    """A block this client holds: the epoch it won and the heartbeat it last wrote."""

    block: int
    epoch: int
    session: str
    case_ids: list[str]
    heartbeat: int = 0
    status: str = ClaimStatus.HELD


def sheet_id_for(key: str) -> int:
    """A deterministic sheet id in 1 … 2³¹−1 for ``key`` (the same on every computer)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % (_MAX_SHEET_ID - 1) + 1


class ClaimBoard:
    """The claims of one scenario tab, read and changed only through the Sheets gateway.

    ``holder_id`` identifies the claiming run (a run id: unique, and the same after a restart);
    ``holder_name`` is what colleagues see ("Dana's PC").
    """

    def __init__(
        self,
        gateway: SheetsGateway,
        scenario_sheet_id: int,
        holder_id: str,
        holder_name: str,
        *,
        liveness: Liveness | None = None,
    ) -> None:
        self.gateway = gateway
        self.holder_id = holder_id
        self.holder_name = holder_name
        #: How long each block's claim has not changed, as ``read`` saw it.
        self.liveness = liveness or Liveness()
        self.state_sheet_id = sheet_id_for(f"simbatch-claims:{scenario_sheet_id}")
        self.session = ""
        self._state_rows = 0
        #: Every block's claim as ``read`` last found it.
        self.last_read: dict[int, BlockState] = {}

    # ----------------------------------------------------------------------------- session

    def open(self) -> str:
        """Find the claims tab, or create it (racing other clients through AddSheet); its session."""
        info = self._find_state_tab()
        if info is None:
            nonce = secrets.token_hex(4)
            request = {"addSheet": {"properties": {
                "sheetId": self.state_sheet_id, "title": tab_title(nonce), "hidden": True,
                "gridProperties": {"rowCount": 200, "columnCount": len(STATE_COLUMNS)},
            }}}
            header = update_cells(self.state_sheet_id, 0, 0, [list(STATE_COLUMNS)])
            try:
                self.gateway.structure([request, header])
            except RequestRefused:
                log.debug("Another client created the claims tab first.")
            info = self._find_state_tab()
            if info is None:
                raise SessionGone("The claims tab of this sheet could not be created; try again.")
        self.session = session_of(info.title)
        self._state_rows = info.rows
        self.liveness.forget()
        return self.session

    def join(self) -> bool:
        """Use the claims tab if there is one (never creates it); False when nobody claims anything."""
        info = self._find_state_tab()
        if info is None:
            return False
        self.session = session_of(info.title)
        self._state_rows = info.rows
        return True

    def _find_state_tab(self) -> TabInfo | None:
        return next((t for t in self.gateway.metadata() if t.sheet_id == self.state_sheet_id), None)

    def token_id(self, block: int, epoch: int, session: str | None = None) -> int:
        """The sheet id whose creation wins ``block`` at ``epoch`` in ``session``."""
        return sheet_id_for(f"{session or self.session}:{block}:{epoch}")

    # ----------------------------------------------------------------------------- reading

    def read(self) -> dict[int, BlockState]:
        """Every block's claim (one read), noted in ``liveness``. ``SessionGone`` when the claims tab is
        gone."""
        try:
            [values] = self.gateway.batch_get([a1(tab_title(self.session), STATE_RANGE)])
        except RequestRefused as exc:
            raise SessionGone("The claims tab was tidied away by a colleague.") from exc
        states: dict[int, BlockState] = {}
        for line in values:
            state = parse_block_state(line)
            if state is not None:
                states[state.block] = state
        self.liveness.observe(states)
        self.last_read = states
        return states

    # ----------------------------------------------------------------------------- claiming

    def claim(
        self, block: int, epoch: int, case_ids: Sequence[str], *, batch: bool = False
    ) -> Holding | None:
        """Try to win ``block`` at ``epoch``; the holding, or None when another client won it."""
        status = ClaimStatus.BATCH if batch else ClaimStatus.HELD
        token = {"addSheet": {"properties": {
            "sheetId": self.token_id(block, epoch),
            "title": f"SimBatch claim {self.session} {block}.{epoch}",
            "hidden": True, "gridProperties": {"rowCount": 1, "columnCount": 1},
        }}}
        row = claim_row(block, epoch, self.holder_id, self.holder_name, status, case_ids)
        requests: list[dict[str, Any]] = [token]
        needed = row_index_of(block) + 1
        if needed > self._state_rows:
            grow = max(needed - self._state_rows, 200)
            requests.append(
                {"appendDimension": {"sheetId": self.state_sheet_id, "dimension": "ROWS", "length": grow}}
            )
        requests.append(update_cells(self.state_sheet_id, row_index_of(block), 0, [row]))
        try:
            self.gateway.structure(requests)
        except RequestRefused:
            # Lost the race, or our own first attempt landed and its reply was lost: the tab says which
            # (``read`` raises SessionGone when the claims tab itself is gone).
            state = self.read().get(block)
            if state is None or state.epoch != epoch or state.holder_id != self.holder_id:
                return None
        if needed > self._state_rows:
            self._state_rows = max(self._state_rows + 200, needed)
        return Holding(block, epoch, self.session, list(case_ids), 0, status.value)

    def fence(self, holdings: Iterable[Holding], status: Status = None) -> list[dict[str, Any]]:
        """The requests that make a batchUpdate apply only while we hold every block of ``holdings``;
        each bumps its block's heartbeat (and sets ``status`` when given: one for every block, or
        ``{block: status}`` for some of them)."""
        requests: list[dict[str, Any]] = []
        for holding in holdings:
            if holding.session != self.session:
                raise ClaimLost(f"The claim on block {holding.block} belongs to an earlier session.")
            successor = self.token_id(holding.block, holding.epoch + 1)
            requests.append({"addSheet": {"properties": {
                "sheetId": successor, "title": f"SimBatch probe {self.session} {holding.block}",
                "hidden": True, "gridProperties": {"rowCount": 1, "columnCount": 1},
            }}})
            requests.append({"deleteSheet": {"sheetId": successor}})
            requests.append({"updateSheetProperties": {
                "properties": {"sheetId": self.token_id(holding.block, holding.epoch), "hidden": True},
                "fields": "hidden",
            }})
            cells: list[CellValue] = [holding.heartbeat + 1, status_of(holding, status)]
            requests.append(
                update_cells(self.state_sheet_id, row_index_of(holding.block), HEARTBEAT_COLUMN, [cells])
            )
        return requests

    def fenced(
        self, holdings: Sequence[Holding], requests: Sequence[dict[str, Any]], status: Status = None
    ) -> None:
        """Apply ``requests`` in one batchUpdate that succeeds only while every block is still ours.

        ``ClaimLost`` when refused (nothing was applied). On success the heartbeats are advanced.
        """
        body = self.fence(holdings, status) + list(requests)
        if not body:
            return
        try:
            self.gateway.structure(body)
        except RequestRefused as exc:
            raise ClaimLost(
                "A colleague has taken over rows this computer held; its writes were refused."
            ) from exc
        for holding in holdings:
            holding.heartbeat += 1
            holding.status = status_of(holding, status)

    def still_ours(self, holding: Holding, states: dict[int, BlockState]) -> bool:
        """Whether the tab still shows ``holding`` as ours (after a refused fenced write, or a restart)."""
        state = states.get(holding.block)
        return (
            holding.session == self.session
            and state is not None
            and state.epoch == holding.epoch
            and state.holder_id == self.holder_id
        )

    # ----------------------------------------------------------------------------- tidying

    def tidy(self) -> bool:
        """Delete the claims tab and every token when no block is busy; True when it did.

        A claim racing with this fails (its claims tab is gone) and its client opens a new session.
        """
        try:
            states = self.read()
        except SessionGone:
            return False  # a colleague tidied it already
        if any(state.busy for state in states.values()):
            return False
        existing = {t.sheet_id for t in self.gateway.metadata()}
        tokens = [
            self.token_id(state.block, epoch)
            for state in states.values()
            for epoch in range(state.epoch + 1)
        ]
        requests = [{"deleteSheet": {"sheetId": sid}} for sid in tokens if sid in existing]
        requests.append({"deleteSheet": {"sheetId": self.state_sheet_id}})
        try:
            self.gateway.structure(requests)
        except RequestRefused:
            return False  # someone claimed or tidied meanwhile; they will tidy later
        return True


def status_of(holding: Holding, status: Status) -> str:
    """The status a fenced write gives ``holding``'s block: ``status`` (for every block, or looked up by
    block), else the one it has."""
    if isinstance(status, Mapping):
        return str(status.get(holding.block, holding.status))
    return str(status or holding.status)
