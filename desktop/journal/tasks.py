"""Row tasks: the journaled state of every row of a run, changed one committed step at a time."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

from desktop.journal.db import JournalPart, from_json, now_iso, to_json
from desktop.journal.records import RowStatus, RowTask, shown_status

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


def _task_from(r: sqlite3.Row) -> RowTask:
    return RowTask(
        run_id=r["run_id"],
        row=r["row"],
        case_id=r["case_id"],
        status=RowStatus(r["status"]),
        attempts=r["attempts"],
        started_at=r["started_at"],
        completed_at=r["completed_at"],
        duration_sec=r["duration_sec"],
        input_tokens=r["input_tokens"],
        cached_tokens=r["cached_tokens"],
        output_tokens=r["output_tokens"],
        cost_usd=r["cost_usd"],
        error=r["error"],
        warnings=from_json(r["warnings"], []),
        vitals_added=r["vitals_added"],
        columns_requested=from_json(r["columns_requested"], []),
        original=from_json(r["original"], {}),
        result=from_json(r["result"], None),
        written_at=r["written_at"],
        conflict=from_json(r["conflict"], []),
        checkpoint=r["checkpoint"],
        updated_at=r["updated_at"],
        fields_requested=from_json(r["fields_requested"], {}),
        generated=from_json(r["generated"], {}),
        flags=from_json(r["flags"], []),
    )


class TasksPart(JournalPart):
    """The row-level half of the journal API. Every method that changes state commits before returning."""

    def tasks(self, run_id: str, statuses: Iterable[str] | None = None) -> list[RowTask]:
        """The run's row tasks in row order, optionally only those in ``statuses``."""
        if statuses is None:
            rows = self._store.rows("SELECT * FROM row_tasks WHERE run_id = ? ORDER BY row", (run_id,))
        else:
            wanted = [RowStatus(s).value for s in statuses]
            marks = ",".join("?" * len(wanted))
            rows = self._store.rows(
                f"SELECT * FROM row_tasks WHERE run_id = ? AND status IN ({marks}) ORDER BY row",
                (run_id, *wanted),
            )
        return [_task_from(r) for r in rows]

    def finish_times(self, run_id: str) -> list[tuple[str, float]]:
        """(finished at, cost) of each COMPLETED or FAILED row of the run, oldest first.

        Only the two columns a progress chart needs: reading whole tasks decodes every row's result.
        """
        rows = self._store.rows(
            "SELECT completed_at, cost_usd FROM row_tasks WHERE run_id = ? AND status IN (?, ?) "
            "AND completed_at IS NOT NULL ORDER BY completed_at",
            (run_id, RowStatus.COMPLETED.value, RowStatus.FAILED.value),
        )
        return [(str(r["completed_at"]), float(r["cost_usd"] or 0.0)) for r in rows]

    def get_task(self, run_id: str, row: int) -> RowTask:
        """One row task; ``KeyError`` when the run has no such row."""
        found = self._store.one("SELECT * FROM row_tasks WHERE run_id = ? AND row = ?", (run_id, row))
        if found is None:
            raise KeyError(f"run {run_id} has no row {row}")
        return _task_from(found)

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

    def unwritten_results(self, run_id: str) -> list[RowTask]:
        """COMPLETED rows whose result has not been written back to the source yet."""
        rows = self._store.rows(
            "SELECT * FROM row_tasks WHERE run_id = ? AND status = ? AND written_at IS NULL ORDER BY row",
            (run_id, RowStatus.COMPLETED.value),
        )
        return [_task_from(r) for r in rows]

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

    def columns_requested(self, run_id: str) -> dict[int, list[str]]:
        """The vitals columns each row of the run asks for (cheaper than reading whole tasks)."""
        rows = self._store.rows(
            "SELECT row, columns_requested FROM row_tasks WHERE run_id = ?", (run_id,)
        )
        return {r["row"]: from_json(r["columns_requested"], []) for r in rows}

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

    def latest_row_runs(self, source: str) -> dict[int, tuple[str, float, str]]:
        """Per row of ``source``, its latest live/batch task as (status, cost, updated_at), in one query.

        The status is the one shown to users: ``NEEDS_REVIEW`` for a completed row flagged for review.
        """
        rows = self._store.rows(
            "SELECT t.row, t.status, t.cost_usd, t.updated_at, t.flags <> '[]' AS flagged FROM row_tasks t"
            " JOIN runs r ON r.run_id = t.run_id"
            " WHERE r.source = ? AND r.kind IN ('live', 'batch') ORDER BY t.updated_at",
            (source,),
        )
        return {
            r["row"]: (shown_status(r["status"], bool(r["flagged"])), float(r["cost_usd"]), r["updated_at"])
            for r in rows
        }
