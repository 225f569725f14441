"""The journal under many threads and at the scale of a 100,000-row workload."""

from __future__ import annotations

import time
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


def test_hundred_thousand_rows_stay_fast(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        run_ids = []
        for _ in range(2):
            start = time.perf_counter()
            run_ids.append(
                new_run(
                    journal,
                    range(3, 50003),
                    kind="batch",
                    source="gsheet:big",
                    row_spec="3-50002",
                    columns={r: ["Initial_Vitals"] for r in range(3, 50003)},
                )
            )
            assert time.perf_counter() - start < 5.0
        for _ in range(30):  # plus a history of small runs
            new_run(journal, range(3, 13), row_spec="3-12")
        journal.mark_status(run_ids[0], range(3, 20003), RowStatus.COMPLETED)

        start = time.perf_counter()
        runs = journal.list_runs()
        list_time = time.perf_counter() - start
        start = time.perf_counter()
        counts = journal.run_counts(run_ids[0])
        counts_time = time.perf_counter() - start
        start = time.perf_counter()
        latest = journal.latest_unfinished_run()
        latest_time = time.perf_counter() - start

        assert len(runs) == 32 and latest is not None
        assert counts == {"COMPLETED": 20000, "PENDING": 30000}
        big = next(r for r in runs if r.run_id == run_ids[0])
        assert big.totals.completed == 20000 and big.totals.rows == 50000
        assert list_time < 0.5, list_time
        assert counts_time < 0.5, counts_time
        assert latest_time < 0.5, latest_time
