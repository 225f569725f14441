"""Whole live runs through the engine over the Google Sheet source, against the fake Sheets and OpenAI
servers.

The fake Sheets server here also notes which tabs each request touched, so the call budget of the
scenario tab is counted apart from the Batch_Progress mirror's writes.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from google.auth.credentials import AnonymousCredentials

from desktop.app.startup import default_source_opener
from desktop.jobs.engine import LiveRun
from desktop.jobs.live_outcome import ProgressSnapshot
from desktop.jobs.planning import create_enrichment_run
from desktop.jobs.progress import progress_cells
from desktop.journal import Journal, RowStatus, RowTask, RunKind, RunStatus
from desktop.services.gsheet_source import GoogleSheetSource
from desktop.services.retry import RetryPolicy
from desktop.services.sheets import SheetsGateway
from desktop.services.source import PROGRESS_COLUMNS, PROGRESS_TAB
from tests.conftest import DEMO_WORKBOOK
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.sheets_server import FakeSheets, route
from tests.integration.live_helpers import API_KEY, MODEL, make_client

TAB = "Master Scenario Convert"
SHEET_ID = "sheet-run-0123456789"
STRUCTURE = "<structure>"  # spreadsheets.batchUpdate (add a tab, grow a grid)
METADATA = "<metadata>"  # spreadsheets.get


# ------------------------------------------------------------------------------------ the fakes


def tab_of(range_text: str) -> str:
    """The tab an A1 range names: ``'O''Brien''s'!A1:B2`` → ``O'Brien's``."""
    name = range_text.rsplit("!", 1)[0] if "!" in range_text else range_text
    if name.startswith("'") and name.endswith("'"):
        name = name[1:-1].replace("''", "'")
    return name


@dataclass(frozen=True, slots=True)
class TabCall:
    """One answered request, the tabs it read or wrote, and when it arrived."""

    method: str
    tabs: frozenset[str]
    status: int
    time: float


class TabCountingSheets(FakeSheets):
    """The fake Sheets server, noting for each request which tabs its ranges named."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tab_calls: list[TabCall] = []

    def handle(self, http_method: str, target: str, authorization: str | None,
               body: bytes) -> tuple[int, dict[str, Any] | None]:
        """Answer as the fake does, then note the tabs the request named (stamped when it arrived,
        which is when the fake decides whether an outage answers it)."""
        arrived = time.monotonic()
        status, payload = super().handle(http_method, target, authorization, body)
        parts = urlsplit(target)
        method = route(http_method, parts.path)[0]
        ranges: list[str] = parse_qs(parts.query).get("ranges", [])
        if method == "values.batchUpdate":
            ranges = [entry.get("range", "") for entry in json.loads(body or b"{}").get("data", [])]
        tabs = {tab_of(text) for text in ranges}
        if method == "spreadsheets.batchUpdate":
            tabs = {STRUCTURE}
        elif method == "spreadsheets.get":
            tabs = {METADATA}
        if status:
            self.tab_calls.append(TabCall(method, frozenset(tabs), status, arrived))
        return status, payload

    def tab_count(self, tab: str, *methods: str, status: int | None = 200) -> int:
        """Answered calls of these methods (all when none given) that named ``tab``."""
        return sum(
            1 for call in list(self.tab_calls)
            if tab in call.tabs and (not methods or call.method in methods)
            and (status is None or call.status == status)
        )


def demo_table() -> tuple[list[list[Any]], list[list[Any]]]:
    """The demo workbook's scenario tab: (banner and header rows, data rows)."""
    wb = openpyxl.load_workbook(DEMO_WORKBOOK, read_only=True)
    try:
        rows = [list(line) for line in wb[TAB].iter_rows(values_only=True)]
    finally:
        wb.close()
    data = [line for line in rows[2:] if any(v not in (None, "") for v in line)]
    return rows[:2], data


