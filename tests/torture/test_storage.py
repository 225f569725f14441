"""Storage failures: a torn last write in the journal's WAL, a full disk during write-back, and a
workbook made read-only by another program in the middle of a run."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import sqlite3
import stat
import struct
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from desktop.journal import Journal, RowStatus
from tests.fakes.openai_server import FakeOpenAI
from tests.integration.live_helpers import snapshot
from tests.torture.helpers import (
    assert_every_row_settled,
    cli_env,
    diff,
    expected_workbook,
    fast_settings,
    journal_tasks,
    make_workbook,
    start,
)
from tests.torture.kills import completed_rows

API_KEY = "sk-torture-storage-0123456789"
ENOSPC_DIR = Path(__file__).parent / "enospc"


@pytest.fixture
def fake(simbatch_home: Path) -> Iterator[FakeOpenAI]:
    fast_settings(simbatch_home)
    with FakeOpenAI(api_key=API_KEY, latency=0.02, seed=4) as server:
        yield server


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_args(workbook: Path) -> list[str]:
    return ["run", "--source", str(workbook), "--rows", "all", "--workers", "2", "--json"]


# ------------------------------------------------------------------------------------ torn WAL


def wal_commits(wal: bytes) -> tuple[int, list[int]]:
    """(frame size, end offsets of the valid commit frames) of a WAL file's current generation."""
    page_size = struct.unpack(">I", wal[8:12])[0]
    salts = wal[16:24]
    frame = 24 + page_size
    commits: list[int] = []
    offset = 32
    while offset + frame <= len(wal):
        header = wal[offset : offset + 24]
        if header[8:16] != salts:
            break
        if struct.unpack(">I", header[4:8])[0]:  # "database size after commit" marks a commit frame
            commits.append(offset + frame)
        offset += frame
    return frame, commits


def completed_in_copy(home: Path, folder: Path, wal_bytes: bytes) -> set[int]:
    """Completed rows seen by SQLite in a copy of the journal with the given WAL."""
    folder.mkdir()
    shutil.copyfile(home / "journal.sqlite3", folder / "journal.sqlite3")
    (folder / "journal.sqlite3-wal").write_bytes(wal_bytes)
    with closing(sqlite3.connect(folder / "journal.sqlite3")) as conn:
        return {r for (r,) in conn.execute("SELECT row FROM row_tasks WHERE status = 'COMPLETED'")}


def test_torn_wal_after_a_kill_keeps_earlier_commits(
    fake: FakeOpenAI, simbatch_home: Path, tmp_path: Path
) -> None:
    workbook = make_workbook(tmp_path / "bank.xlsx", 120)
    env = cli_env(fake.base_url, API_KEY, simbatch_home)
    proc = start(run_args(workbook), env)
    deadline = time.monotonic() + 30
    while len(completed_rows(simbatch_home)) < 40 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    wal_path = simbatch_home / "journal.sqlite3-wal"
    wal = wal_path.read_bytes()
    frame, commits = wal_commits(wal)
    assert len(commits) >= 2, "the kill left too little in the WAL to tear"
    # Expected: the journal as of the commit before the last one.
    kept = completed_in_copy(simbatch_home, tmp_path / "expected", wal[: commits[-2]])
    # Tear the last commit: cut its final frame in half, as a crash mid-write would.
    (simbatch_home / "journal.sqlite3-shm").unlink(missing_ok=True)
    wal_path.write_bytes(wal[: commits[-1] - frame // 2])

    with Journal.open() as journal:
        (run,) = journal.list_runs()
        assert {t.row for t in journal.tasks(run.run_id, [RowStatus.COMPLETED])} == kept
        assert kept
    done = start(["resume", "--json"], env).communicate(timeout=120)
    _, tasks = journal_tasks(simbatch_home)
    assert_every_row_settled(tasks, list(range(3, 123)))
    assert "Traceback" not in done[1]


# ------------------------------------------------------------------------------------ full disk


def test_full_disk_during_write_back_loses_nothing(
    fake: FakeOpenAI, simbatch_home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "books"
    folder.mkdir()
    workbook = make_workbook(folder / "bank.xlsx", 30)
    before, before_digest = snapshot(workbook), digest(workbook)
    env = cli_env(fake.base_url, API_KEY, simbatch_home)
    env["PYTHONPATH"] = f"{ENOSPC_DIR}:{env['PYTHONPATH']}"
    env["SIMBATCH_TEST_ENOSPC_DIR"] = str(folder)
    first = start(run_args(workbook), env)
    out, err = first.communicate(timeout=120)

    assert "No space left on device" in err and "Traceback" not in err
    assert first.returncode == 2 and "No space left on device" in json.loads(out)["error"]
    assert digest(workbook) == before_digest  # no partial write
    assert sorted(p.name for p in folder.iterdir()) == ["bank.xlsx"]  # no temporary file left
    _, tasks = journal_tasks(simbatch_home)
    assert {t.status for t in tasks} == {RowStatus.COMPLETED} and not any(t.written for t in tasks)

    env.pop("SIMBATCH_TEST_ENOSPC_DIR")
    done = start(["resume", "--json"], env)
    _out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    _, tasks = journal_tasks(simbatch_home)
    assert_every_row_settled(tasks, list(range(3, 33)))
    assert diff(expected_workbook(before, tasks), snapshot(workbook)) == {}
    assert len(fake.chat_requests(200)) == 30  # nothing was generated twice


# ------------------------------------------------------------------------------------ locked workbook


def test_workbook_locked_mid_run_then_unlocked(fake: FakeOpenAI, simbatch_home: Path, tmp_path: Path) -> None:
    workbook = make_workbook(tmp_path / "bank.xlsx", 60)
    before = snapshot(workbook)
    env = cli_env(fake.base_url, API_KEY, simbatch_home)
    proc = start(run_args(workbook), env)
    deadline = time.monotonic() + 30
    while not completed_rows(simbatch_home) and time.monotonic() < deadline:
        time.sleep(0.01)
    workbook.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # another program holds it read-only
    out, err = proc.communicate(timeout=120)

    assert "read-only" in err and "Traceback" not in err
    assert proc.returncode == 2 and "read-only" in json.loads(out)["error"]
    assert snapshot(workbook) == before  # no vitals written (a progress save may have raced the lock)
    _, tasks = journal_tasks(simbatch_home)
    assert {t.status for t in tasks} == {RowStatus.COMPLETED}

    workbook.chmod(stat.S_IRUSR | stat.S_IWUSR)
    done = start(["resume", "--json"], env)
    _out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    _, tasks = journal_tasks(simbatch_home)
    assert_every_row_settled(tasks, list(range(3, 63)))
    assert diff(expected_workbook(before, tasks), snapshot(workbook)) == {}
    assert len(fake.chat_requests(200)) == 60
