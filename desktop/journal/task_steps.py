"""Row task steps: the journaled state of every row of a run, changed one committed step at a time —
one row at a time in live runs, thousands in one transaction in Batch API runs."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

from desktop.journal.db import JournalPart, now_iso, to_json
from desktop.journal.records import RowStatus

# SQL shared by the one-row steps of live runs and the bulk steps of Batch API runs, so both record
# an attempt, a finish and its usage the same way.
#: A new attempt: status, one more attempt, ``started_at``, end times cleared (status, stamp, stamp).
_NEW_ATTEMPT_SQL = (
    "status = ?, attempts = attempts + 1, started_at = ?, completed_at = NULL, duration_sec = NULL,"
    " updated_at = ?"
)
#: A finish: status, end time and the duration since ``started_at`` (status, stamp, stamp, stamp).
_FINISH_SQL = (
    "status = ?, completed_at = ?, updated_at = ?,"
    " duration_sec = ROUND(MAX(0, (julianday(?) - julianday(started_at)) * 86400), 3)"
)
#: An attempt's usage added to earlier attempts' (input, cached, output tokens, cost).
_ADD_USAGE_SQL = (
    "input_tokens = input_tokens + ?, cached_tokens = cached_tokens + ?,"
    " output_tokens = output_tokens + ?, cost_usd = cost_usd + ?"
)


class TaskStepsPart(JournalPart):
    """The row-task steps of the journal API: each commits before returning."""

    def _update_one(
        self, conn: sqlite3.Connection, run_id: str, row: int, sql: str, params: tuple[object, ...]
    ) -> None:
        cursor = conn.execute(
            f"UPDATE row_tasks SET {sql} WHERE run_id = ? AND row = ?", (*params, run_id, row)
        )
        if cursor.rowcount == 0:
            raise KeyError(f"run {run_id} has no row {row}")

    def mark_processing(self, run_id: str, row: int) -> int:
        """PROCESSING, one more attempt, ``started_at`` now; returns the attempt number (1-based)."""
        stamp = now_iso()
        with self._store.write() as conn:
            self._update_one(conn, run_id, row, _NEW_ATTEMPT_SQL, (RowStatus.PROCESSING.value, stamp, stamp))
            attempts = conn.execute(
                "SELECT attempts FROM row_tasks WHERE run_id = ? AND row = ?", (run_id, row)
            ).fetchone()[0]
        return int(attempts)

    def _finish(
        self,
        run_id: str,
        row: int,
        status: RowStatus,
        sets: str,
        params: tuple[object, ...],
        usage: tuple[int, int, int, float],
    ) -> None:
        stamp = now_iso()
        with self._store.write() as conn:
            self._update_one(
                conn,
                run_id,
                row,
                f"{_FINISH_SQL}, {sets}, {_ADD_USAGE_SQL}",
                (status.value, stamp, stamp, stamp, *params, *usage),
            )

    def mark_completed(
        self,
        run_id: str,
        row: int,
        *,
        result: Mapping[str, object],
        input_tokens: int,
        cached_tokens: int,
        output_tokens: int,
        cost_usd: float,
        vitals_added: int,
        warnings: list[str],
        generated: Mapping[str, list[str]] | None = None,
        flags: list[dict[str, str]] | None = None,
    ) -> None:
        """COMPLETED with its result (``{column: vitals object}`` as written), the fields generated per
        column and the warnings that flag it for review; the usage adds to earlier attempts'."""
        self._finish(
            run_id,
            row,
            RowStatus.COMPLETED,
            "result = ?, vitals_added = ?, warnings = ?, generated = ?, flags = ?, error = NULL",
            (
                to_json(dict(result)),
                vitals_added,
                to_json(list(warnings)),
                to_json(dict(generated or {})),
                to_json(list(flags or [])),
            ),
            (input_tokens, cached_tokens, output_tokens, cost_usd),
        )

    def mark_failed(
        self,
        run_id: str,
        row: int,
        error: str,
        *,
        input_tokens: int = 0,
        cached_tokens: int = 0,
        output_tokens: int = 0,
        cost_usd: float = 0.0,
    ) -> None:
        """FAILED with the reason; any usage of the last attempt is still counted."""
        self._finish(
            run_id,
            row,
            RowStatus.FAILED,
            "error = ?",
            (error,),
            (input_tokens, cached_tokens, output_tokens, cost_usd),
        )

    def mark_status(self, run_id: str, rows: Iterable[int], status: str) -> None:
        """Set the status of many rows at once (e.g. SUBMITTED, CANCELLED, back to PENDING)."""
        value = RowStatus(status).value
        stamp = now_iso()
        with self._store.write() as conn:
            conn.executemany(
                "UPDATE row_tasks SET status = ?, updated_at = ? WHERE run_id = ? AND row = ?",
                ((value, stamp, run_id, row) for row in rows),
            )

    def add_usage(
        self,
        run_id: str,
        row: int,
        *,
        input_tokens: int,
        cached_tokens: int,
        output_tokens: int,
        cost_usd: float,
    ) -> None:
        """Add the usage of an attempt that did not finish the row (failed attempts still cost)."""
        with self._store.write() as conn:
            self._update_one(
                conn,
                run_id,
                row,
                f"{_ADD_USAGE_SQL}, updated_at = ?",
                (input_tokens, cached_tokens, output_tokens, cost_usd, now_iso()),
            )

    def set_checkpoint(self, run_id: str, row: int, checkpoint: str | None) -> None:
        """Store the row's checkpoint text (shown in the Checkpoint progress column)."""
        with self._store.write() as conn:
            self._update_one(conn, run_id, row, "checkpoint = ?, updated_at = ?", (checkpoint, now_iso()))

    def reset_interrupted(self, run_id: str) -> int:
        """Put rows left PROCESSING by a crashed process back to PENDING; return how many."""
        with self._store.write() as conn:
            cursor = conn.execute(
                "UPDATE row_tasks SET status = ?, updated_at = ? WHERE run_id = ? AND status = ?",
                (RowStatus.PENDING.value, now_iso(), run_id, RowStatus.PROCESSING.value),
            )
            return cursor.rowcount

    def mark_written(self, run_id: str, rows: Iterable[int]) -> None:
        """Stamp rows whose result is now in the source."""
        stamp = now_iso()
        with self._store.write() as conn:
            conn.executemany(
                "UPDATE row_tasks SET written_at = ?, updated_at = ? WHERE run_id = ? AND row = ?",
                ((stamp, stamp, run_id, row) for row in rows),
            )

    def mark_conflict(self, run_id: str, row: int, columns: list[str]) -> None:
        """Flag columns that someone changed since they were read (so they were not overwritten)."""
        with self._store.write() as conn:
            self._update_one(
                conn, run_id, row, "conflict = ?, updated_at = ?", (to_json(list(columns)), now_iso())
            )

    # -- bulk steps of Batch API runs (one transaction for thousands of rows) --------------------

    def mark_submitted(self, run_id: str, rows: Iterable[int]) -> None:
        """SUBMITTED inside a Batch API job: one more attempt, ``started_at`` now, end times cleared."""
        stamp = now_iso()
        with self._store.write() as conn:
            conn.executemany(
                f"UPDATE row_tasks SET {_NEW_ATTEMPT_SQL} WHERE run_id = ? AND row = ?",
                ((RowStatus.SUBMITTED.value, stamp, stamp, run_id, row) for row in rows),
            )

    def mark_finished_many(self, run_id: str, finished: Iterable[Mapping[str, object]]) -> None:
        """Finish many rows at once. Each item has ``row`` and ``status`` (COMPLETED or FAILED) and may
        have ``result``, ``error``, ``warnings``, ``generated``, ``flags``, ``vitals_added`` and the usage
        keys (``input_tokens``, ``cached_tokens``, ``output_tokens``, ``cost_usd``), which add to earlier
        attempts' like ``mark_completed`` / ``mark_failed``."""
        stamp = now_iso()

        def params(item: Mapping[str, object]) -> tuple[object, ...]:
            status = RowStatus(str(item["status"]))
            result = item.get("result")
            return (
                status.value,
                stamp,
                stamp,
                stamp,
                to_json(result) if result is not None and status is RowStatus.COMPLETED else None,
                int(item.get("vitals_added") or 0),  # type: ignore[call-overload]
                to_json(list(item.get("warnings") or [])),  # type: ignore[call-overload]
                to_json(dict(item.get("generated") or {})),  # type: ignore[call-overload]
                to_json(list(item.get("flags") or [])),  # type: ignore[call-overload]
                None if status is RowStatus.COMPLETED else str(item.get("error") or ""),
                int(item.get("input_tokens") or 0),  # type: ignore[call-overload]
                int(item.get("cached_tokens") or 0),  # type: ignore[call-overload]
                int(item.get("output_tokens") or 0),  # type: ignore[call-overload]
                float(item.get("cost_usd") or 0.0),  # type: ignore[arg-type]
                run_id,
                int(item["row"]),  # type: ignore[call-overload]
            )

        with self._store.write() as conn:
            conn.executemany(
                f"UPDATE row_tasks SET {_FINISH_SQL}, result = COALESCE(?, result), vitals_added = ?,"
                f" warnings = ?, generated = ?, flags = ?, error = ?, {_ADD_USAGE_SQL}"
                " WHERE run_id = ? AND row = ?",
                (params(item) for item in finished),
            )

