"""A colleague's SimBatch dies (SIGKILL) or sleeps (SIGSTOP) mid-run: another takes its rows over after
the lease, finishes, and the first one, back later, writes nothing stale."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.journal import RowStatus
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.sheets_server import FakeSheets
from tests.integration.live_helpers import API_KEY
from tests.sharing.helpers import (
    FIRST_ROW,
    claim_tabs,
    colleague_home,
    completed_rows,
    filled_rows,
    finish,
    start_resume,
    start_run,
    tasks_of,
)
from tests.torture.helpers import TAB

LEASE = 3.0
#: The first 200 of the 1,000 rows (four blocks) keep these tests quick; the colleagues tests do all
#: 1,000.
SPAN = 200
#: Dana is killed once this many rows are done: two blocks written and released, the third in flight.
KILL_AFTER = 120
ALL_ROWS = set(range(FIRST_ROW, FIRST_ROW + SPAN))
SELECT = f"{FIRST_ROW}-{FIRST_ROW + SPAN - 1}"


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def some_rows_done(home: Path, count: int) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return len(completed_rows(home)) >= count
        except Exception:  # the journal may not exist yet
            return False
    return check


def in_flight(home: Path) -> int:
    """Rows whose request a colleague had sent but whose result it had not written: at most these are
    generated twice."""
    return sum(
        1 for t in tasks_of(home)
        if t.status is RowStatus.PROCESSING or (t.status is RowStatus.COMPLETED and t.written_at is None)
    )


@pytest.mark.slow
def test_a_killed_colleagues_rows_are_taken_over_and_its_resume_writes_nothing_stale(
    sheets: FakeSheets, llm: FakeOpenAI, tmp_path: Path
) -> None:
    dana, sam = colleague_home(tmp_path, "Dana", LEASE), colleague_home(tmp_path, "Sam", LEASE)
    first = start_run(sheets, llm.base_url, API_KEY, dana, workers=2, rows=SELECT)
    wait_for(some_rows_done(dana, KILL_AFTER), first)
    first.kill()
    first.wait()
    paid_not_written = in_flight(dana)
    second = start_run(sheets, llm.base_url, API_KEY, sam, "--take-over", rows=SELECT)
    code, document, err = finish(second)
    assert code == 0 and document["status"] == "COMPLETED", (document, err)
    assert "Taking over rows" in err
    assert filled_rows(sheets, ALL_ROWS) == ALL_ROWS
    after_takeover = sheets.tab(TAB)
    # Dana's SimBatch comes back: it must not write its stale results over Sam's.
    code, document, err = finish(start_resume(sheets, llm.base_url, API_KEY, dana))
    assert code == 0, (document, err)
    now = sheets.tab(TAB)
    changed = [(n + 1, a, b) for n, (a, b) in enumerate(zip(after_takeover, now, strict=True)) if a != b]
    assert not changed, (changed[:3], err)
    counts = Counter(completed_rows(dana) + completed_rows(sam))
    twice = [r for r, n in counts.items() if n > 1]
    detail = [(who, t.row, t.status, t.written_at, t.error) for who, home in (("dana", dana), ("sam", sam))
              for t in tasks_of(home) if t.row in twice[:3]]
    assert set(counts) == ALL_ROWS and not twice, (len(twice), detail, err)
    requests = len(llm.chat_requests())
    assert SPAN <= requests <= SPAN + paid_not_written
    assert claim_tabs(sheets) == []


@pytest.mark.slow
def test_a_colleague_paused_past_its_lease_has_its_stale_commit_refused(
    sheets: FakeSheets, llm: FakeOpenAI, tmp_path: Path
) -> None:
    dana, sam = colleague_home(tmp_path, "Dana", LEASE), colleague_home(tmp_path, "Sam", LEASE)
    first = start_run(sheets, llm.base_url, API_KEY, dana, workers=2, rows=SELECT)
    # Once 60 rows are done Dana has generated rows 3-52 (block 0, written and released at once, or
    # about to be) and holds rows 53-102 (block 1) with requests in flight.
    wait_for(some_rows_done(dana, 60), first)
    os.kill(first.pid, signal.SIGSTOP)  # a laptop lid closed mid-run
    theirs = set(range(FIRST_ROW + 50, FIRST_ROW + SPAN))  # Sam's selection leaves Dana's block 0 alone
    try:
        span = f"{min(theirs)}-{max(theirs)}"
        second = start_run(sheets, llm.base_url, API_KEY, sam, "--take-over", rows=span)
        code, document, err = finish(second)
        assert code == 0 and document["status"] == "COMPLETED", (document, err)
        assert filled_rows(sheets, theirs) == theirs
        after_takeover = sheets.tab(TAB)
        refused_before = sheets.count("spreadsheets.batchUpdate", status=400)
    finally:
        os.kill(first.pid, signal.SIGCONT)
    code, document, err = finish(first)
    assert code == 0, (document, err)
    # Dana's first write after waking up carried the claim check of block 1: the sheet refused it.
    assert sheets.count("spreadsheets.batchUpdate", status=400) > refused_before
    now = sheets.tab(TAB)
    stale = [n for n in sorted(theirs) if now[n - 1] != after_takeover[n - 1]]
    assert not stale, (stale[:5], err)  # nothing of Dana's reached the rows Sam took over
    counts = Counter(completed_rows(dana) + completed_rows(sam))
    twice = [r for r, n in counts.items() if n > 1]
    detail = [(t.row, t.status, t.written_at, t.error, t.attempts) for t in tasks_of(dana) if t.row in twice]
    assert set(counts) == ALL_ROWS and not twice, (detail, err)
    assert filled_rows(sheets, ALL_ROWS) == ALL_ROWS  # Dana still finished her own block 0
    assert claim_tabs(sheets) == []
