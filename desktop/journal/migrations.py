"""The journal schema, versioned with ``PRAGMA user_version`` and upgraded one step at a time.

``MIGRATIONS[n]`` takes a database at version ``n`` to ``n + 1``. Version 1 is kept below as a
literal so old files can always be rebuilt in tests. Before each step on a file that already holds
data, a consistent copy is saved as ``journal.sqlite3.bak-v<N>-<timestamp>`` (mode 0600).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from desktop.errors import InputError
from desktop.journal.db import FILE_MODE, create_private_file, file_stamp

SCHEMA_V1: tuple[str, ...] = (
    """CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        source TEXT NOT NULL,
        scenario_tab TEXT NOT NULL,
        row_spec TEXT NOT NULL,
        model TEXT,
        settings TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT,
        total_rows INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    )""",
    "CREATE INDEX runs_created ON runs (created_at)",
    """CREATE TABLE row_tasks (
        run_id TEXT NOT NULL REFERENCES runs (run_id),
        row INTEGER NOT NULL,
        case_id TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        started_at TEXT,
        completed_at TEXT,
        duration_sec REAL,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        cached_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL NOT NULL DEFAULT 0,
        error TEXT,
        warnings TEXT NOT NULL DEFAULT '[]',
        vitals_added INTEGER NOT NULL DEFAULT 0,
        columns_requested TEXT NOT NULL DEFAULT '[]',
        original TEXT NOT NULL DEFAULT '{}',
        result TEXT,
        written_at TEXT,
        conflict TEXT NOT NULL DEFAULT '[]',
        checkpoint TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (run_id, row)
    ) WITHOUT ROWID""",
    """CREATE TABLE writebacks (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs (run_id),
        row INTEGER NOT NULL,
        column_name TEXT NOT NULL,
        value_before TEXT,
        value_after TEXT,
        written_at TEXT NOT NULL,
        reverted_at TEXT,
        batch_seq INTEGER NOT NULL,
        conflict INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX writebacks_run ON writebacks (run_id, batch_seq)",
    """CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL,
        row INTEGER NOT NULL,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL,
        sent_at TEXT
    )""",
    "CREATE INDEX outbox_run_row ON outbox (run_id, row)",
    """CREATE TABLE batch_jobs (
        run_id TEXT NOT NULL REFERENCES runs (run_id),
        chunk INTEGER NOT NULL,
        rows TEXT NOT NULL,
        status TEXT NOT NULL,
        jsonl_path TEXT NOT NULL,
        input_file_id TEXT,
        batch_id TEXT,
        remote_status TEXT,
        request_counts TEXT NOT NULL DEFAULT '{}',
        output_file_id TEXT,
        error_file_id TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        submitted_at TEXT,
        finished_at TEXT,
        cost_usd REAL NOT NULL DEFAULT 0,
        error TEXT,
        PRIMARY KEY (run_id, chunk)
    )""",
)


def _create_v1(conn: sqlite3.Connection) -> None:
    """Version 0 → 1: the first schema (runs, row tasks, write-back history, outbox, batch jobs)."""
    for statement in SCHEMA_V1:
        conn.execute(statement)


