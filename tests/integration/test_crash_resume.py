"""Crash and resume: ``python -m desktop run`` killed with SIGKILL, then ``python -m desktop resume``."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from desktop.journal import Journal, RowStatus
from desktop.services.source import CellRef
from desktop.services.workbook import XlsxSource
from tests.conftest import REPO_ROOT
from tests.fakes.openai_server import FakeOpenAI
from tests.integration.live_helpers import API_KEY

ROWS = 48  # the demo workbook's data rows, all regenerated with --overwrite


@pytest.fixture
def fake(simbatch_home: Path) -> Iterator[FakeOpenAI]:
    settings = {"version": 2, "requests_per_minute": 100_000, "tokens_per_minute": 100_000_000}
    (simbatch_home / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    with FakeOpenAI(api_key=API_KEY, latency=0.05) as server:
        yield server


def cli_env(fake: FakeOpenAI, home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SIMBATCH_HOME=str(home),
        OPENAI_BASE_URL=fake.base_url,
        OPENAI_API_KEY=API_KEY,
        PYTHON_KEYRING_BACKEND="tests.memory_keyring.MemoryKeyring",
        PYTHONPATH=str(REPO_ROOT),
    )
    return env


def journal_counts(home: Path) -> tuple[int, int]:
    """(completed rows, completed rows not yet written) straight from the journal file."""
    path = home / "journal.sqlite3"
    if not path.exists():
        return 0, 0
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)) as conn:
            done, unwritten = conn.execute(
                "SELECT COUNT(*), COUNT(*) - COUNT(written_at) FROM row_tasks WHERE status = 'COMPLETED'"
            ).fetchone()
    except sqlite3.OperationalError:
        return 0, 0
    return int(done), int(unwritten)


def kill_when(proc: subprocess.Popen[str], ready: Callable[[], bool], limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it could be killed: {proc.communicate()}")
        time.sleep(0.01)
    proc.kill()
    pytest.fail("the run never reached the point to kill it")


def crash_and_resume(fake: FakeOpenAI, home: Path, workbook: Path, ready: Callable[[], bool]) -> None:
    env = cli_env(fake, home)
    run = [sys.executable, "-m", "desktop", "run", "--source", str(workbook), "--rows", "all",
           "--overwrite", "--workers", "4"]
    proc = subprocess.Popen(run, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    kill_when(proc, ready)
    seen = len(fake.log)
    with Journal.open(home / "journal.sqlite3") as journal:
        run_id = journal.list_runs()[0].run_id
        completed_at_kill = {t.row for t in journal.tasks(run_id, [RowStatus.COMPLETED])}
    assert 0 < len(completed_at_kill) < ROWS

    result = subprocess.run([sys.executable, "-m", "desktop", "resume", "--json"], env=env, cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["run_id"] == run_id and doc["counts"] == {"COMPLETED": ROWS}

    after_kill = [r.row for r in fake.log[seen:] if r.row is not None]
    assert not set(after_kill) & completed_at_kill  # completed rows were never requested again
    assert sorted(set(after_kill) | completed_at_kill) == list(range(3, 3 + ROWS))
    with Journal.open(home / "journal.sqlite3") as journal:
        tasks = journal.tasks(run_id)
        assert all(t.status is RowStatus.COMPLETED and t.written for t in tasks)
        # every row's cells hold its one journaled result
        refs = [CellRef(t.row, c) for t in tasks for c in t.columns_requested]
        cells = XlsxSource(workbook).read_cells(refs)
        for task in tasks:
            for column in task.columns_requested:
                assert json.loads(str(cells[CellRef(task.row, column)])) == (task.result or {})[column]
    assert API_KEY not in result.stdout + result.stderr


def test_kill_at_half_then_resume(fake: FakeOpenAI, simbatch_home: Path, demo_copy: Path) -> None:
    crash_and_resume(fake, simbatch_home, demo_copy, lambda: journal_counts(simbatch_home)[0] >= ROWS // 2)


def test_kill_during_write_back_then_resume(fake: FakeOpenAI, simbatch_home: Path, demo_copy: Path) -> None:
    def unwritten_results_waiting() -> bool:
        done, unwritten = journal_counts(simbatch_home)
        return done >= ROWS // 3 and unwritten > 0

    crash_and_resume(fake, simbatch_home, demo_copy, unwritten_results_waiting)
