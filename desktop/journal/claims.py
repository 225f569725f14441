"""Claims this run holds (or is about to hold) on blocks of a shared sheet's rows.

Each step is committed before it is sent, like batch submission: ``CLAIMING`` before the claim goes to
the sheet, ``HELD`` once it is won, ``DONE`` / ``LOST`` / ``RELEASED`` after. After a crash the run
compares these records with the sheet's claims tab and carries on with the blocks still its own,
without claiming them again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from desktop.journal.db import JournalPart, from_json, now_iso, to_json


class ClaimStep(StrEnum):
    """Where this run stands with one block."""

    CLAIMING = "CLAIMING"  # the claim request may have been sent; the sheet says whether it won
    HELD = "HELD"
    DONE = "DONE"
    LOST = "LOST"  # another client won it or took it over
    RELEASED = "RELEASED"


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    """One block of a run: the session and epoch claimed, the step reached, the run's rows in it."""

    run_id: str
    block: int
    session: str
    epoch: int
    status: ClaimStep
    rows: list[int]
    updated_at: str


def _claim_from(r: sqlite3.Row) -> ClaimRecord:
    return ClaimRecord(
        r["run_id"], r["block"], r["session"], r["epoch"], ClaimStep(r["status"]),
        from_json(r["rows"], []), r["updated_at"],
    )


class ClaimsPart(JournalPart):
    """The claims table."""

    def record_claim(
        self, run_id: str, block: int, session: str, epoch: int, status: str, rows: Sequence[int]
    ) -> None:
        """Insert or replace the record of ``block`` (committed before the step it announces)."""
        with self._store.write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO claims (run_id, block, session, epoch, status, rows, updated_at)"
                " VALUES (?,?,?,?,?,?,?)",
                (run_id, block, session, epoch, str(status), to_json(list(rows)), now_iso()),
            )

    def set_claim_status(self, run_id: str, blocks: Sequence[int], status: str) -> None:
        """Move blocks to ``status``."""
        stamp = now_iso()
        with self._store.write() as conn:
            conn.executemany(
                "UPDATE claims SET status = ?, updated_at = ? WHERE run_id = ? AND block = ?",
                [(str(status), stamp, run_id, block) for block in blocks],
            )

    def claims(self, run_id: str) -> list[ClaimRecord]:
        """The run's block records, by block."""
        rows = self._store.rows("SELECT * FROM claims WHERE run_id = ? ORDER BY block", (run_id,))
        return [_claim_from(r) for r in rows]

    def hand_over(self, run_id: str, rows: Sequence[int], note: str) -> None:
        """Rows a colleague processes or processed: CANCELLED here with ``note`` as the reason, so this
        run neither requests nor writes them (resume looks at them again). A row whose request is in
        flight here is left alone: its answer is handed over once it has come back."""
        stamp = now_iso()
        with self._store.write() as conn:
            conn.executemany(
                "UPDATE row_tasks SET status = 'CANCELLED', error = ?, updated_at = ?"
                " WHERE run_id = ? AND row = ? AND status NOT IN ('FAILED', 'PROCESSING')"
                " AND NOT (status = 'COMPLETED' AND written_at IS NOT NULL)",
                [(note, stamp, run_id, row) for row in rows],
            )

    def work_left(self, run_id: str, first_row: int, last_row: int) -> tuple[int, int]:
        """(rows still to generate, rows generated but not written) among the run's rows
        ``first_row`` … ``last_row``: one small query, run often while a shared run works."""
        found = self._store.one(
            "SELECT COALESCE(SUM(status IN ('PENDING', 'PROCESSING', 'SUBMITTED')), 0) AS open,"
            " COALESCE(SUM(status = 'COMPLETED' AND written_at IS NULL), 0) AS unwritten"
            " FROM row_tasks WHERE run_id = ? AND row BETWEEN ? AND ?",
            (run_id, first_row, last_row),
        )
        return (0, 0) if found is None else (int(found["open"]), int(found["unwritten"]))

    def note_claim(self, run_id: str, rows: Sequence[int], checkpoint: str) -> None:
        """Write who claimed ``rows`` in their checkpoint (shown in the Batch_Progress tab)."""
        stamp = now_iso()
        with self._store.write() as conn:
            conn.executemany(
                "UPDATE row_tasks SET checkpoint = ?, updated_at = ? WHERE run_id = ? AND row = ?",
                [(checkpoint, stamp, run_id, row) for row in rows],
            )
