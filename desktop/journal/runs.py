"""Runs: creating one with its row tasks, reading them back with totals, changing their status."""

from __future__ import annotations

import datetime as _dt
import secrets
import sqlite3
from collections.abc import Mapping, Sequence

from desktop.journal.db import JournalPart, from_json, now_iso, to_json
from desktop.journal.records import (
    ENDED_RUN_STATUSES,
    UNFINISHED_RUN_STATUSES,
    RowStatus,
    RunKind,
    RunRecord,
    RunStatus,
    RunTotals,
)

#: Setting names that would hold a secret; the journal refuses them.
SECRET_SETTING_NAMES = frozenset(
    {"api_key", "openai_api_key", "access_token", "refresh_token", "password", "secret", "client_secret"}
)

_TOTALS_SQL = """
SELECT run_id, status, COUNT(*) AS n, SUM(input_tokens) AS input_tokens,
       SUM(cached_tokens) AS cached_tokens, SUM(output_tokens) AS output_tokens,
       SUM(cost_usd) AS cost_usd, SUM(vitals_added) AS vitals_added,
       COUNT(written_at) AS written, SUM(conflict <> '[]') AS conflicts,
       SUM(flags <> '[]') AS flagged
FROM row_tasks WHERE {where} GROUP BY run_id, status
"""


