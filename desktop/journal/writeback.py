"""Write-back history: every cell a run wrote (or left alone because of a conflict), for revert."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from desktop.journal.db import JournalPart, from_json, now_iso, to_json
from desktop.journal.records import WriteRecord


def _record_from(r: sqlite3.Row) -> WriteRecord:
    return WriteRecord(
        id=r["id"],
        run_id=r["run_id"],
        row=r["row"],
        column=r["column_name"],
        value_before=from_json(r["value_before"], None),
        value_after=from_json(r["value_after"], None),
        written_at=r["written_at"],
        reverted_at=r["reverted_at"],
        batch_seq=r["batch_seq"],
        conflict=bool(r["conflict"]),
    )


class WritebackPart(JournalPart):
    """Write-back history, shared by enrichment, auto-fix, defaults and revert runs."""

    def record_writeback(self, run_id: str, changes: Sequence[WriteRecord]) -> int:
        """Journal one write batch (values before and after, exact types kept); return its sequence."""
        stamp = now_iso()
        with self._store.write() as conn:
            seq = conn.execute(
                "SELECT COALESCE(MAX(batch_seq), 0) + 1 FROM writebacks WHERE run_id = ?", (run_id,)
            ).fetchone()[0]
            conn.executemany(
                "INSERT INTO writebacks (run_id, row, column_name, value_before, value_after, written_at,"
                " batch_seq, conflict) VALUES (?,?,?,?,?,?,?,?)",
                (
                    (
                        run_id,
                        c.row,
                        c.column,
                        to_json(c.value_before),
                        to_json(c.value_after),
                        stamp,
                        seq,
                        int(c.conflict),
                    )
                    for c in changes
                ),
            )
        return int(seq)

    def writeback_history(self, run_id: str, include_reverted: bool = False) -> list[WriteRecord]:
        """The run's write-back entries in the order they were written."""
        extra = "" if include_reverted else " AND reverted_at IS NULL"
        rows = self._store.rows(f"SELECT * FROM writebacks WHERE run_id = ?{extra} ORDER BY id", (run_id,))
        return [_record_from(r) for r in rows]

    def mark_reverted(self, run_id: str, entries: Iterable[int]) -> None:
        """Stamp write-back entries (by id) whose old value has been put back."""
        stamp = now_iso()
        with self._store.write() as conn:
            conn.executemany(
                "UPDATE writebacks SET reverted_at = ? WHERE run_id = ? AND id = ? AND reverted_at IS NULL",
                ((stamp, run_id, entry) for entry in entries),
            )
