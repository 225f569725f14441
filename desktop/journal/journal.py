"""``Journal``: the SQLite source of truth for runs, assembled from its parts."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import TracebackType

from desktop import paths
from desktop.errors import InputError
from desktop.journal.batches import BatchesPart
from desktop.journal.cache import CachePart
from desktop.journal.claims import ClaimsPart
from desktop.journal.db import Store, connect, damaged_error, is_damage, set_aside_damaged
from desktop.journal.events import EventsPart
from desktop.journal.migrations import migrate
from desktop.journal.outbox import OutboxPart
from desktop.journal.runs import RunsPart
from desktop.journal.task_queries import TaskQueriesPart
from desktop.journal.task_steps import TaskStepsPart
from desktop.journal.writeback import WritebackPart

JOURNAL_FILE = "journal.sqlite3"


def default_path() -> Path:
    """``<data folder>/journal.sqlite3`` (``SIMBATCH_HOME`` overrides the folder)."""
    return paths.data_home() / JOURNAL_FILE


class Journal(
    RunsPart,
    TaskQueriesPart,
    TaskStepsPart,
    WritebackPart,
    OutboxPart,
    BatchesPart,
    CachePart,
    EventsPart,
    ClaimsPart,
):
    """The run journal. Safe to share between threads: one connection, one lock, short transactions.

    Every method that changes state has committed when it returns.
    """

    def __init__(self, store: Store, backups: list[Path] | None = None) -> None:
        self._store = store
        self.path: Path = store.path
        #: Backup files made by migrations while opening.
        self.backups: list[Path] = backups or []

    @classmethod
    def open(cls, path: Path | None = None) -> Journal:
        """Open (creating or upgrading) the journal; ``InputError`` if the file is damaged or too new."""
        target = Path(path) if path is not None else default_path()
        conn = connect(target)
        try:
            backups = migrate(conn, target)
        except sqlite3.DatabaseError as exc:
            conn.close()
            if not is_damage(exc):
                raise InputError(f"The journal at {target} cannot be upgraded ({exc}).") from exc
            raise damaged_error(target, set_aside_damaged(target)) from exc
        except BaseException:
            conn.close()
            raise
        return cls(Store(conn, target), backups)

    def close(self) -> None:
        """Checkpoint and close the connection."""
        self._store.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
