"""The Sheets gateway against the loopback fake Sheets server, through the real API client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from google.auth.credentials import AnonymousCredentials

from desktop.app.startup import is_loopback
from desktop.errors import AuthError, InputError, ServiceError
from desktop.services.retry import RetryPolicy
from desktop.services.sheets import SheetsGateway, a1, column_letters
from tests.concurrency import run_in_threads
from tests.fakes.sheets_server import FakeSheets

OBRIEN = "Dr. O'Brien's cases"
SPACED = "Master Scenario Convert"
FAST = RetryPolicy(max_attempts=4, base=0.01, cap=0.05)


def _tabs() -> dict[str, list[list[Any]]]:
    return {
        SPACED: [["Banner"], ["Case_ID", "Title"], ["A-1", "x"], [101, 2.5]],
        OBRIEN: [["Case_ID"], ["OB-1"]],
        "Batch_Progress": [],
    }


@pytest.fixture
def fake() -> Iterator[FakeSheets]:
    with FakeSheets(tabs=_tabs()) as server:
        yield server


def gateway(fake: FakeSheets, **kwargs: Any) -> SheetsGateway:
    kwargs.setdefault("retry", FAST)
    return SheetsGateway(fake.spreadsheet_id, AnonymousCredentials, fake.endpoint, **kwargs)


def test_a1_quotes_every_name_and_doubles_apostrophes() -> None:
    assert a1("Sheet1") == "'Sheet1'"
    assert a1(SPACED, "A1:B2") == "'Master Scenario Convert'!A1:B2"
    assert a1(OBRIEN, "C3") == "'Dr. O''Brien''s cases'!C3"
    assert [column_letters(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]


def test_loopback_detection() -> None:
    assert is_loopback("http://127.0.0.1:5000/") and is_loopback("http://localhost:1/")
    assert is_loopback("http://[::1]:8080/")
    assert not is_loopback("https://sheets.googleapis.com/")


def test_metadata_and_reads_keep_types(fake: FakeSheets) -> None:
    gw = gateway(fake)
    tabs = gw.metadata()
    assert [t.title for t in tabs] == [SPACED, OBRIEN, "Batch_Progress"]
    assert tabs[0].rows == 1000 and tabs[0].columns == 26
    scen, obrien = gw.batch_get([a1(SPACED, "A3:B4"), a1(OBRIEN)])
    assert scen == [["A-1", "x"], [101, 2.5]]  # unformatted: numbers stay numbers
    assert obrien == [["Case_ID"], ["OB-1"]]
    assert fake.count("values.batchGet") == 1
    assert gw.calls == 2


def test_writes_to_quoted_tabs_and_append_and_add_sheet(fake: FakeSheets) -> None:
    gw = gateway(fake)
    gw.batch_update([(a1(OBRIEN, "B2"), [["=1+1"]]), (a1(SPACED, "C3"), [[True]])])
    assert fake.tab(OBRIEN)[1] == ["OB-1", "=1+1"]  # RAW: text stays text
    assert fake.tab(SPACED)[2] == ["A-1", "x", True]
    gw.append(a1(OBRIEN, "A1:B"), [["OB-2", "y"]])
    assert fake.tab(OBRIEN)[2] == ["OB-2", "y"]
    info = gw.add_sheet("It's new")
    assert info.title == "It's new" and fake.tab_names()[-1] == "It's new"
    gw.append_rows(info.sheet_id, 10)
    assert fake.grid_size("It's new") == (1010, 26)


def test_retries_429_and_5xx(fake: FakeSheets) -> None:
    fake.faults.fail_next = [429, 500, 503]
    assert gateway(fake).batch_get([a1(OBRIEN, "A2")]) == [[["OB-1"]]]
    assert fake.count("values.batchGet") == 4
    assert [c.status for c in fake.calls] == [429, 500, 503, 200]


def test_outage_becomes_a_service_error_after_the_retries(fake: FakeSheets) -> None:
    fake.faults.outage = True
    with pytest.raises(ServiceError) as info:
        gateway(fake).batch_get([a1(OBRIEN)])
    assert str(info.value) == "Google Sheets could not be reached; check the network and try again."
    assert fake.count(status=503) == FAST.max_attempts


def test_unreachable_server_is_a_service_error() -> None:
    with FakeSheets() as fake:
        endpoint = fake.endpoint
    gw = SheetsGateway("sheet-test-1", AnonymousCredentials, endpoint, retry=FAST)
    with pytest.raises(ServiceError, match="could not be reached"):
        gw.metadata()


def test_dropped_connections_are_retried(fake: FakeSheets) -> None:
    fake.faults.drop_next = 3  # httplib2 retries one silently; the policy handles the rest
    assert gateway(fake).batch_get([a1(OBRIEN, "A2")]) == [[["OB-1"]]]


def test_client_errors_are_typed_and_not_retried(fake: FakeSheets) -> None:
    fake.faults.fail_next = [403]
    with pytest.raises(AuthError, match="no access"):
        gateway(fake).metadata()
    assert fake.count() == 1
    with pytest.raises(InputError, match="no Google spreadsheet with the id"):
        SheetsGateway("someone-elses", AnonymousCredentials, fake.endpoint, retry=FAST).metadata()
    with pytest.raises(InputError, match="Unable to parse range"):
        gateway(fake).batch_get(["'Nope'!A1"])
    fake.required_token = "tok"
    with pytest.raises(AuthError):  # a 401 with anonymous credentials
        gateway(fake).metadata()


def test_each_thread_gets_its_own_client(fake: FakeSheets) -> None:
    gw = gateway(fake)
    services: dict[str, Any] = {}

    def worker(column: str) -> None:
        for row in range(1, 6):
            gw.batch_update([(a1("Batch_Progress", f"{column}{row}"), [[f"{column}{row}"]])])
            gw.batch_get([a1("Batch_Progress", f"{column}{row}")])
        services[column] = gw._service()

    assert run_in_threads(worker, [(c,) for c in "ABCD"]) == []
    assert len({id(s) for s in services.values()}) == 4
    assert fake.tab("Batch_Progress")[4] == ["A5", "B5", "C5", "D5"]
    assert fake.count("values.batchUpdate", status=200) == 20


def test_writes_are_split_to_stay_under_the_body_limit(fake: FakeSheets) -> None:
    fake.max_payload_bytes = 10_000
    gw = gateway(fake, max_body_bytes=10_000)
    cells = [(a1("Batch_Progress", f"A{n}"), [["y" * 1000]]) for n in range(1, 31)]
    tall = [["z" * 500] for _ in range(40)]  # one entry of 20 kB: cut into runs of rows
    requests = gw.batch_update([*cells, (a1("Batch_Progress", "B1"), tall)])
    assert requests >= 5
    assert fake.count("values.batchUpdate", status=200) == requests
    assert fake.count(status=400) == 0
    assert all(call.payload_bytes <= 10_000 for call in fake.calls)
    rows = fake.tab("Batch_Progress")
    assert [row[0] for row in rows[:30]] == ["y" * 1000] * 30
    assert [row[1] for row in rows[:40]] == ["z" * 500] * 40


def test_limiter_keeps_reads_and_writes_under_the_quota() -> None:
    with FakeSheets(tabs=_tabs(), read_quota_per_min=3, write_quota_per_min=2) as fake:
        fake.quota_window = 0.3
        gw = gateway(
            fake, reads_per_minute=3, writes_per_minute=2, quota_window=0.3, retry=RetryPolicy(max_attempts=1)
        )
        for n in range(7):
            gw.batch_get([a1(OBRIEN, "A1")])
            gw.batch_update([(a1("Batch_Progress", f"A{n + 1}"), [[n]])])
        assert fake.count(status=429) == 0
        assert fake.count("values.batchGet") == 7 and fake.count("values.batchUpdate") == 7