def scenario_rows(count: int) -> list[list[Any]]:
    """Banner, header and ``count`` data rows copied from the demo rows with new case ids."""
    top, data = demo_table()
    out: list[list[Any]] = [list(line) for line in top]
    for n in range(count):
        line = list(data[n % len(data)])
        line[0] = f"{line[0]}-{n:04d}"
        out.append(["" if v is None else v for v in line])
    return out


def sheets_with(rows: list[list[Any]], tab: str = TAB, **kwargs: Any) -> TabCountingSheets:
    return TabCountingSheets(SHEET_ID, {tab: rows}, **kwargs)


def quick_source(fake: FakeSheets, tab: str = TAB) -> GoogleSheetSource:
    """A Google Sheet source on the fake whose retries are quick (outage tests)."""
    gateway = SheetsGateway(SHEET_ID, AnonymousCredentials, fake.endpoint,
                            retry=RetryPolicy(max_attempts=2, base=0.01, cap=0.02))
    return GoogleSheetSource(SHEET_ID, tab, gateway=gateway)


def plan(journal: Journal, source: GoogleSheetSource, rows: list[int] | None = None,
         overwrite: bool = False) -> str:
    table = source.read_scenarios(rows)
    spec = "all" if rows is None else ",".join(map(str, rows))
    return create_enrichment_run(journal, source, table, spec, kind=RunKind.LIVE, model=MODEL,
                                 overwrite=overwrite)


def mirror_matches_journal(fake: FakeSheets, journal: Journal, run_id: str) -> None:
    """The Batch_Progress tab holds exactly the journal's rows of the run (Last_Updated aside)."""
    tab = fake.tab(PROGRESS_TAB)
    assert tab[0] == list(PROGRESS_COLUMNS)
    sheet = {int(r[1]): (r + [""] * 15)[:15] for r in tab[1:] if r and r[0] == run_id}
    tasks = journal.tasks(run_id)
    assert sorted(sheet) == [t.row for t in tasks]
    for task in tasks:
        want = ["" if v is None else v for v in progress_cells(task)]
        got = sheet[task.row]
        assert got[:13] == want[:13], task.row
        assert got[14] == want[14], task.row


@pytest.fixture
def openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=API_KEY, latency=0.005) as server:
        yield server


# ------------------------------------------------------------------------------------ the tests


