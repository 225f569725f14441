"""Who is doing what: an estimate leaves out the rows a colleague holds, and says who holds them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials

from desktop.cli import main
from desktop.services.claims import ClaimBoard
from desktop.services.sheets import SheetsGateway
from tests.fakes.sheets_server import FakeSheets


def test_estimate_counts_only_rows_nobody_else_holds(
    sheets: FakeSheets, simbatch_home: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SIMBATCH_SHEETS_ENDPOINT", sheets.endpoint)
    gateway = SheetsGateway(sheets.spreadsheet_id, lambda: AnonymousCredentials(), sheets.endpoint)
    tab_id = next(t.sheet_id for t in gateway.metadata() if t.title == "Master Scenario Convert")
    dana = ClaimBoard(gateway, tab_id, holder_id="r-dana", holder_name="Dana's PC")
    dana.open()
    assert dana.claim(0, 0, [f"GEN-{n:04d}" for n in range(50)]) is not None  # rows 3-52
    code = main(["estimate", "--source", f"gsheet:{sheets.spreadsheet_id}", "--rows", "3-102", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert document["totals"]["requests"] == 50
    assert [r["row"] for r in document["claimed_by_others"]] == list(range(3, 53))
    assert {r["by"] for r in document["claimed_by_others"]} == {"Dana's PC"}
    code = main(["estimate", "--source", f"gsheet:{sheets.spreadsheet_id}", "--rows", "3-102"])
    text = capsys.readouterr().out
    assert "Rows 3-52 are in progress by Dana's PC, since " in text and "not counted above" in text


def test_a_claim_silent_for_its_lease_across_reads_is_shown_as_stale(sheets: FakeSheets) -> None:
    """The rows table said "in progress by" for a colleague whose SimBatch had died; a claim that has
    not changed for the lease over this computer's reads now says how long it has been silent."""
    import re
    import time

    from desktop.jobs.colleagues import ClaimsSeen, claims_text
    from desktop.services.gsheet_source import GoogleSheetSource

    gateway = SheetsGateway(sheets.spreadsheet_id, lambda: AnonymousCredentials(), sheets.endpoint)
    tab_id = next(t.sheet_id for t in gateway.metadata() if t.title == "Master Scenario Convert")
    dana = ClaimBoard(gateway, tab_id, holder_id="r-dana", holder_name="Dana's PC")
    dana.open()
    holding = dana.claim(0, 0, ["GEN-0000"])
    assert holding is not None
    source = GoogleSheetSource(sheets.spreadsheet_id, "Master Scenario Convert", gateway=gateway)
    seen = ClaimsSeen(lease=0.3)
    assert claims_text(source, seen)["GEN-0000"].startswith("in progress by Dana's PC, since ")
    time.sleep(0.4)
    stale = claims_text(source, seen)["GEN-0000"]
    assert re.fullmatch(r"claimed by Dana's PC at \d\d:\d\d, no sign of life for \d+ s", stale), stale
    assert claims_text(source)["GEN-0000"].startswith("in progress by")  # one read cannot tell
    dana.fenced([holding], [])  # a heartbeat: alive again
    assert claims_text(source, seen)["GEN-0000"].startswith("in progress by Dana's PC, since ")