def _v1_to_v2(conn: sqlite3.Connection) -> None:
    """Version 1 → 2: offline scenario cache, the event log, and indexes for large runs."""
    conn.execute(
        """CREATE TABLE source_cache (
            locator TEXT NOT NULL,
            row INTEGER NOT NULL,
            case_id TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            payload TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (locator, row)
        ) WITHOUT ROWID"""
    )
    conn.execute(
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            run_id TEXT,
            time TEXT NOT NULL,
            level TEXT NOT NULL,
            message TEXT NOT NULL
        )"""
    )
    conn.execute("CREATE INDEX events_run ON events (run_id, id)")
    conn.execute("CREATE INDEX row_tasks_status ON row_tasks (run_id, status)")
    conn.execute("CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL")
    conn.execute("CREATE INDEX batch_jobs_batch_id ON batch_jobs (batch_id)")


def _v2_to_v3(conn: sqlite3.Connection) -> None:
    """Version 2 → 3: outbox ids are never reused (AUTOINCREMENT).

    Replacing a row's pending update deletes the old one; without AUTOINCREMENT SQLite could give the
    new update the deleted one's id, and the acknowledgement of the old update, sent meanwhile, then
    marked the new one as sent: a lost progress update.
    """
    conn.execute(
        """CREATE TABLE outbox_v3 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL,
            row INTEGER NOT NULL,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT
        )"""
    )
    conn.execute(
        "INSERT INTO outbox_v3 (id, run_id, row, payload, created_at, sent_at)"
        " SELECT id, run_id, row, payload, created_at, sent_at FROM outbox"
    )
    conn.execute("DROP TABLE outbox")
    conn.execute("ALTER TABLE outbox_v3 RENAME TO outbox")
    conn.execute("CREATE INDEX outbox_run_row ON outbox (run_id, row)")
    conn.execute("CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL")


def _v3_to_v4(conn: sqlite3.Connection) -> None:
    """Version 3 → 4: claims on blocks of rows of a shared Google Sheet, journaled before each step."""
    conn.execute(
        """CREATE TABLE claims (
            run_id TEXT NOT NULL REFERENCES runs (run_id),
            block INTEGER NOT NULL,
            session TEXT NOT NULL,
            epoch INTEGER NOT NULL,
            status TEXT NOT NULL,
            rows TEXT NOT NULL DEFAULT '[]',
            updated_at TEXT NOT NULL,
            PRIMARY KEY (run_id, block)
        ) WITHOUT ROWID"""
    )


def _v4_to_v5(conn: sqlite3.Connection) -> None:
    """Version 4 → 5: field-level generation and review flags.

    ``fields_requested``: per column, the vitals fields to generate (``{}`` in older runs: whole cells);
    ``generated``: per column, the fields the model wrote; ``flags``: the warnings of the written vitals
    (a row with any is flagged for review), as issue objects.
    """
    conn.execute("ALTER TABLE row_tasks ADD COLUMN fields_requested TEXT NOT NULL DEFAULT '{}'")
    conn.execute("ALTER TABLE row_tasks ADD COLUMN generated TEXT NOT NULL DEFAULT '{}'")
    conn.execute("ALTER TABLE row_tasks ADD COLUMN flags TEXT NOT NULL DEFAULT '[]'")


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _create_v1,
    _v1_to_v2,
    _v2_to_v3,
    _v3_to_v4,
    _v4_to_v5,
)
LATEST_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The file's ``PRAGMA user_version``."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def backup_copy(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    """Write a consistent copy of the database (WAL content included) next to it; return its path."""
    target = path.with_name(f"{path.name}.bak-v{version}-{file_stamp()}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.bak-v{version}-{file_stamp()}-{counter}")
    create_private_file(target)
    dest = sqlite3.connect(str(target))
    try:
        conn.backup(dest)
    finally:
        dest.close()
    target.chmod(FILE_MODE)
    return target


def migrate(conn: sqlite3.Connection, path: Path) -> list[Path]:
    """Bring the file up to ``LATEST_VERSION``; return the backups made (none for a new file).

    Each step runs in its own transaction together with the version bump, and re-reads the
    version under the write lock so two processes opening the same file cannot both migrate it.
    """
    version = schema_version(conn)
    if version > LATEST_VERSION:
        raise InputError(
            f"The journal at {path} was written by a newer SimBatch (schema {version}); "
            "please update SimBatch."
        )
    backups: list[Path] = []
    had_data = version > 0
    while version < LATEST_VERSION:
        if had_data:
            backups.append(backup_copy(conn, path, version))
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = schema_version(conn)
            if current == version:
                MIGRATIONS[version](conn)
                conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version = schema_version(conn)
    return backups