def test_a_thousand_row_run_stays_within_the_call_budget(
    openai: FakeOpenAI, journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sheets_with(scenario_rows(1000)) as fake:
        monkeypatch.setenv("SIMBATCH_SHEETS_ENDPOINT", fake.endpoint)
        source = default_source_opener()(f"gsheet:{SHEET_ID}", None)
        run_id = plan(journal, source)
        generating = [t for t in journal.tasks(run_id) if t.columns_requested]
        assert len(journal.tasks(run_id)) == 1000 and len(generating) > 250
        live = LiveRun(journal, source, run_id, make_client(openai).generate, workers=16)
        started = time.monotonic()
        outcome = live.execute()
        duration = time.monotonic() - started
        source.close()

        assert outcome.status is RunStatus.COMPLETED, outcome.error
        assert outcome.counts == {RowStatus.COMPLETED.value: 1000}
        assert len(openai.chat_requests()) == len(generating)
        # The scenario tab: one read to plan, then per write-back flush one re-read and one write.
        calls = [(c.method, sorted(c.tabs)) for c in fake.tab_calls]
        reads = fake.tab_count(TAB, "values.batchGet")
        writes = fake.tab_count(TAB, "values.batchUpdate")
        assert reads + writes <= 12, calls
        assert writes >= 1 and reads == writes + 1, calls
        # The rest: tab lists (the source's, and again when the progress tab was missing), adding the
        # progress tab and growing its grid, and the progress writes themselves.
        assert fake.tab_count(METADATA) <= 2, calls
        assert fake.tab_count(STRUCTURE) <= 2, calls
        progress = [c for c in fake.tab_calls if PROGRESS_TAB in c.tabs]
        assert all(c.method == "values.batchUpdate" and c.tabs == {PROGRESS_TAB} for c in progress), calls
        assert len(calls) == reads + writes + fake.tab_count(METADATA) + fake.tab_count(STRUCTURE) + len(
            progress)
        assert fake.count() == len(calls) == fake.count(status=200)  # every call answered and attributed
        # Progress: the header, then at most one write per mirror interval (the first at the start of
        # the run), and the final flush.
        interval = live.mirror.interval
        flushes = progress[1:]
        assert len(flushes) == live.mirror.writes
        assert len(flushes) <= duration / interval + 2, (len(flushes), duration)
        # Spaced by the interval on the mirror's clock; arrival times at the server jitter on a busy
        # machine, so only a write per completion (gaps of milliseconds) is ruled out here.
        gaps = [b.time - a.time for a, b in itertools.pairwise(flushes[:-1])]
        assert all(gap >= interval * 0.5 for gap in gaps), gaps
        mirror_matches_journal(fake, journal, run_id)
        # every generated cell is in the sheet
        tab = fake.tab(TAB)
        header = tab[1]
        for task in journal.tasks(run_id):
            assert task.written
            for column in task.columns_requested:
                cell = tab[task.row - 1][header.index(column)]
                assert json.loads(cell) == (task.result or {})[column]


class OutageAfter:
    """A run listener that takes the Sheets fake down once ``after`` rows completed, for ``seconds``."""

    def __init__(self, fake: FakeSheets, after: int, seconds: float) -> None:
        self.fake, self.after, self.seconds = fake, after, seconds
        self.completed = 0
        self.began = self.ended = 0.0
        self._lock = threading.Lock()

    def row_changed(self, task: RowTask) -> None:
        with self._lock:
            if task.status is RowStatus.COMPLETED:
                self.completed += 1
            if self.completed == self.after and not self.began:
                self.fake.faults.outage = True
                self.began = time.monotonic()
                threading.Timer(self.seconds, self._end).start()

    def _end(self) -> None:
        self.ended = time.monotonic()
        self.fake.faults.outage = False

    def progress(self, snapshot: ProgressSnapshot) -> None:
        pass

    def message(self, text: str, level: str) -> None:
        pass


def test_sheets_outage_mid_run_loses_no_progress_row(openai: FakeOpenAI, journal: Journal) -> None:
    openai.latency = 0.05
    with sheets_with(scenario_rows(60)) as fake:
        source = quick_source(fake)
        run_id = plan(journal, source, overwrite=True)
        listener = OutageAfter(fake, after=6, seconds=0.5)
        live = LiveRun(journal, source, run_id, make_client(openai).generate, workers=2, listener=listener,
                       writeback_interval=0.2, writeback_batch=5, mirror_interval=0.2)
        outcome = live.execute()

        assert listener.began and listener.ended, "the outage never happened"
        assert outcome.status is RunStatus.COMPLETED and outcome.exit_error is None
        assert outcome.counts == {RowStatus.COMPLETED.value: 60}
        during = [c for c in fake.tab_calls if listener.began <= c.time <= listener.ended]
        assert during and all(c.status == 503 for c in during)
        assert any(PROGRESS_TAB in c.tabs or TAB in c.tabs for c in during)
        after = [c for c in fake.tab_calls if c.time > listener.ended and c.status == 200]
        assert any(c.method == "values.batchUpdate" and TAB in c.tabs for c in after)  # results written
        assert any(c.method == "values.batchUpdate" and PROGRESS_TAB in c.tabs for c in after)
        assert journal.pending_progress_count() == 0  # the outbox drained
        mirror_matches_journal(fake, journal, run_id)
        tab, header = fake.tab(TAB), fake.tab(TAB)[1]
        for task in journal.tasks(run_id):
            assert task.written
            for column in task.columns_requested:
                assert json.loads(tab[task.row - 1][header.index(column)]) == (task.result or {})[column]


def cli_env(monkeypatch: pytest.MonkeyPatch, home: Path, fake: FakeSheets, openai: FakeOpenAI) -> None:
    settings = {"version": 2, "requests_per_minute": 100_000, "tokens_per_minute": 100_000_000}
    (home / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    monkeypatch.setenv("SIMBATCH_SHEETS_ENDPOINT", fake.endpoint)
    monkeypatch.setenv("OPENAI_BASE_URL", openai.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from desktop.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_colleague_edit_mid_run_is_kept_reported_and_skipped_by_revert(
    openai: FakeOpenAI, simbatch_home: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from desktop.cli import run_cmd

    rows = scenario_rows(10)  # row 7 is CARD-005: State1_Vitals (column K) to State3_Vitals empty
    with sheets_with(rows) as fake:
        cli_env(monkeypatch, simbatch_home, fake, openai)
        edited = threading.Event()
        plain = run_cmd.CliListener.row_changed

        def edit_when_sent(self: run_cmd.CliListener, task: RowTask) -> None:
            if task.row == 7 and task.status is RowStatus.PROCESSING and not edited.is_set():
                fake.edit_cell(TAB, "K7", "edited by a colleague")
                edited.set()
            plain(self, task)

        monkeypatch.setattr(run_cmd.CliListener, "row_changed", edit_when_sent)
        before = fake.tab(TAB)
        code, out, err = cli(capsys, "run", "--source", f"gsheet:{SHEET_ID}", "--rows", "3-12", "--json")
        doc = json.loads(out)
        assert edited.is_set()
        assert code == 1, err  # finished, with a conflict to look at
        assert doc["conflicts"] == [{"row": 7, "columns": ["State1_Vitals"]}]
        run_id = doc["run_id"]
        with Journal.open() as journal:
            assert journal.get_task(run_id, 7).conflict == ["State1_Vitals"]
            assert journal.get_task(run_id, 7).written
        after = fake.tab(TAB)
        assert after[6][10] == "edited by a colleague"
        assert after[6][11].startswith("{") and after[6][12].startswith("{")  # the rest of row 7 written
        warnings = {int(r[1]): r[12] for r in fake.tab(PROGRESS_TAB)[1:] if r[0] == run_id}
        assert "Conflict" in warnings[7] and "State1_Vitals" in warnings[7]
        assert sum("Conflict" in str(w) for w in warnings.values()) == 1

        code, out, err = cli(capsys, "revert", run_id, "--json")
        assert code == 0, err
        reverted = json.loads(out)
        assert {"row": 7, "column": "State1_Vitals"} not in reverted["reverted"]
        assert {"row": 7, "column": "State2_Vitals"} in reverted["reverted"]
        restored = fake.tab(TAB)
        width = max(len(line) for line in before + restored)
        pad = [[*line, *[""] * (width - len(line))] for line in before + restored]
        changed = {(r, c) for r in range(len(before)) for c in range(width)
                   if pad[r][c] != pad[len(before) + r][c]}
        assert changed == {(6, 10)}  # everything back but the colleague's cell
        assert restored[6][10] == "edited by a colleague"


def test_scenario_tab_named_with_spaces_and_apostrophes(openai: FakeOpenAI, journal: Journal) -> None:
    name = "Dr O'Brien's 'ER' cases"
    with sheets_with(scenario_rows(12), tab=name) as fake:
        source = quick_source(fake, tab=name)
        run_id = plan(journal, source, overwrite=True)
        outcome = LiveRun(journal, source, run_id, make_client(openai).generate, workers=4).execute()
        assert outcome.status is RunStatus.COMPLETED
        assert outcome.counts == {RowStatus.COMPLETED.value: 12}
        named = {tab for call in fake.tab_calls for tab in call.tabs}
        assert named == {name, PROGRESS_TAB, METADATA, STRUCTURE}
        assert fake.count(status=200) == fake.count()
        tab, header = fake.tab(name), fake.tab(name)[1]
        for task in journal.tasks(run_id):
            for column in task.columns_requested:
                assert json.loads(tab[task.row - 1][header.index(column)]) == (task.result or {})[column]
        mirror_matches_journal(fake, journal, run_id)


def test_progress_init_and_rebuild_through_the_cli(
    openai: FakeOpenAI, simbatch_home: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with sheets_with(scenario_rows(6)) as fake:
        cli_env(monkeypatch, simbatch_home, fake, openai)
        code, out, _ = cli(capsys, "progress", "init", "--source", f"gsheet:{SHEET_ID}")
        assert code == 0 and "Created the Batch_Progress tab" in out
        assert fake.tab(PROGRESS_TAB) == [list(PROGRESS_COLUMNS)]
        fake.edit_cell(PROGRESS_TAB, "A2", "someone's note")
        code, out, _ = cli(capsys, "progress", "init", "--source", f"gsheet:{SHEET_ID}")
        assert code == 0 and "already exists" in out and "left as it was" in out
        assert fake.tab(PROGRESS_TAB)[1] == ["someone's note"]

        code, out, err = cli(capsys, "run", "--source", f"gsheet:{SHEET_ID}", "--rows", "all", "--json")
        assert code == 0, err
        run_id = json.loads(out)["run_id"]
        assert fake.tab(PROGRESS_TAB)[1] == ["someone's note"]  # the run appended below it
        with Journal.open() as journal:
            mirror_matches_journal(fake, journal, run_id)
        # Someone clears the tab (but the note); the journal puts the run's rows back.
        fake.set_tab(PROGRESS_TAB, [list(PROGRESS_COLUMNS), ["someone's note"]])
        code, out, err = cli(capsys, "progress", "rebuild", "--run", run_id)
        assert code == 0, err
        assert f"Wrote 6 rows of run {run_id}" in out
        with Journal.open() as journal:
            mirror_matches_journal(fake, journal, run_id)
        assert fake.tab(PROGRESS_TAB)[1] == ["someone's note"]
        fake.faults.fail_next = [403]  # refused: not retried
        code, out, err = cli(capsys, "progress", "rebuild", "--run", run_id)
        assert code == 3 and "could not be written" in err and "Traceback" not in err
        code, _, err = cli(capsys, "progress", "rebuild", "--run", "r-nope")
        assert code == 2 and "no run" in err


def test_no_token_in_any_file_or_log_after_sign_in_logout_and_a_run(
    openai: FakeOpenAI, simbatch_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:
    import webbrowser

    from desktop.services import auth, auth_token
    from tests.fakes.oauth_server import FakeBrowser, FakeOAuth

    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    monkeypatch.setattr(webbrowser, "get", lambda using=None: FakeBrowser())
    auth_token.forget_credentials()
    caplog.set_level("DEBUG")
    with FakeOAuth() as oauth, sheets_with(scenario_rows(8)) as fake:
        client = oauth.write_client_file(tmp_path / "client_secrets.json")
        assert auth.login(client).in_keyring
        assert auth.logout().revoked
        cli_env(monkeypatch, simbatch_home, fake, openai)
        code, out, err = cli(capsys, "run", "--source", f"gsheet:{SHEET_ID}", "--rows", "all", "--json")
        assert code == 0, err
        secrets_seen = [*oauth.refresh_tokens, *oauth.access_tokens]
        assert secrets_seen and all(len(s) > 8 for s in secrets_seen)
    auth_token.forget_credentials()
    files = [f for f in simbatch_home.rglob("*") if f.is_file()]
    assert any(f.suffix in (".db", ".sqlite", ".sqlite3") or "journal" in f.name for f in files), files
    for file in files:
        data = file.read_bytes()
        assert all(s.encode() not in data for s in secrets_seen), file
    # What the app logs: its own "desktop" loggers at every level, and anything at WARNING or above
    # (what would reach stderr). requests_oauthlib logs the token response at DEBUG, which no handler
    # of ours shows.
    shown = [r.getMessage() for r in caplog.records if r.name.startswith("desktop") or r.levelno >= 30]
    logs = "\n".join([out, err, *shown])
    assert all(s not in logs for s in secrets_seen)
