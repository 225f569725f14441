"""One contender of the claim race test: claims blocks 0 … N-1 of one sheet as fast as it can and
prints the blocks it won, as JSON. Run several at once; exactly one may win each block."""

from __future__ import annotations

import json
import sys

from google.auth.credentials import AnonymousCredentials

from desktop.services.claims import ClaimBoard
from desktop.services.sheets import SheetsGateway


def main(endpoint: str, spreadsheet_id: str, name: str, rounds: int) -> None:
    gateway = SheetsGateway(
        spreadsheet_id, lambda: AnonymousCredentials(), endpoint,
        reads_per_minute=1_000_000, writes_per_minute=1_000_000,
    )
    board = ClaimBoard(gateway, 0, holder_id=name, holder_name=name)
    board.open()
    won = [block for block in range(rounds) if board.claim(block, 0, [f"CASE-{block}"]) is not None]
    print(json.dumps({"name": name, "won": won, "session": board.session}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
