"""The claim primitive itself: AddSheet of one sheet id inside an all-or-nothing batchUpdate."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

from google.auth.credentials import AnonymousCredentials

from desktop.services.claims import ClaimBoard, ClaimLost, sheet_id_for
from desktop.services.sheets import SheetsGateway
from tests.conftest import REPO_ROOT
from tests.fakes.sheets_server import FakeSheets
from tests.torture.helpers import TAB, full_run, scenario_rows

#: Claims each of the three contenders goes for (every one contested); more under ``make torture``.
ROUNDS = 500 if full_run() else 150


def board_for(fake: FakeSheets, name: str) -> ClaimBoard:
    gateway = SheetsGateway(fake.spreadsheet_id, lambda: AnonymousCredentials(), fake.endpoint)
    board = ClaimBoard(gateway, 0, holder_id=name, holder_name=f"{name}'s PC")
    board.open()
    return board


def test_three_processes_racing_for_the_same_claims_win_each_exactly_once() -> None:
    with FakeSheets(tabs={TAB: scenario_rows(3)}) as fake:
        command = [sys.executable, "-m", "tests.sharing.claim_racer", fake.endpoint, fake.spreadsheet_id]
        racers = [
            subprocess.Popen([*command, name, str(ROUNDS)], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
            for name in ("dana", "sam", "kim")
        ]
        results = [json.loads(p.communicate(timeout=240)[0]) for p in racers]
        assert all(p.returncode == 0 for p in racers)
        assert len({r["session"] for r in results}) == 1  # they also raced to create the claims tab
        wins = Counter(block for r in results for block in r["won"])
        assert sorted(wins) == list(range(ROUNDS)) and set(wins.values()) == {1}
        # The claims tab names the winner of each block; the refused batches changed nothing.
        states = board_for(fake, "observer").read()
        winner = {block: r["name"] for r in results for block in r["won"]}
        assert {b: s.holder_id for b, s in states.items()} == winner
        assert sum(len(r["won"]) for r in results) == ROUNDS
        contested = fake.count("spreadsheets.batchUpdate", status=400)
        assert contested > 0  # the race was real: some claims were refused by the service


def test_a_refused_batch_applies_nothing_and_a_fenced_write_fails_after_a_takeover() -> None:
    with FakeSheets(tabs={TAB: scenario_rows(3)}) as fake:
        dana, sam = board_for(fake, "dana"), board_for(fake, "sam")
        held = dana.claim(0, 0, ["GEN-0000"])
        assert held is not None
        assert sam.claim(0, 0, ["GEN-0000"]) is None  # the same token id: refused as a whole
        assert sam.read()[0].holder_id == "dana"
        dana.fenced([held], [])  # still ours: the probe of epoch 1 is added and deleted again
        assert sam.claim(0, 1, ["GEN-0000"]) is not None  # the takeover creates epoch 1 for good
        before = fake.tab(TAB)
        cell = {"updateCells": {"start": {"sheetId": 0, "rowIndex": 2, "columnIndex": 4},
                                "rows": [{"values": [{"userEnteredValue": {"stringValue": "stale"}}]}],
                                "fields": "userEnteredValue"}}
        tab_id = next(t.sheet_id for t in dana.gateway.metadata() if t.title == TAB)
        cell["updateCells"]["start"]["sheetId"] = tab_id
        try:
            dana.fenced([held], [cell])
            raise AssertionError("a write by the old holder went through")
        except ClaimLost:
            pass
        assert fake.tab(TAB) == before  # nothing of the refused batch was written
        assert sheet_id_for("x") == sheet_id_for("x") != sheet_id_for("y")
