"""The outbox of Batch_Progress updates: kept until the sheet confirms, coalesced per row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from desktop.domain.models import CellValue
from desktop.journal.db import JournalPart, from_json, now_iso, to_json
from desktop.journal.records import OutboxItem


class OutboxPart(JournalPart):
    """Pending progress-mirror updates. Only the newest pending payload per (run, row) is kept."""

    def enqueue_progress(self, run_id: str, row: int, payload: Sequence[CellValue]) -> None:
        """Queue the row's 15 progress cells, replacing any update of that row not yet sent."""
        self.enqueue_progress_many(run_id, [(row, payload)])

    def enqueue_progress_many(self, run_id: str, items: Iterable[tuple[int, Sequence[CellValue]]]) -> None:
        """Queue several rows' progress cells in one transaction (same coalescing as one by one).

        A replaced update gets a new id, so an acknowledgement for the old one cannot swallow it.
        """
        stamp = now_iso()
        with self._store.write() as conn:
            for row, payload in items:
                conn.execute("DELETE FROM outbox WHERE run_id = ? AND row = ?", (run_id, row))
                conn.execute(
                    "INSERT INTO outbox (run_id, row, payload, created_at) VALUES (?,?,?,?)",
                    (run_id, row, to_json(list(payload)), stamp),
                )

    def pending_progress(self, limit: int = 5000, source: str | None = None) -> list[OutboxItem]:
        """The oldest unsent updates, at most ``limit`` of them; only those of runs on ``source``
        (a source locator) when given, so one workbook's progress never lands in another's tab."""
        if source is None:
            rows = self._store.rows(
                "SELECT id, run_id, row, payload, created_at FROM outbox"
                " WHERE sent_at IS NULL ORDER BY id LIMIT ?",
                (limit,),
            )
        else:
            rows = self._store.rows(
                "SELECT o.id, o.run_id, o.row, o.payload, o.created_at FROM outbox o"
                " JOIN runs r ON r.run_id = o.run_id"
                " WHERE o.sent_at IS NULL AND r.source = ? ORDER BY o.id LIMIT ?",
                (source, limit),
            )
        return [
            OutboxItem(
                id=r["id"],
                run_id=r["run_id"],
                row=r["row"],
                payload=from_json(r["payload"], []),
                created_at=r["created_at"],
            )
            for r in rows
        ]

    def ack_progress(self, ids: Iterable[int]) -> None:
        """Mark updates as written to the sheet."""
        stamp = now_iso()
        with self._store.write() as conn:
            conn.executemany(
                "UPDATE outbox SET sent_at = ? WHERE id = ? AND sent_at IS NULL", ((stamp, i) for i in ids)
            )

    def pending_progress_count(self) -> int:
        """How many progress updates still wait for the sheet."""
        found = self._store.one("SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL")
        return int(found["n"]) if found else 0
