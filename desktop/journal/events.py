"""The event log: plain-language lines for the GUI log pane and the CLI."""

from __future__ import annotations

from desktop.journal.db import JournalPart, now_iso
from desktop.journal.records import EventRecord

LEVELS = ("debug", "info", "warning", "error")


class EventsPart(JournalPart):
    """Append-only log lines, optionally tied to a run."""

    def log_event(self, run_id: str | None, message: str, level: str = "info") -> None:
        """Append one line (``level`` is debug, info, warning or error)."""
        if level not in LEVELS:
            raise ValueError(f"unknown event level {level!r}")
        with self._store.write() as conn:
            conn.execute(
                "INSERT INTO events (run_id, time, level, message) VALUES (?,?,?,?)",
                (run_id, now_iso(), level, message),
            )

    def events(self, run_id: str | None = None, limit: int = 200) -> list[EventRecord]:
        """The latest ``limit`` lines (of one run, or of all), oldest first."""
        where, params = ("WHERE run_id = ?", (run_id,)) if run_id is not None else ("", ())
        rows = self._store.rows(f"SELECT * FROM events {where} ORDER BY id DESC LIMIT ?", (*params, limit))
        return [
            EventRecord(
                id=r["id"], run_id=r["run_id"], time=r["time"], level=r["level"], message=r["message"]
            )
            for r in reversed(rows)
        ]
