"""The journal file itself: location, pragmas, permissions, migrations, damage, crash durability."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from desktop.errors import InputError
from desktop.journal import JOURNAL_FILE, Journal, RowStatus
from desktop.journal.db import runtime_error
from desktop.journal.migrations import LATEST_VERSION, SCHEMA_V1
from tests.concurrency import run_in_threads
from tests.unit.journal_helpers import new_run

REPO_ROOT = Path(__file__).resolve().parents[2]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_default_location_follows_simbatch_home(simbatch_home: Path) -> None:
    with Journal.open() as journal:
        assert journal.path == simbatch_home / JOURNAL_FILE
    assert (simbatch_home / JOURNAL_FILE).exists()


def test_open_sets_wal_busy_timeout_sync_and_version(tmp_path: Path) -> None:
    folder = tmp_path / "new-folder"
    with Journal.open(folder / "j.sqlite3") as journal:
        conn = journal._store.conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert journal.backups == []  # a brand-new file needs no backup
    # A second open of an up-to-date file changes nothing and makes no backup.
    with Journal.open(folder / "j.sqlite3") as journal:
        assert journal.backups == []
    assert sorted(p.name for p in folder.iterdir()) == ["j.sqlite3"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_database_and_sidecar_files_are_private(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        path = tmp_path / "j.sqlite3"
        with Journal.open(path) as journal:
            new_run(journal)
            wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
            assert wal.exists() and shm.exists()
            assert {_mode(path), _mode(wal), _mode(shm)} == {0o600}
    finally:
        os.umask(old_umask)


def _build_v1_file(path: Path) -> None:
    conn = sqlite3.connect(path)
    for statement in SCHEMA_V1:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO runs (run_id, kind, source, scenario_tab, row_spec, model, settings, status, created_at,"
        " total_rows) VALUES ('r-old', 'live', 'gsheet:abc', 'Tab', '3-4', 'm', '{\"workers\": 2}',"
        " 'PAUSED', '2026-01-01T00:00:00.000Z', 2)"
    )
    conn.executemany(
        "INSERT INTO row_tasks (run_id, row, case_id, status, updated_at, cost_usd, input_tokens)"
        " VALUES ('r-old', ?, ?, ?, '2026-01-01T00:00:00.000Z', ?, ?)",
        [(3, "A", "COMPLETED", 0.5, 100), (4, "B", "PENDING", 0.0, 0)],
    )
    conn.execute(
        "INSERT INTO outbox (id, run_id, row, payload, created_at) VALUES"
        " (7, 'r-old', 3, '[\"r-old\", 3, \"A\", \"PENDING\"]', '2026-01-01T00:00:00.000Z')"
    )
    conn.commit()
    conn.close()


def test_v1_file_is_migrated_with_a_backup_and_data_kept(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_FILE
    _build_v1_file(path)
    with Journal.open(path) as journal:
        conn = journal._store.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION == 5
        run = journal.get_run("r-old")
        assert run is not None and run.settings == {"workers": 2} and run.status == "PAUSED"
        assert run.totals.completed == 1 and run.totals.pending == 1 and run.totals.cost_usd == 0.5
        assert journal.latest_unfinished_run() == run
        # The tables v2 added work on the migrated file.
        journal.log_event("r-old", "migrated")
        assert [e.message for e in journal.events("r-old")] == ["migrated"]
        # v3: the outbox kept its rows and never reuses an id.
        assert [(i.id, i.row) for i in journal.pending_progress()] == [(7, 3)]
        journal.enqueue_progress("r-old", 3, ["r-old", 3, "A", "COMPLETED", *[None] * 11])
        assert [i.id for i in journal.pending_progress()] == [8]
        # v4: claims on shared sheets, journaled per block.
        journal.record_claim("r-old", 0, "s1", 0, "CLAIMING", [3, 4])
        journal.set_claim_status("r-old", [0], "HELD")
        assert [(c.block, c.status, c.rows) for c in journal.claims("r-old")] == [(0, "HELD", [3, 4])]
        # v5: old rows ask for whole cells and are not flagged.
        old_task = journal.get_task("r-old", 3)
        assert old_task.fields_requested == {} and old_task.generated == {} and old_task.flags == []
        assert not old_task.flagged and run.totals.flagged == 0
        names = [b.name for b in journal.backups]
        assert len(names) == 4  # one backup before each step
        assert names[0].startswith(f"{JOURNAL_FILE}.bak-v1-")
        assert names[1].startswith(f"{JOURNAL_FILE}.bak-v2-")
        assert names[2].startswith(f"{JOURNAL_FILE}.bak-v3-")
        assert names[3].startswith(f"{JOURNAL_FILE}.bak-v4-")
        backup = journal.backups[0]
    assert backup.parent == tmp_path
    if os.name == "posix":
        assert _mode(backup) == 0o600
    old = sqlite3.connect(backup)
    try:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 1
        assert old.execute("SELECT run_id FROM runs").fetchall() == [("r-old",)]
        tables = {r[0] for r in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "events" not in tables and "row_tasks" in tables
    finally:
        old.close()


def test_journal_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_FILE
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    with pytest.raises(InputError, match="newer SimBatch"):
        Journal.open(path)


def test_garbage_file_is_a_clear_error_and_set_aside(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_FILE
    garbage = b"this is not a database at all " * 200
    path.write_bytes(garbage)
    with pytest.raises(InputError) as caught:
        Journal.open(path)
    message = str(caught.value)
    assert message.startswith(f"The journal at {path} is damaged; a backup is at ")
    backup = Path(message.split("a backup is at ")[1].split(" and a new")[0])
    assert backup.read_bytes() == garbage
    assert not path.exists()
    with Journal.open(path) as journal:  # the next start gets a fresh journal
        assert journal.list_runs() == []


def test_torn_database_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_FILE
    with Journal.open(path) as journal:
        new_run(journal, range(3, 3003), originals={r: {"Initial_Vitals": "x" * 200} for r in range(3, 3003)})
    assert not Path(f"{path}-wal").exists()  # checkpointed into the main file on close
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.truncate(size // 2)
    with pytest.raises(InputError, match="is damaged; a backup is at"):
        Journal.open(path)


def _run_child(script: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


_CHILD_PRELUDE = """
    import os, signal
    from pathlib import Path
    from desktop.journal import Journal
    journal = Journal.open(Path({path!r}))
    run_id = journal.create_run(kind="live", source="s", scenario_tab="t", row_spec="3-4", model="m",
                                settings={{}}, rows=[(3, "A"), (4, "B")])
    journal.mark_processing(run_id, 3)
    journal.mark_completed(run_id, 3, result={{"Initial_Vitals": {{"HR": 90}}}}, input_tokens=7,
                           cached_tokens=1, output_tokens=3, cost_usd=0.25, vitals_added=5, warnings=["w"])
    print(run_id, flush=True)
