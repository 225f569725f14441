"""Batch API jobs: each id and step is journaled before and after it happens, so none is repeated."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from desktop.journal.db import JournalPart, from_json, now_iso, to_json
from desktop.journal.records import BatchJobRecord, BatchStep

#: Fields ``update_batch_job`` may change.
BATCH_JOB_FIELDS = frozenset(
    {
        "status",
        "jsonl_path",
        "input_file_id",
        "batch_id",
        "remote_status",
        "request_counts",
        "output_file_id",
        "error_file_id",
        "submitted_at",
        "finished_at",
        "cost_usd",
        "error",
        "rows",
    }
)


def _job_from(r: sqlite3.Row) -> BatchJobRecord:
    return BatchJobRecord(
        run_id=r["run_id"],
        chunk=r["chunk"],
        rows=from_json(r["rows"], []),
        status=r["status"],
        jsonl_path=r["jsonl_path"],
        input_file_id=r["input_file_id"],
        batch_id=r["batch_id"],
        remote_status=r["remote_status"],
        request_counts=from_json(r["request_counts"], {}),
        output_file_id=r["output_file_id"],
        error_file_id=r["error_file_id"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        submitted_at=r["submitted_at"],
        finished_at=r["finished_at"],
        cost_usd=r["cost_usd"],
        error=r["error"],
    )


class BatchesPart(JournalPart):
    """Batch API job records (one per chunk of a run's rows)."""

    def create_batch_job(self, run_id: str, chunk: int, rows: Sequence[int], jsonl_path: str) -> None:
        """Record a PREPARED job for ``chunk`` of the run, before anything is uploaded."""
        stamp = now_iso()
        with self._store.write() as conn:
            conn.execute(
                "INSERT INTO batch_jobs (run_id, chunk, rows, status, jsonl_path, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?)",
                (run_id, chunk, to_json(list(rows)), BatchStep.PREPARED.value, str(jsonl_path), stamp, stamp),
            )

    def update_batch_job(self, run_id: str, chunk: int, **fields: object) -> None:
        """Change some fields of a job (``status``, ``batch_id``, ``remote_status`` …) and commit."""
        unknown = set(fields) - BATCH_JOB_FIELDS
        if unknown:
            raise ValueError(f"unknown batch job fields: {sorted(unknown)}")
        values: dict[str, object] = {}
        for name, value in fields.items():
            if name in ("request_counts", "rows"):
                values[name] = to_json(value)
            elif name == "status" and value is not None:
                values[name] = str(value)
            else:
                values[name] = value
        values["updated_at"] = now_iso()
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self._store.write() as conn:
            cursor = conn.execute(
                f"UPDATE batch_jobs SET {assignments} WHERE run_id = ? AND chunk = ?",
                (*values.values(), run_id, chunk),
            )
            if cursor.rowcount == 0:
                raise KeyError(f"run {run_id} has no batch job {chunk}")

    def batch_jobs(self, run_id: str | None = None) -> list[BatchJobRecord]:
        """Jobs of one run (by chunk) or of every run (newest first)."""
        if run_id is None:
            rows = self._store.rows("SELECT * FROM batch_jobs ORDER BY created_at DESC, run_id, chunk")
        else:
            rows = self._store.rows("SELECT * FROM batch_jobs WHERE run_id = ? ORDER BY chunk", (run_id,))
        return [_job_from(r) for r in rows]

    def get_batch_job(self, run_id: str, chunk: int) -> BatchJobRecord | None:
        """One job, or None."""
        found = self._store.one("SELECT * FROM batch_jobs WHERE run_id = ? AND chunk = ?", (run_id, chunk))
        return _job_from(found) if found else None

    def find_batch_job(self, batch_id: str) -> BatchJobRecord | None:
        """The job the provider knows as ``batch_id``, or None."""
        found = self._store.one("SELECT * FROM batch_jobs WHERE batch_id = ?", (batch_id,))
        return _job_from(found) if found else None
