"""The fake Sheets server answers the real google-api-python-client the way Google does."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials, Credentials
from google.auth.exceptions import InvalidOperation, RefreshError
from google.oauth2.credentials import Credentials as OAuthCredentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from hypothesis import given
from hypothesis import strategies as st

from tests.concurrency import run_in_threads
from tests.fakes.a1 import A1Error, CellBounds, column_letters, column_number, parse_cells, split_sheet
from tests.fakes.sheets_server import FakeSheets

SCENARIOS = "Master Scenario Convert"
OBRIEN = "Dr. O'Brien's cases"
QUOTED_OBRIEN = "'Dr. O''Brien''s cases'"


def _tabs() -> dict[str, list[list[Any]]]:
    return {
        SCENARIOS: [
            ["Scenario bank"],
            ["Case_ID", "Case_Title", "Initial_Vitals", "Notes"],
            ["CARD-001", "Chest pain", '{"HR": 88}', None, ""],
            ["CARD-002", "", 42, True],
            [],
            [],
        ],
        OBRIEN: [[1, 2.5, True, "x"]],
        "Batch_Progress": [],
    }


@pytest.fixture
def fake() -> Iterator[FakeSheets]:
    with FakeSheets(tabs=_tabs()) as server:
        yield server


def _service(fake: FakeSheets, credentials: Credentials | None = None) -> Any:
    return build("sheets", "v4", credentials=credentials or AnonymousCredentials(), static_discovery=True,
                 client_options={"api_endpoint": fake.endpoint}, cache_discovery=False)


@pytest.fixture
def sheets(fake: FakeSheets) -> Any:
    return _service(fake).spreadsheets()


def _get(sheets: Any, fake: FakeSheets, rng: str, render: str = "UNFORMATTED_VALUE") -> dict[str, Any]:
    result: dict[str, Any] = sheets.values().get(spreadsheetId=fake.spreadsheet_id, range=rng,
                                                 valueRenderOption=render).execute()
    return result


def _error(exc: HttpError) -> dict[str, Any]:
    error: dict[str, Any] = json.loads(exc.content)["error"]
    return error


# -- reads ------------------------------------------------------------------------------------------
def test_spreadsheets_get_lists_tabs_with_grid_sizes(fake: FakeSheets, sheets: Any) -> None:
    meta = sheets.get(spreadsheetId=fake.spreadsheet_id, includeGridData=False,
                      fields="sheets.properties").execute()
    assert meta["spreadsheetId"] == "sheet-test-1"
    props = [sheet["properties"] for sheet in meta["sheets"]]
    assert [p["title"] for p in props] == [SCENARIOS, OBRIEN, "Batch_Progress"]
    assert [p["index"] for p in props] == [0, 1, 2]
    assert len({p["sheetId"] for p in props}) == 3
    assert props[0]["gridProperties"] == {"rowCount": 1000, "columnCount": 26}


def test_values_get_unformatted_keeps_types_and_formatted_gives_text(fake: FakeSheets, sheets: Any) -> None:
    raw = _get(sheets, fake, f"{QUOTED_OBRIEN}!A1:D1")
    assert raw == {"range": f"{QUOTED_OBRIEN}!A1:D1", "majorDimension": "ROWS",
                   "values": [[1, 2.5, True, "x"]]}
    shown = _get(sheets, fake, f"{QUOTED_OBRIEN}!A1:D1", render="FORMATTED_VALUE")
    assert shown["values"] == [["1", "2.5", "TRUE", "x"]]


def test_batch_get_of_several_range_shapes(fake: FakeSheets, sheets: Any) -> None:
    ranges = [f"'{SCENARIOS}'!A:C", QUOTED_OBRIEN, f"'{SCENARIOS}'!A3:N", f"'{SCENARIOS}'!B4",
              "Batch_Progress"]
    result = sheets.values().batchGet(spreadsheetId=fake.spreadsheet_id, ranges=ranges,
                                      valueRenderOption="UNFORMATTED_VALUE").execute()
    got = result["valueRanges"]
    assert result["spreadsheetId"] == fake.spreadsheet_id
    assert [vr["range"] for vr in got] == [
        f"'{SCENARIOS}'!A1:C1000", f"{QUOTED_OBRIEN}!A1:Z1000", f"'{SCENARIOS}'!A3:N1000",
        f"'{SCENARIOS}'!B4", "Batch_Progress!A1:Z1000",
    ]
    assert got[0]["values"] == [
        ["Scenario bank"],
        ["Case_ID", "Case_Title", "Initial_Vitals"],
        ["CARD-001", "Chest pain", '{"HR": 88}'],
        ["CARD-002", "", 42],
    ]
    assert got[1]["values"] == [[1, 2.5, True, "x"]]
    assert got[2]["values"] == [["CARD-001", "Chest pain", '{"HR": 88}'], ["CARD-002", "", 42, True]]
    assert "values" not in got[3]  # an empty cell comes back with no values at all
    assert "values" not in got[4]


def test_trailing_empty_cells_and_rows_are_trimmed(fake: FakeSheets, sheets: Any) -> None:
    fake.set_tab("Ragged", [["a", None, "", None], [], [None, "b", ""], ["", None], [None]])
    result = _get(sheets, fake, "Ragged!A1:E10")
    assert result["values"] == [["a"], [], ["", "b"]]
    assert fake.tab("Ragged") == [["a"], [], ["", "b"]]


def test_unknown_tab_and_bad_range_are_400(fake: FakeSheets, sheets: Any) -> None:
    for rng in ("'No such tab'!A1:B2", "Missing!A1", f"'{SCENARIOS}'!A1:B2:C3", "'unterminated!A1"):
        with pytest.raises(HttpError) as caught:
            _get(sheets, fake, rng)
        assert caught.value.status_code == 400
        error = _error(caught.value)
        assert error == {"code": 400, "message": f"Unable to parse range: {rng}",
                         "status": "INVALID_ARGUMENT"}


def test_reading_past_the_grid_is_400(fake: FakeSheets, sheets: Any) -> None:
    with pytest.raises(HttpError) as caught:
        _get(sheets, fake, f"'{SCENARIOS}'!A1:AA2")
    assert "exceeds grid limits. Max rows: 1000, max columns: 26" in _error(caught.value)["message"]


def test_edit_cell_is_visible_to_the_next_read(fake: FakeSheets, sheets: Any) -> None:
    assert _get(sheets, fake, f"'{SCENARIOS}'!C3")["values"] == [['{"HR": 88}']]
    fake.edit_cell(SCENARIOS, "C3", '{"HR": 120}')
    assert _get(sheets, fake, f"'{SCENARIOS}'!C3")["values"] == [['{"HR": 120}']]


# -- writes -----------------------------------------------------------------------------------------
def test_batch_update_raw_stores_what_was_sent(fake: FakeSheets, sheets: Any) -> None:
    body = {"valueInputOption": "RAW", "data": [
        {"range": f"'{SCENARIOS}'!C3:D4", "values": [["=1+1", "007"], [None, ""]]},
        {"range": f"{QUOTED_OBRIEN}!A2", "values": [[3, 4.5, False]]},
    ]}
    result = sheets.values().batchUpdate(spreadsheetId=fake.spreadsheet_id, body=body).execute()
    assert result["totalUpdatedCells"] == 7
    assert result["totalUpdatedRows"] == 3
    assert result["totalUpdatedSheets"] == 2
    assert [r["updatedRange"] for r in result["responses"]] == [
        f"'{SCENARIOS}'!C3:D4", f"{QUOTED_OBRIEN}!A2:C2"]
    rows = fake.tab(SCENARIOS)
    assert rows[2] == ["CARD-001", "Chest pain", "=1+1", "007"]  # strings stay strings under RAW
    assert rows[3] == ["CARD-002", "", 42]  # null left C4 alone, "" cleared D4
    assert fake.tab(OBRIEN)[1] == [3, 4.5, False]


def test_batch_update_with_a_bad_entry_changes_nothing(fake: FakeSheets, sheets: Any) -> None:
    before = fake.tab(SCENARIOS)
    body = {"valueInputOption": "RAW", "data": [
        {"range": f"'{SCENARIOS}'!A3", "values": [["changed"]]},
        {"range": "'Nope'!A1", "values": [["x"]]},
    ]}
    with pytest.raises(HttpError):
        sheets.values().batchUpdate(spreadsheetId=fake.spreadsheet_id, body=body).execute()
    assert fake.tab(SCENARIOS) == before


def test_update_respects_range_and_requires_input_option(fake: FakeSheets, sheets: Any) -> None:
    values = sheets.values()
    result = values.update(spreadsheetId=fake.spreadsheet_id, range=f"'{SCENARIOS}'!E3",
                           valueInputOption="RAW", body={"values": [["ok"], ["two"]]}).execute()
    assert result["updatedRange"] == f"'{SCENARIOS}'!E3:E4"
    assert result["updatedCells"] == 2
    with pytest.raises(HttpError) as too_big:
        values.update(spreadsheetId=fake.spreadsheet_id, range=f"'{SCENARIOS}'!A1:B1",
                      valueInputOption="RAW", body={"values": [["a", "b"], ["c"]]}).execute()
    assert "tried writing to row [2]" in _error(too_big.value)["message"]
    with pytest.raises(HttpError) as no_option:
        values.update(spreadsheetId=fake.spreadsheet_id, range=f"'{SCENARIOS}'!A1",
                      body={"values": [["a"]]}).execute()
    assert no_option.value.status_code == 400
    with pytest.raises(HttpError) as past_grid:
        values.update(spreadsheetId=fake.spreadsheet_id, range=f"'{SCENARIOS}'!A1001",
                      valueInputOption="RAW", body={"values": [["a"]]}).execute()
    assert "exceeds grid limits" in _error(past_grid.value)["message"]


def test_user_entered_parses_numbers_and_booleans(fake: FakeSheets, sheets: Any) -> None:
    sheets.values().update(spreadsheetId=fake.spreadsheet_id, range="Batch_Progress!A1",
                           valueInputOption="USER_ENTERED",
                           body={"values": [["12", "3.5", "true", "'007", "text"]]}).execute()
    assert fake.tab("Batch_Progress") == [[12, 3.5, True, "007", "text"]]


def test_append_inserts_rows_after_the_table(fake: FakeSheets, sheets: Any) -> None:
    fake.set_tab("Batch_Progress", [["Batch_ID", "Row_Number"], ["b1", 3]])
    fake.edit_cell("Batch_Progress", "A6", "below")
    result = sheets.values().append(
        spreadsheetId=fake.spreadsheet_id, range="Batch_Progress!A1:B", valueInputOption="RAW",
        insertDataOption="INSERT_ROWS", body={"values": [["b1", 4], ["b1", 5]]},
    ).execute()
    assert result["tableRange"] == "Batch_Progress!A1:B2"
    assert result["updates"]["updatedRange"] == "Batch_Progress!A3:B4"
    assert result["updates"]["updatedRows"] == 2
    rows = fake.tab("Batch_Progress")
    assert rows[:4] == [["Batch_ID", "Row_Number"], ["b1", 3], ["b1", 4], ["b1", 5]]
    # The appended rows were inserted at row 3 and pushed the table below down by two.
    assert rows[7] == ["below"]


def test_append_grows_the_grid_past_its_last_row(fake: FakeSheets, sheets: Any) -> None:
    fake.set_tab("Full", [[f"r{n}"] for n in range(1, 1001)])
    sheets.values().append(spreadsheetId=fake.spreadsheet_id, range="Full!A1", valueInputOption="RAW",
                           insertDataOption="INSERT_ROWS", body={"values": [["r1001"]]}).execute()
    assert fake.tab("Full")[-1] == ["r1001"]
    assert fake.grid_size("Full") == (1001, 26)


def test_cell_character_limit(fake: FakeSheets, sheets: Any) -> None:
    values = sheets.values()
    values.update(spreadsheetId=fake.spreadsheet_id, range="Batch_Progress!A1", valueInputOption="RAW",
                  body={"values": [["x" * 50_000]]}).execute()
    assert len(fake.tab("Batch_Progress")[0][0]) == 50_000
    with pytest.raises(HttpError) as caught:
        values.update(spreadsheetId=fake.spreadsheet_id, range="Batch_Progress!A2", valueInputOption="RAW",
                      body={"values": [["x" * 50_001]]}).execute()
    assert "maximum of 50000 characters in a single cell" in _error(caught.value)["message"]


def test_payload_limit(fake: FakeSheets, sheets: Any) -> None:
    fake.max_payload_bytes = 10_000
    body = {"valueInputOption": "RAW",
            "data": [{"range": f"Batch_Progress!A{n}", "values": [["y" * 1000]]} for n in range(1, 12)]}
    with pytest.raises(HttpError) as caught:
        sheets.values().batchUpdate(spreadsheetId=fake.spreadsheet_id, body=body).execute()
    assert caught.value.status_code == 400
    assert _error(caught.value)["message"] == "Request payload size exceeds the limit: 10000 bytes."
    assert fake.tab("Batch_Progress") == []
    assert fake.calls[-1].payload_bytes > 10_000


# -- structure --------------------------------------------------------------------------------------
def test_add_sheet_and_duplicate_title(fake: FakeSheets, sheets: Any) -> None:
    body = {"requests": [{"addSheet": {"properties": {"title": "New tab"}}}]}
    reply = sheets.batchUpdate(spreadsheetId=fake.spreadsheet_id, body=body).execute()
    props = reply["replies"][0]["addSheet"]["properties"]
    assert props["title"] == "New tab"
    assert props["index"] == 3
    assert props["gridProperties"] == {"rowCount": 1000, "columnCount": 26}
    assert fake.tab_names()[-1] == "New tab"
    with pytest.raises(HttpError) as caught:
        sheets.batchUpdate(spreadsheetId=fake.spreadsheet_id,
                           body={"requests": [{"addSheet": {"properties": {"title": "new TAB"}}}]}).execute()
    assert caught.value.status_code == 400
    assert 'A sheet with the name "new TAB" already exists' in _error(caught.value)["message"]


def test_append_dimension_lets_writes_reach_new_rows(fake: FakeSheets, sheets: Any) -> None:
    sheet_id = sheets.get(spreadsheetId=fake.spreadsheet_id).execute()["sheets"][2]["properties"]["sheetId"]
    sheets.batchUpdate(spreadsheetId=fake.spreadsheet_id, body={"requests": [
        {"appendDimension": {"sheetId": sheet_id, "dimension": "ROWS", "length": 500}}]}).execute()
    assert fake.grid_size("Batch_Progress") == (1500, 26)
    sheets.values().update(spreadsheetId=fake.spreadsheet_id, range="Batch_Progress!A1500",
                           valueInputOption="RAW", body={"values": [["last"]]}).execute()
    assert fake.tab("Batch_Progress")[-1] == ["last"]


def test_unknown_spreadsheet_is_404(fake: FakeSheets) -> None:
    sheets = _service(fake).spreadsheets()
    with pytest.raises(HttpError) as caught:
        sheets.get(spreadsheetId="someone-elses").execute()
    assert _error(caught.value)["status"] == "NOT_FOUND"


# -- accounting, quotas and faults ------------------------------------------------------------------
def test_calls_are_recorded_and_counted(fake: FakeSheets, sheets: Any) -> None:
    sheets.get(spreadsheetId=fake.spreadsheet_id).execute()
    sheets.values().batchGet(spreadsheetId=fake.spreadsheet_id, ranges=["Batch_Progress"]).execute()
    sheets.values().batchGet(spreadsheetId=fake.spreadsheet_id, ranges=["Batch_Progress"]).execute()
    with pytest.raises(HttpError):
        _get(sheets, fake, "Nope!A1")
    assert fake.count() == 4
    assert fake.count("values.batchGet") == 2
    assert fake.count("values.batchGet", "spreadsheets.get") == 3
    assert fake.count("values.get", status=400) == 1
    assert [(c.method, c.http_method, c.status) for c in fake.calls[:2]] == [
        ("spreadsheets.get", "GET", 200), ("values.batchGet", "GET", 200)]


def test_read_quota_gives_429_resource_exhausted_then_recovers() -> None:
    with FakeSheets(tabs=_tabs(), read_quota_per_min=2, write_quota_per_min=1) as fake:
        fake.quota_window = 0.3
        sheets = _service(fake).spreadsheets()
        _get(sheets, fake, "Batch_Progress")
        _get(sheets, fake, "Batch_Progress")
        with pytest.raises(HttpError) as caught:
            _get(sheets, fake, "Batch_Progress")
        assert caught.value.status_code == 429
        error = _error(caught.value)
        assert error["status"] == "RESOURCE_EXHAUSTED"
        assert "Read requests per minute per user" in error["message"]
        assert error["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
        # Writes have their own counter.
        sheets.values().update(spreadsheetId=fake.spreadsheet_id, range="Batch_Progress!A1",
                               valueInputOption="RAW", body={"values": [["w"]]}).execute()
        time.sleep(0.35)
        assert "values" in _get(sheets, fake, "Batch_Progress")
        assert fake.count(status=429) == 1


def test_fail_next_gives_those_statuses_in_order(fake: FakeSheets, sheets: Any) -> None:
    fake.faults.fail_next = [500, 503]
    for status, name in ((500, "INTERNAL"), (503, "UNAVAILABLE")):
        with pytest.raises(HttpError) as caught:
            _get(sheets, fake, "Batch_Progress")
        assert caught.value.status_code == status
        assert _error(caught.value)["status"] == name
    assert _get(sheets, fake, f"'{SCENARIOS}'!A1")["values"] == [["Scenario bank"]]


def test_outage_until_cleared(fake: FakeSheets, sheets: Any) -> None:
    fake.faults.outage = True
    for _ in range(3):
        with pytest.raises(HttpError) as caught:
            _get(sheets, fake, "Batch_Progress")
        assert caught.value.status_code == 503
    fake.faults.outage = False
    _get(sheets, fake, "Batch_Progress")
    assert fake.count(status=503) == 3


def test_dropped_connection_raises_on_the_client(fake: FakeSheets, sheets: Any) -> None:
    # The HTTP layer (httplib2) silently retries once after a dropped keep-alive connection ...
    fake.faults.drop_next = 1
    assert _get(sheets, fake, f"'{SCENARIOS}'!A1")["values"] == [["Scenario bank"]]
    assert [c.status for c in fake.calls] == [0, 200]
    # ... so two drops in a row reach the caller as a connection error.
    fake.faults.drop_next = 2
    with pytest.raises((ConnectionError, OSError)):
        _get(sheets, fake, f"'{SCENARIOS}'!A1")
    assert fake.count() == 1  # dropped calls are recorded with status 0 and not counted as answered
    assert len(fake.calls) == 4


def test_random_faults_are_reproducible_and_partial(fake: FakeSheets, sheets: Any) -> None:
    fake.faults.rate_5xx = 0.5
    outcomes = []
    for _ in range(30):
        try:
            _get(sheets, fake, "Batch_Progress")
            outcomes.append(200)
        except HttpError as exc:
            outcomes.append(exc.status_code)
    assert set(outcomes) <= {200, 500, 503}
    assert 200 in outcomes and (500 in outcomes or 503 in outcomes)


def test_required_token(fake: FakeSheets) -> None:
    fake.required_token = "tok-123"
    request = urllib.request.Request(f"{fake.endpoint}v4/spreadsheets/{fake.spreadsheet_id}")
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(request, timeout=5)
    assert missing.value.code == 401
    assert json.loads(missing.value.read())["error"]["status"] == "UNAUTHENTICATED"
    # The real client answers a 401 by refreshing its credentials, which these cannot do.
    with pytest.raises(InvalidOperation):
        _service(fake).spreadsheets().get(spreadsheetId=fake.spreadsheet_id).execute()
    with pytest.raises(RefreshError):
        _service(fake, OAuthCredentials(token="wrong")).spreadsheets().get(
            spreadsheetId=fake.spreadsheet_id).execute()
    signed_in = _service(fake, OAuthCredentials(token="tok-123")).spreadsheets()
    assert signed_in.get(spreadsheetId=fake.spreadsheet_id).execute()["spreadsheetId"] == fake.spreadsheet_id
    assert fake.count(status=401) == 3


def test_latency_delays_each_answer() -> None:
    with FakeSheets(tabs=_tabs(), latency=0.05) as fake:
        sheets = _service(fake).spreadsheets()
        started = time.monotonic()
        _get(sheets, fake, "Batch_Progress")
        assert time.monotonic() - started >= 0.05


def test_parallel_clients_on_threads(fake: FakeSheets) -> None:
    def worker(column: str) -> None:
        values = _service(fake).spreadsheets().values()
        for row in range(1, 11):
            values.update(spreadsheetId=fake.spreadsheet_id, range=f"Batch_Progress!{column}{row}",
                          valueInputOption="RAW", body={"values": [[f"{column}{row}"]]}).execute()

    assert run_in_threads(worker, [(column,) for column in "ABCD"]) == []
    assert fake.count("values.update", status=200) == 40
    assert fake.tab("Batch_Progress")[9] == ["A10", "B10", "C10", "D10"]


# -- A1 notation ------------------------------------------------------------------------------------
def test_a1_parsing_shapes() -> None:
    assert split_sheet(f"{QUOTED_OBRIEN}!A1:B2") == (OBRIEN, "A1:B2")
    assert split_sheet(QUOTED_OBRIEN) == (OBRIEN, None)
    assert split_sheet("Tab!C3") == ("Tab", "C3")
    assert split_sheet("A1:B2") == (None, "A1:B2")
    assert parse_cells("A:C") == CellBounds(1, 1, None, 3)
    assert parse_cells("A3:N") == CellBounds(3, 1, None, 14)
    assert parse_cells("2:5") == CellBounds(2, 1, 5, None)
    assert parse_cells("$b$2") == CellBounds(2, 2, 2, 2)
    assert parse_cells("C3:A1") == CellBounds(1, 1, 3, 3)
    for bad in ("", "A", "A0", "1", "A1:B2:C3", "!!", "ABCD1"):
        with pytest.raises(A1Error):
            parse_cells(bad)


@given(st.integers(min_value=1, max_value=18_278))
def test_column_letters_round_trip(number: int) -> None:
    assert column_number(column_letters(number)) == number
