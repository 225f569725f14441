"""Reading row tasks: a run's tasks (all or by status), one task, what a chart, the write-back and a
batch need of them without decoding every result, and each row's latest task across runs of a source."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from desktop.journal.db import JournalPart, from_json
from desktop.journal.records import RowStatus, RowTask, shown_status


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


class TaskQueriesPart(JournalPart):
    """The row-task reads of the journal API (nothing here changes the journal)."""

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

    def unwritten_results(self, run_id: str) -> list[RowTask]:
        """COMPLETED rows whose result has not been written back to the source yet."""
        rows = self._store.rows(
            "SELECT * FROM row_tasks WHERE run_id = ? AND status = ? AND written_at IS NULL ORDER BY row",
            (run_id, RowStatus.COMPLETED.value),
        )
        return [_task_from(r) for r in rows]

    def columns_requested(self, run_id: str) -> dict[int, list[str]]:
        """The vitals columns each row of the run asks for (cheaper than reading whole tasks)."""
        rows = self._store.rows(
            "SELECT row, columns_requested FROM row_tasks WHERE run_id = ?", (run_id,)
        )
        return {r["row"]: from_json(r["columns_requested"], []) for r in rows}

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
