"""The journal under many threads and at the scale of a 100,000-row workload."""

from __future__ import annotations

from pathlib import Path

from desktop.journal import Journal, RowStatus
from tests.concurrency import run_in_threads
from tests.unit.journal_helpers import complete_row, new_run


def test_eight_threads_and_a_second_connection_never_hit_database_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    rows = list(range(3, 403))
    with Journal.open(path) as journal, Journal.open(path) as other_process:
        run_id = new_run(journal, rows)

        def worker(mine: list[int], handle: Journal) -> None:
            for row in mine:
                complete_row(handle, run_id, row, input_tokens=10, output_tokens=5, cost_usd=0.001)
                handle.enqueue_progress(run_id, row, [run_id, row, *[None] * 13])
                handle.log_event(run_id, f"Row {row} done.")
                handle.run_counts(run_id)

        # Six threads share the journal's one connection; two more use a second connection to the
        # same file, as a second SimBatch process would.
        shares = [(rows[i::8], journal if i < 6 else other_process) for i in range(8)]
        errors = run_in_threads(worker, shares, timeout=60)
        assert errors == []
        assert journal.run_counts(run_id) == {"COMPLETED": 400}
        totals = journal.run_totals(run_id)
        assert totals.input_tokens == 4000 and totals.output_tokens == 2000
        assert len(journal.pending_progress()) == 400
        assert len(journal.events(run_id, limit=1000)) == 400
        assert all(t.attempts == 1 for t in journal.tasks(run_id))


def test_many_runs_are_counted_right_and_read_through_indexes(tmp_path: Path) -> None:
    """Counting, listing and finding the unfinished run read the row tasks through their index, never
    scanning every row task of every run (how fast 100,000 row tasks are listed: bench/journal_scale.py)."""
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        run_ids = [
            new_run(journal, range(3, 5003), kind="batch", source="gsheet:big", row_spec="3-5002",
                    columns={r: ["Initial_Vitals"] for r in range(3, 5003)})
            for _ in range(2)
        ]
        for _ in range(30):  # plus a history of small runs
            new_run(journal, range(3, 13), row_spec="3-12")
        journal.mark_status(run_ids[0], range(3, 2003), RowStatus.COMPLETED)

        queries: list[str] = []
        conn = journal._store.conn
        conn.set_trace_callback(queries.append)
        try:
            runs = journal.list_runs()
            counts = journal.run_counts(run_ids[0])
            latest = journal.latest_unfinished_run()
        finally:
            conn.set_trace_callback(None)

        assert len(runs) == 32 and latest is not None
        assert counts == {"COMPLETED": 2000, "PENDING": 3000}
        big = next(r for r in runs if r.run_id == run_ids[0])
        assert big.totals.completed == 2000 and big.totals.rows == 5000
        plans = {
            query: [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + query)]
            for query in queries
            if query.lstrip().upper().startswith(("SELECT", "WITH"))
        }
        assert plans
        for query, plan in plans.items():
            full_scans = [step for step in plan if step.startswith("SCAN row_tasks") and "INDEX" not in step]
            assert not full_scans, (query, plan)
        steps = [step for plan in plans.values() for step in plan]
        assert any("SEARCH row_tasks USING COVERING INDEX" in step for step in steps)