def _fields_of(columns: Sequence[str] | Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    """The ``fields_requested`` of a row: a field plan as lists (nothing for whole columns)."""
    if not isinstance(columns, Mapping):
        return {}
    return {str(column): list(fields) for column, fields in columns.items()}


def new_run_id() -> str:
    """A short readable id such as ``r-20261129-0142-7f3a`` (local time and 4 random hex digits)."""
    return f"r-{_dt.datetime.now():%Y%m%d-%H%M}-{secrets.token_hex(2)}"


def _totals_from(rows: Sequence[sqlite3.Row]) -> dict[str, RunTotals]:
    """Fold ``_TOTALS_SQL`` rows (one per run and status) into one ``RunTotals`` per run."""
    status_fields = {s.value: s.value.lower() for s in RowStatus}
    summed = (
        "input_tokens", "cached_tokens", "output_tokens", "vitals_added", "written", "conflicts", "flagged"
    )
    acc: dict[str, dict[str, int]] = {}
    cost: dict[str, float] = {}
    for r in rows:
        t = acc.setdefault(r["run_id"], {})
        status_field = status_fields.get(r["status"])
        if status_field:
            t[status_field] = t.get(status_field, 0) + r["n"]
        t["rows"] = t.get("rows", 0) + r["n"]
        for key in summed:
            t[key] = t.get(key, 0) + int(r[key] or 0)
        cost[r["run_id"]] = cost.get(r["run_id"], 0.0) + float(r["cost_usd"] or 0.0)
    return {
        run_id: RunTotals(
            rows=t.get("rows", 0),
            pending=t.get("pending", 0),
            processing=t.get("processing", 0),
            submitted=t.get("submitted", 0),
            completed=t.get("completed", 0),
            failed=t.get("failed", 0),
            cancelled=t.get("cancelled", 0),
            input_tokens=t.get("input_tokens", 0),
            cached_tokens=t.get("cached_tokens", 0),
            output_tokens=t.get("output_tokens", 0),
            cost_usd=round(cost[run_id], 10),
            vitals_added=t.get("vitals_added", 0),
            written=t.get("written", 0),
            conflicts=t.get("conflicts", 0),
            flagged=t.get("flagged", 0),
        )
        for run_id, t in acc.items()
    }


def _run_from(row: sqlite3.Row, totals: RunTotals | None) -> RunRecord:
    return RunRecord(
        run_id=row["run_id"],
        kind=RunKind(row["kind"]),
        source=row["source"],
        scenario_tab=row["scenario_tab"],
        row_spec=row["row_spec"],
        model=row["model"],
        settings=from_json(row["settings"], {}),
        status=RunStatus(row["status"]),
        created_at=row["created_at"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        last_error=row["last_error"],
        totals=totals or RunTotals(),
    )


class RunsPart(JournalPart):
    """The run-level half of the journal API."""

    def create_run(
        self,
        *,
        kind: RunKind,
        source: str,
        scenario_tab: str,
        row_spec: str,
        model: str | None,
        settings: Mapping[str, object],
        rows: Sequence[tuple[int, str]],
        columns: Mapping[int, Sequence[str] | Mapping[str, Sequence[str]]] | None = None,
        originals: Mapping[int, Mapping[str, object]] | None = None,
    ) -> str:
        """Record a new PENDING run and one PENDING task per ``(row, case_id)``; return the run id.

        ``columns`` gives per row the vitals columns to generate, as a list (whole cells) or a field plan
        (column → fields), and ``originals`` the cells as read (so write-back can detect changes).
        Everything is committed in one transaction.
        """
        leaked = SECRET_SETTING_NAMES.intersection(k.lower() for k in settings)
        if leaked:
            raise ValueError(f"settings must not hold secrets: {sorted(leaked)}")
        settings_json = to_json(dict(settings))
        columns = columns or {}
        originals = originals or {}
        stamp = now_iso()
        task_rows = [
            (
                "",
                row,
                case_id,
                RowStatus.PENDING.value,
                to_json(list(columns.get(row, []))),
                to_json(dict(originals.get(row, {}))),
                stamp,
                to_json(_fields_of(columns.get(row))),
            )
            for row, case_id in rows
        ]
        while True:
            run_id = new_run_id()
            try:
                with self._store.write() as conn:
                    conn.execute(
                        "INSERT INTO runs (run_id, kind, source, scenario_tab, row_spec, model, settings,"
                        " status, created_at, total_rows) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (
                            run_id,
                            RunKind(kind).value,
                            source,
                            scenario_tab,
                            row_spec,
                            model,
                            settings_json,
                            RunStatus.PENDING.value,
                            stamp,
                            len(task_rows),
                        ),
                    )
                    conn.executemany(
                        "INSERT INTO row_tasks (run_id, row, case_id, status, columns_requested, original,"
                        " updated_at, fields_requested) VALUES (?,?,?,?,?,?,?,?)",
                        ((run_id, *task[1:]) for task in task_rows),
                    )
            except sqlite3.IntegrityError:
                if self._store.one("SELECT 1 FROM runs WHERE run_id = ?", (run_id,)) is None:
                    raise  # not an id collision: duplicate rows in the request
                continue
            return run_id

    def get_run(self, run_id: str) -> RunRecord | None:
        """One run with its totals, or None when unknown."""
        row = self._store.one("SELECT * FROM runs WHERE run_id = ?", (run_id,))
        if row is None:
            return None
        totals = _totals_from(self._store.rows(_TOTALS_SQL.format(where="run_id = ?"), (run_id,)))
        return _run_from(row, totals.get(run_id))

    def list_runs(self, limit: int | None = None) -> list[RunRecord]:
        """Runs, newest first, with totals (one grouped query for all of them)."""
        limit_sql = "LIMIT ?" if limit is not None else ""
        params: tuple[object, ...] = (limit,) if limit is not None else ()
        with self._store.lock:
            runs = self._store.rows(
                f"SELECT * FROM runs ORDER BY created_at DESC, rowid DESC {limit_sql}", params
            )
            where = (
                f"run_id IN (SELECT run_id FROM runs ORDER BY created_at DESC, rowid DESC {limit_sql})"
                if limit is not None
                else "1"
            )
            totals = _totals_from(self._store.rows(_TOTALS_SQL.format(where=where), params))
        return [_run_from(r, totals.get(r["run_id"])) for r in runs]

    def unfinished_runs(self) -> list[RunRecord]:
        """Runs that can be resumed (pending, running, paused or interrupted), newest first."""
        wanted = {s.value for s in UNFINISHED_RUN_STATUSES}
        return [run for run in self.list_runs() if run.status.value in wanted]

    def latest_unfinished_run(self) -> RunRecord | None:
        """The newest run that can be resumed, or None."""
        found = self.unfinished_runs()
        return found[0] if found else None

    def set_run_status(self, run_id: str, status: str, error: str | None = None) -> None:
        """Change a run's status; RUNNING stamps ``started_at``, end states stamp ``ended_at``."""
        status = RunStatus(status)
        stamp = now_iso()
        ended = stamp if status in ENDED_RUN_STATUSES else None
        with self._store.write() as conn:
            cursor = conn.execute(
                "UPDATE runs SET status = ?, started_at = CASE WHEN ? THEN COALESCE(started_at, ?)"
                " ELSE started_at END, ended_at = ?, last_error = COALESCE(?, last_error) WHERE run_id = ?",
                (status.value, status is RunStatus.RUNNING, stamp, ended, error, run_id),
            )
            if cursor.rowcount == 0:
                raise KeyError(f"unknown run {run_id}")

    def run_counts(self, run_id: str) -> dict[str, int]:
        """Number of rows per row status (only statuses that occur)."""
        rows = self._store.rows(
            "SELECT status, COUNT(*) AS n FROM row_tasks WHERE run_id = ? GROUP BY status", (run_id,)
        )
        return {r["status"]: r["n"] for r in rows}

    def run_totals(self, run_id: str) -> RunTotals:
        """Counts per status plus tokens, cost, vitals added, rows written and conflicts."""
        totals = _totals_from(self._store.rows(_TOTALS_SQL.format(where="run_id = ?"), (run_id,)))
        return totals.get(run_id, RunTotals())
