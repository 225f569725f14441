"""The journal's one SQLite connection: pragmas, file permissions, the write lock, damage checks.

Durability choice: WAL with ``synchronous=NORMAL``. A transaction is committed once its frames are
written to the WAL file; the operating system keeps those writes even when our process is
SIGKILLed, so a committed state change survives any crash of SimBatch itself (tests prove it). Only
a power cut or an operating-system crash can roll back the last few commits, and even then the file
stays consistent. FULL would add an fsync to every one of the many small commits a large run makes,
to guard only against power loss; we accept that trade.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import tenacity

from desktop.errors import InputError

FILE_MODE = 0o600
BUSY_TIMEOUT_MS = 5000
#: Sidecar files SQLite keeps next to the database in WAL mode.
SIDECAR_SUFFIXES: tuple[str, ...] = ("-wal", "-shm", "-journal")
_DAMAGE_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB
_BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED


def now_iso() -> str:
    """The current UTC time as ``2026-11-29T01:42:07.123Z`` (sortable, readable)."""
    # Not strftime: it imports ``time`` on every call, and with Qt loaded every import goes through
    # PySide's Python import hook (twice as slow, on every journal write of every worker).
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value: str) -> _dt.datetime:
    """Parse a timestamp written by ``now_iso``."""
    return _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def file_stamp() -> str:
    """A UTC timestamp for file names: ``20261129T014207Z``."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def to_json(value: object) -> str:
    """Compact JSON for a JSON column."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def from_json(text: str | None, default: Any) -> Any:
    """Decode a JSON column, returning ``default`` for NULL."""
    if text is None:
        return default
    return json.loads(text)


def restrict_permissions(path: Path) -> None:
    """Make the database file and its sidecars readable by the owner only (best effort off POSIX)."""
    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in SIDECAR_SUFFIXES)):
        try:
            os.chmod(candidate, FILE_MODE)
        except FileNotFoundError:
            continue
        except OSError:
            if os.name == "posix":
                raise


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists (then only tighten its mode).

    An existing file is never opened: closing any descriptor of a database file releases every
    POSIX lock this process holds on it, including those of SQLite connections already open,
    and another process could then change the file under them.
    """
    if not path.exists():
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
        except FileExistsError:
            pass
        else:
            os.close(fd)
    os.chmod(path, FILE_MODE)


def is_damage(error: sqlite3.DatabaseError) -> bool:
    """True when SQLite says the file is not a database or is corrupt (not merely busy)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _DAMAGE_CODES
    text = str(error).lower()
    return "not a database" in text or "malformed" in text


def set_aside_damaged(path: Path) -> Path:
    """Move a damaged journal (and its sidecars) to ``<name>.damaged-<stamp>``; return the new path."""
    target = path.with_name(f"{path.name}.damaged-{file_stamp()}")
    for suffix in ("", *SIDECAR_SUFFIXES):
        source = Path(f"{path}{suffix}")
        if source.exists():
            shutil.move(source, Path(f"{target}{suffix}"))
            os.chmod(Path(f"{target}{suffix}"), FILE_MODE)
    return target


def damaged_error(path: Path, backup: Path) -> InputError:
    """The one-sentence error for a journal SQLite cannot read."""
    return InputError(
        f"The journal at {path} is damaged; a backup is at {backup} "
        "and a new, empty journal will be started next time."
    )


def is_busy(error: BaseException) -> bool:
    """True when SQLite refused a lock because another connection holds it (SQLITE_BUSY/LOCKED)."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _BUSY_CODES
    return "locked" in str(error).lower()


def _prepare(conn: sqlite3.Connection, path: Path) -> None:
    """Switch the connection to WAL with our pragmas and check the file is sound."""
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise InputError(f"The journal at {path} cannot use write-ahead logging (mode {mode}).")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    verdict = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
    if verdict != "ok":
        raise sqlite3.DatabaseError(f"database disk image is malformed: {verdict}")


def connect(path: Path) -> sqlite3.Connection:
    """Open the single connection with WAL, a busy timeout and NORMAL sync; check the file is sound.

    Raises ``InputError`` (after setting the damaged file aside) when the file is not a usable
    SQLite database.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    create_private_file(path)
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    # When two processes open a brand-new file at once, both hold a shared lock and both ask for
    # the exclusive lock the switch to WAL needs; SQLite answers one of them "locked" at once,
    # without its busy handler, to break the deadlock. The other finishes in milliseconds.
    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_busy),
        stop=tenacity.stop_after_delay(BUSY_TIMEOUT_MS / 1000),
        wait=tenacity.wait_random_exponential(multiplier=0.005, max=0.25),
        reraise=True,
    )
    try:
        retrying(_prepare, conn, path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if not is_damage(exc):
            raise InputError(f"The journal at {path} cannot be opened ({exc}).") from exc
        backup = set_aside_damaged(path)
        raise damaged_error(path, backup) from exc
    except BaseException:
        conn.close()
        raise
    restrict_permissions(path)
    return conn


def runtime_error(path: Path, error: sqlite3.DatabaseError) -> InputError | None:
    """A one-sentence error for a damaged file or a full disk met while running, else None."""
    code = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
    if is_damage(error):
        return InputError(
            f"The journal at {path} is damaged; restart SimBatch to set it aside and start a new one."
        )
    if code == 13:  # SQLITE_FULL
        return InputError(f"The journal at {path} cannot be written because the disk is full.")
    if code == 10:  # SQLITE_IOERR
        return InputError(f"The journal at {path} cannot be read or written ({error}).")
    return None


class Store:
    """The one connection plus the lock every thread takes to use it.

    Writes run in short ``BEGIN IMMEDIATE`` transactions that are committed before ``write()``
    returns, so a state change is on disk before the work it announces starts.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.lock = threading.RLock()
        self._sidecars_checked = False

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Turn a damaged file or a full disk into a typed error; other errors pass unchanged."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            typed = runtime_error(self.path, exc)
            if typed is None:
                raise
            raise typed from exc

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A committed-on-exit write transaction (rolled back if the block raises)."""
        with self.lock, self._translated():
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:  # also after a failed COMMIT (e.g. a full disk)
                    self.conn.execute("ROLLBACK")
                raise
            if not self._sidecars_checked:
                restrict_permissions(self.path)
                self._sidecars_checked = True

    def rows(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        """Run a read query and return every row (as ``sqlite3.Row``)."""
        with self.lock, self._translated():
            cursor = self.conn.execute(sql, params)
            cursor.row_factory = sqlite3.Row
            return cursor.fetchall()

    def one(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Row | None:
        """Run a read query and return its first row, or None."""
        found = self.rows(sql, params)
        return found[0] if found else None

    def close(self) -> None:
        """Checkpoint the WAL and close the connection."""
        with self.lock:
            with suppress(sqlite3.Error):
                self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self.conn.close()


class JournalPart:
    """Base of the journal's parts (runs, tasks, write-back …): they share one ``Store``."""

    _store: Store