"""


@pytest.mark.parametrize("how", ["sigkill", "os_exit"])
def test_committed_state_survives_the_process_dying(tmp_path: Path, how: str) -> None:
    path = tmp_path / JOURNAL_FILE
    ending = "os.kill(os.getpid(), signal.SIGKILL)" if how == "sigkill" else "os._exit(9)"
    child = _run_child(_CHILD_PRELUDE.format(path=str(path)) + f"    {ending}\n")
    assert child.returncode != 0
    run_id = child.stdout.strip()
    assert Path(f"{path}-wal").exists()  # nothing was checkpointed: the data lives in the WAL
    with Journal.open(path) as journal:
        task = journal.get_task(run_id, 3)
        assert task.status is RowStatus.COMPLETED
        assert task.result == {"Initial_Vitals": {"HR": 90}}
        assert (task.input_tokens, task.cost_usd, task.warnings) == (7, 0.25, ["w"])
        assert journal.get_task(run_id, 4).status is RowStatus.PENDING


def test_torn_wal_tail_is_ignored_and_earlier_commits_survive(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_FILE
    script = _CHILD_PRELUDE.format(path=str(path)) + textwrap.indent(
        textwrap.dedent("""
        size_before = os.path.getsize(str(journal.path) + "-wal")
        journal.mark_failed(run_id, 4, "late failure")
        print(size_before, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """),
        "    ",
    )
    child = _run_child(script)
    run_id, size_before = child.stdout.split()
    wal = Path(f"{path}-wal")
    size_after = wal.stat().st_size
    assert size_after > int(size_before)  # the last commit added frames
    with wal.open("r+b") as handle:  # tear the last frame, as a crash mid-write would
        handle.truncate(size_after - 100)
    with Journal.open(path) as journal:
        assert journal.get_task(run_id, 3).status is RowStatus.COMPLETED
        assert journal.get_task(run_id, 4).status is RowStatus.PENDING  # the torn commit is dropped


def test_disk_full_and_damage_while_running_become_one_sentence_errors(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_FILE
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = 13  # type: ignore[attr-defined]
    corrupt = sqlite3.DatabaseError("database disk image is malformed")
    corrupt.sqlite_errorcode = 11  # type: ignore[attr-defined]
    constraint = sqlite3.IntegrityError("UNIQUE constraint failed")
    constraint.sqlite_errorcode = 19  # type: ignore[attr-defined]
    assert (
        str(runtime_error(path, full)) == f"The journal at {path} cannot be written because the disk is full."
    )
    assert "is damaged; restart SimBatch" in str(runtime_error(path, corrupt))
    assert runtime_error(path, constraint) is None  # programming errors stay as they are


def test_close_is_idempotent_and_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / JOURNAL_FILE
    journal = Journal.open(path)
    new_run(journal)
    journal.close()
    journal.close()
    assert not Path(f"{path}-wal").exists()


def test_opening_a_second_journal_keeps_the_first_ones_locks(tmp_path: Path) -> None:
    """Closing any descriptor of the database file drops every POSIX lock the process holds on it; a
    second open in the same process must not do that, or another process could change the file
    under the first connection (here: switch it out of WAL mode, which needs an exclusive lock)."""
    path = tmp_path / JOURNAL_FILE
    first = Journal.open(path)
    second = Journal.open(path)
    try:
        script = textwrap.dedent(
            f"""
            import sqlite3, sys
            conn = sqlite3.connect({str(path)!r}, timeout=0.2)
            try:
                mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            except sqlite3.OperationalError as exc:
                mode = "locked: " + str(exc)
            print(mode)
            """
        )
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
        result = out.stdout.strip()
        assert result == "wal" or result.startswith("locked"), out.stdout + out.stderr
        first.list_runs()
    finally:
        second.close()
        first.close()


def test_many_openers_of_a_brand_new_journal_all_succeed(tmp_path: Path) -> None:
    """The app and the command line (or a test watching a run) may open a new journal at once.

    Each opener holds a shared lock and wants the exclusive one the switch to WAL needs; SQLite
    answers the loser "database is locked" without waiting, so opening must retry that.
    """
    errors: list[BaseException] = []
    for attempt in range(150):
        barrier = threading.Barrier(6)

        def open_once(target: Path, start: threading.Barrier) -> None:
            start.wait()
            Journal.open(target).close()

        path = tmp_path / f"journal-{attempt}.sqlite3"
        errors += run_in_threads(open_once, [(path, barrier)] * 6)
    assert errors == []
