"""The Google Sheet source against the fake Sheets server: call budget, progress mirror, progress init."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials
from openpyxl import load_workbook

from desktop.app.startup import default_source_opener
from desktop.errors import ServiceError
from desktop.services.gsheet_source import GoogleSheetSource
from desktop.services.retry import RetryPolicy
from desktop.services.sheets import SheetsGateway
from desktop.services.source import PROGRESS_COLUMNS, PROGRESS_TAB, CellRef
from tests.fakes.sheets_server import FakeSheets

TAB = "Master Scenario Convert"
ROWS = 1000
VITALS = json.dumps({"HR": 88, "BP": "120/80", "SpO2": 98, "RR": 16, "waveform": "sinus_ecg"})


def big_tab() -> list[list[Any]]:
    rows: list[list[Any]] = [["Scenario bank"], ["Case_ID", "Case_Title", "Diagnosis", "Initial_Vitals"]]
    rows += [[100 + n, f"Case {n}", "x" * 200, None] for n in range(ROWS)]
    return rows


@pytest.fixture
def fake() -> Iterator[FakeSheets]:
    with FakeSheets(tabs={TAB: big_tab()}) as server:
        yield server


def source_for(fake: FakeSheets) -> GoogleSheetSource:
    gateway = SheetsGateway(
        fake.spreadsheet_id, AnonymousCredentials, fake.endpoint, retry=RetryPolicy(base=0.01, cap=0.05)
    )
    return GoogleSheetSource(fake.spreadsheet_id, TAB, gateway=gateway)


def progress(batch: str, row: int, status: str) -> list[Any]:
    return [batch, row, f"C-{row}", status] + [None] * 11


def test_a_thousand_rows_read_written_and_reread_within_the_budget(fake: FakeSheets) -> None:
    source = source_for(fake)
    table = source.read_scenarios()
    assert len(table.scenarios) == ROWS and table.last_row == ROWS + 2
    assert table.scenarios[0].case_id == "100"  # numbers as ids become text
    refs = [CellRef(s.row, "Initial_Vitals") for s in table.scenarios]
    assert set(source.read_cells(refs).values()) == {None}
    source.write_cells(dict.fromkeys(refs, VITALS))
    assert set(source.read_cells(refs).values()) == {VITALS}
    assert fake.count() <= 12, [c.method for c in fake.calls]
    assert fake.count("values.batchUpdate") == 1
    assert fake.tab(TAB)[ROWS + 1] == [1099, f"Case {ROWS - 1}", "x" * 200, VITALS]


def test_progress_mirror_flush_is_one_write(fake: FakeSheets) -> None:
    source = source_for(fake)
    source.write_progress([progress("b1", n, "PENDING") for n in range(3, 3 + ROWS)])  # grows the grid
    assert fake.tab(PROGRESS_TAB)[0] == list(PROGRESS_COLUMNS)
    assert len(fake.tab(PROGRESS_TAB)) == ROWS + 1
    before = fake.count()
    source.write_progress([progress("b1", 10, "COMPLETED"), progress("b1", 5000, "PENDING")])
    assert fake.count() - before == 1 and fake.count("values.batchUpdate") == 3  # header, bulk, flush
    # A new source object (a resumed run) reads the tab once, then writes once per flush.
    again = source_for(fake)
    before = fake.count()
    again.write_progress([progress("b1", 11, "FAILED")])
    again.write_progress([progress("b1", 12, "FAILED")])
    assert fake.count() - before == 4  # metadata, one read, two writes
    rows = again.read_progress()
    assert len(rows) == ROWS + 1
    assert [r[3] for r in rows[7:10]] == ["COMPLETED", "FAILED", "FAILED"]
    assert rows[-1][:4] == ["b1", 5000, "C-5000", "PENDING"]


def test_unreachable_sheet_is_a_service_error(fake: FakeSheets) -> None:
    source = source_for(fake)
    fake.faults.outage = True
    with pytest.raises(ServiceError, match="could not be reached"):
        source.read_scenarios()


def test_open_source_uses_the_endpoint_setting(fake: FakeSheets, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMBATCH_SHEETS_ENDPOINT", fake.endpoint)
    source = default_source_opener()(f"gsheet:{fake.spreadsheet_id}", None)
    assert source.locator == f"gsheet:{fake.spreadsheet_id}"
    assert len(source.read_scenarios([3, 4]).scenarios) == 2


def test_progress_init_on_a_google_sheet(
    fake: FakeSheets, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.cli import main

    monkeypatch.setenv("SIMBATCH_SHEETS_ENDPOINT", fake.endpoint)
    args = ["progress", "init", "--source", f"gsheet:{fake.spreadsheet_id}"]
    assert main(args) == 0
    assert "Created the Batch_Progress tab" in capsys.readouterr().out
    assert fake.tab(PROGRESS_TAB) == [list(PROGRESS_COLUMNS)]
    fake.edit_cell(PROGRESS_TAB, "A2", "keep me")
    assert main(args) == 0
    assert "already exists" in capsys.readouterr().out
    assert fake.tab(PROGRESS_TAB)[1] == ["keep me"]


def test_progress_init_on_a_workbook(demo_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from desktop.cli import main

    wb = load_workbook(demo_copy)
    if PROGRESS_TAB in wb.sheetnames:
        del wb[PROGRESS_TAB]
        wb.save(demo_copy)
    wb.close()
    assert main(["progress", "init", "--source", str(demo_copy)]) == 0
    assert "Created the Batch_Progress tab" in capsys.readouterr().out
    assert main(["progress", "init", "--source", str(demo_copy)]) == 0
    assert "already exists" in capsys.readouterr().out
    wb = load_workbook(demo_copy, read_only=True)
    try:
        assert [c.value for c in next(wb[PROGRESS_TAB].iter_rows(max_row=1))] == list(PROGRESS_COLUMNS)
    finally:
        wb.close()


def test_two_colleagues_creating_the_progress_tab_at_once_both_carry_on() -> None:
    with FakeSheets(tabs={TAB: big_tab()[:5]}, latency=0.05) as fake:  # both see the tab missing
        sources = [source_for(fake) for _ in range(2)]
        for source in sources:
            source.read_scenarios(None)  # the tabs are known before either creates the progress tab
        start = threading.Barrier(2)
        # Neither AddSheet is applied before both are sent: both clients saw the tab missing.
        fake.meet_before["spreadsheets.batchUpdate"] = threading.Barrier(2)
        created: list[bool] = []
        errors: list[BaseException] = []

        def ensure(source: GoogleSheetSource) -> None:
            start.wait()
            try:
                created.append(source.ensure_progress_tab())
            except BaseException as exc:  # the loser of the race must not fail
                errors.append(exc)

        threads = [threading.Thread(target=ensure, args=(source,)) for source in sources]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        assert sorted(created) == [False, True]
        assert fake.count("spreadsheets.batchUpdate", status=400) == 1  # they did race for it
        assert fake.tab(PROGRESS_TAB)[0] == list(PROGRESS_COLUMNS)
