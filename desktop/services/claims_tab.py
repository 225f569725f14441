"""The claims tab's contents: blocks of rows, and one block's claim as a row of that hidden tab.

The rows of a scenario tab are cut into blocks of ``BLOCK_ROWS`` sheet rows from the first data row.
The claims tab, titled ``SimBatch claims <session>``, has a header and then one row per block:
``Block, Epoch, Holder_ID, Holder_Name, Since, Heartbeat, Status, Case_IDs``. This module reads and
writes those rows; ``desktop.services.claims`` changes them in the sheet.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from desktop.domain.models import CellValue
from desktop.domain.utc_stamps import utc_stamp

BLOCK_ROWS = 50
CLAIMS_TITLE = "SimBatch claims"
STATE_COLUMNS: tuple[str, ...] = (
    "Block", "Epoch", "Holder_ID", "Holder_Name", "Since", "Heartbeat", "Status", "Case_IDs",
)
#: The block rows below the header, every column.
STATE_RANGE = "A2:H"
#: 0-based column of ``Heartbeat``; ``Status`` follows it (a fenced write sets both).
HEARTBEAT_COLUMN = STATE_COLUMNS.index("Heartbeat")


class ClaimStatus(StrEnum):
    """The state of a block in the claims tab."""

    HELD = "HELD"  # a live run works on it; its heartbeat moves
    BATCH = "BATCH"  # held for the life of a Batch API job
    DONE = "DONE"  # its holder finished its rows
    RELEASED = "RELEASED"  # its holder stopped early; anyone may take it at once


@dataclass(slots=True)
class BlockState:
    """One block's row in the claims tab."""

    block: int
    epoch: int
    holder_id: str
    holder_name: str
    since: str  # UTC, ISO 8601, as the holder's computer stamped it
    heartbeat: int
    status: str
    case_ids: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        """Held by a live run or a batch (whether or not that holder is still alive)."""
        return self.status in (ClaimStatus.HELD, ClaimStatus.BATCH)


def block_of(row: int, first_data_row: int, size: int = BLOCK_ROWS) -> int:
    """The block a sheet row belongs to (blocks are runs of ``size`` rows from the first data row)."""
    return max(0, row - first_data_row) // size


def tab_title(session: str) -> str:
    """The claims tab's title in ``session``."""
    return f"{CLAIMS_TITLE} {session}"


def session_of(title: str) -> str:
    """The session a claims tab's title carries (``tab_title`` reversed)."""
    return title.rsplit(" ", 1)[-1]


def row_index_of(block: int) -> int:
    """The 0-based row of the claims tab that holds ``block``'s claim (row 0 is the header)."""
    return block + 1


def claim_row(
    block: int, epoch: int, holder_id: str, holder_name: str, status: ClaimStatus, case_ids: Sequence[str]
) -> list[CellValue]:
    """A new claim's row: stamped now, heartbeat 0."""
    return [block, epoch, holder_id, holder_name, utc_stamp(), 0, status.value, json.dumps(list(case_ids))]


def parse_block_state(line: Sequence[Any]) -> BlockState | None:
    """A block's claim from a row of the claims tab as read; None for a row that names no block."""
    cells = list(line) + [None] * (len(STATE_COLUMNS) - len(line))
    try:
        block, epoch = int(cells[0]), int(cells[1])
    except (TypeError, ValueError):
        return None
    try:
        case_ids = [str(c) for c in json.loads(str(cells[7] or "[]"))]
    except ValueError:
        case_ids = []
    try:
        heartbeat = int(cells[5] or 0)
    except (TypeError, ValueError):
        heartbeat = 0
    return BlockState(
        block, epoch, str(cells[2] or ""), str(cells[3] or ""), str(cells[4] or ""), heartbeat,
        str(cells[6] or ""), case_ids,
    )
