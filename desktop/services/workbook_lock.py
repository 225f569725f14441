"""A lock file beside a workbook, like office apps leave, so two SimBatches never write one .xlsx at once.

An .xlsx on a shared drive has no claims like a Google Sheet: whoever saves last wins. So the first
SimBatch to write creates ``~$<name>.simbatch-lock`` (owner name, host, process id, start time) with
an exclusive create, and others are told who holds it instead of racing. A lock left by a process that
is gone on this same computer is stale and replaced; one from another computer is reported (its
process cannot be checked from here) with the file to delete if that SimBatch is really gone.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import socket
from dataclasses import asdict, dataclass
from pathlib import Path

from desktop.domain.utc_stamps import local_hh_mm
from desktop.errors import InputError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LockOwner:
    """Who holds a workbook."""

    name: str
    host: str
    pid: int
    started: str  # UTC, ISO 8601; shown, never compared


class WorkbookInUse(InputError):
    """Another SimBatch is writing this workbook."""


def lock_path(workbook: Path) -> Path:
    """The lock file of ``workbook``: ``~$<name>.simbatch-lock`` in the same folder."""
    return workbook.with_name(f"~${workbook.name}.simbatch-lock")


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return True  # cannot tell (e.g. Windows quirks): assume alive
    return True


class WorkbookLock:
    """The lock on one workbook for this process; ``acquire`` is idempotent, ``release`` removes it."""

    def __init__(self, workbook: Path, owner_name: str) -> None:
        self.path = lock_path(workbook)
        self.workbook = workbook
        started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        self.me = LockOwner(owner_name, socket.gethostname(), os.getpid(), started)
        self.held = False
        self.created = False

    def acquire(self) -> None:
        """Create the lock file, replacing a stale one; ``WorkbookInUse`` naming the holder otherwise."""
        if self.held:
            return
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                owner = self.owner()
                if owner is not None and (owner.host, owner.pid) == (self.me.host, self.me.pid):
                    self.held = True  # another source object of this process holds it: that one removes it
                    return
                if owner is None or (owner.host == self.me.host and not _pid_alive(owner.pid)):
                    log.info("Replacing the stale lock %s", self.path)
                    self.path.unlink(missing_ok=True)
                    continue
                raise WorkbookInUse(self._in_use_message(owner)) from None
            except OSError as exc:
                log.warning("No lock file could be made beside %s: %s", self.workbook, exc)
                return  # a read-only folder: the write itself will say so
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(asdict(self.me), handle)
            self.held = self.created = True
            return

    def owner(self) -> LockOwner | None:
        """Who the lock file names, or None when it is unreadable (a torn write counts as stale)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return LockOwner(str(data["name"]), str(data["host"]), int(data["pid"]), str(data["started"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def release(self) -> None:
        """Remove the lock file if this object made it."""
        if not self.held:
            return
        owner = self.owner()
        if self.created and owner is not None and (owner.host, owner.pid) == (self.me.host, self.me.pid):
            self.path.unlink(missing_ok=True)
        self.held = self.created = False

    def _in_use_message(self, owner: LockOwner) -> str:
        where = "this computer" if owner.host == self.me.host else owner.host
        return (
            f"The workbook {self.workbook.name} is being worked on by SimBatch on {owner.name} ({where}, "
            f"process {owner.pid}) since {local_hh_mm(owner.started)}. Wait until it finishes; if that "
            f"SimBatch is no longer running, delete {self.path.name} beside the workbook."
        )
