"""Batch API runs through every lifecycle path, against the fake server, ending in the workbook."""

from __future__ import annotations

import json

from desktop.domain.vitals import parse_cell
from desktop.jobs.batch_input import custom_id
from desktop.journal import RowStatus, RunStatus
from desktop.services.source import PROGRESS_COLUMNS, CellRef
from desktop.services.workbook import XlsxSource
from tests.integration.batch_helpers import MODEL, BatchSetup, batch_setup  # noqa: F401

ROWS = list(range(3, 11))


def statuses(setup: BatchSetup, run_id: str) -> dict[int, str]:
    return {t.row: t.status.value for t in setup.journal.tasks(run_id)}


def written_rows(setup: BatchSetup, rows: list[int]) -> set[int]:
    """Rows whose four vitals cells in the saved workbook now hold what the run generated."""
    fresh = XlsxSource(setup.workbook)
    try:
        cells = fresh.read_cells([CellRef(r, "Initial_Vitals") for r in rows])
    finally:
        fresh.close()
    return {ref.row for ref, value in cells.items() if parse_cell(value).data is not None}


def test_completed_batch_writes_every_row_back_and_mirrors_progress(batch_setup: BatchSetup) -> None:  # noqa: F811
    run_id = batch_setup.new_run("3-10")
    outcome = batch_setup.runner(run_id).run(wait=True)

    assert outcome.status is RunStatus.COMPLETED
    assert outcome.counts == {"COMPLETED": 8}
    assert batch_setup.fake.batches_created == 1
    (batch,) = batch_setup.fake.batches.values()
    assert batch["metadata"] == {"simbatch_run": run_id, "simbatch_chunk": "1"}
    assert batch["status"] == "completed" and batch["endpoint"] == "/v1/chat/completions"
    # One line per row, custom_id naming run and row, same request shape as live.
    lines = [json.loads(x) for x in batch_setup.fake.files[batch["input_file_id"]].decode().splitlines()]
    assert [x["custom_id"] for x in lines] == [custom_id(run_id, r) for r in ROWS]
    body = lines[0]["body"]
    assert body["model"] == MODEL and body["response_format"]["type"] == "json_schema"
    assert body["messages"][0]["role"] == "system" and "Sheet row: 3" in body["messages"][1]["content"]
    assert batch_setup.fake.file_objects[batch["input_file_id"]]["purpose"] == "batch"

    # Written back, revertible (history kept), mirrored with the batch id, cost at batch prices.
    history = batch_setup.journal.writeback_history(run_id)
    assert {h.row for h in history} == set(ROWS) and all(not h.conflict for h in history)
    assert written_rows(batch_setup, ROWS) == set(ROWS)
    progress = {row[1]: row for row in XlsxSource(batch_setup.workbook).read_progress()}
    assert set(ROWS) <= set(progress)
    assert all(progress[r][0] == batch["id"] and progress[r][3] == "COMPLETED" for r in ROWS)
    assert len(progress[3]) == len(PROGRESS_COLUMNS)
    task = batch_setup.journal.get_task(run_id, 3)
    from desktop.domain.pricing import PriceTable

    live_price = PriceTable.load().cost(MODEL, task.input_tokens, task.cached_tokens, task.output_tokens)
    assert task.cost_usd > 0 and abs(task.cost_usd - live_price / 2) < 1e-12
    assert outcome.cost_usd > 0


def test_line_errors_and_rejected_replies_fail_only_their_rows(batch_setup: BatchSetup) -> None:  # noqa: F811
    run_id = batch_setup.new_run("3-10")
    batch_setup.fake.fail_custom_ids = {custom_id(run_id, 4)}
    batch_setup.fake.faults.rate_invalid_vitals = 0.4  # some replies carry HR 500: rejected like live
    outcome = batch_setup.runner(run_id).run(wait=True)

    tasks = {t.row: t for t in batch_setup.journal.tasks(run_id)}
    assert tasks[4].status is RowStatus.FAILED and "HTTP 500" in (tasks[4].error or "")
    rejected = {r for r, t in tasks.items() if r != 4 and t.status is RowStatus.FAILED}
    assert rejected, "the seeded fault rate should reject at least one reply"
    assert all("rejected" in (tasks[r].error or "") and "HR" in (tasks[r].error or "") for r in rejected)
    completed = {r for r, t in tasks.items() if t.status is RowStatus.COMPLETED}
    assert completed and completed | rejected | {4} == set(ROWS)
    assert outcome.status is RunStatus.COMPLETED
    assert outcome.counts == {"COMPLETED": len(completed), "FAILED": len(rejected) + 1}
    assert written_rows(batch_setup, ROWS) >= completed
    assert all(tasks[r].output_tokens > 0 for r in rejected)  # a rejected reply still cost tokens


def test_failed_batch_fails_every_row_with_the_reason(batch_setup: BatchSetup) -> None:  # noqa: F811
    batch_setup.fake.set_batch_outcome("failed")
    run_id = batch_setup.new_run("3-6")
    outcome = batch_setup.runner(run_id).run(wait=True)

    assert outcome.status is RunStatus.FAILED and outcome.counts == {"FAILED": 4}
    assert all("failed validation" in (t.error or "") for t in batch_setup.journal.tasks(run_id))
    assert batch_setup.journal.writeback_history(run_id) == []


def test_expired_batch_keeps_finished_lines_and_requeues_the_rest(batch_setup: BatchSetup) -> None:  # noqa: F811
    batch_setup.fake.set_batch_outcome("expired")
    run_id = batch_setup.new_run("3-10")
    runner = batch_setup.runner(run_id)
    outcome = runner.run(wait=True)

    assert outcome.counts == {"COMPLETED": 4, "PENDING": 4}
    assert outcome.status is RunStatus.INTERRUPTED
    done = {r for r, s in statuses(batch_setup, run_id).items() if s == "COMPLETED"}
    assert written_rows(batch_setup, ROWS) >= done

    # Resume: the re-queued rows go into a new chunk, which completes this time.
    batch_setup.fake.set_batch_outcome("completed")
    again = batch_setup.runner(run_id).run(wait=True)
    assert again.status is RunStatus.COMPLETED and again.counts == {"COMPLETED": 8}
    assert batch_setup.fake.batches_created == 2
    jobs = batch_setup.journal.batch_jobs(run_id)
    assert [len(j.rows) for j in jobs] == [8, 4]
    assert written_rows(batch_setup, ROWS) == set(ROWS)


def test_cancelled_batch_keeps_partial_results(batch_setup: BatchSetup) -> None:  # noqa: F811
    batch_setup.fake.batch_polls_per_stage = 2
    run_id = batch_setup.new_run("3-10")
    runner = batch_setup.runner(run_id)
    runner.run(wait=False)
    for _ in range(2):  # submit polled once (validating); then validating, in_progress (2 of 8 done)
        runner.refresh()
    (remote,) = batch_setup.fake.batches.values()
    assert remote["status"] == "in_progress"
    outcome = runner.cancel(wait=True)

    assert remote["status"] == "cancelled"
    completed = outcome.counts.get("COMPLETED", 0)
    assert 0 < completed < 8
    assert outcome.counts.get("CANCELLED", 0) == 8 - completed
    assert outcome.status is RunStatus.CANCELLED
    done = {r for r, s in statuses(batch_setup, run_id).items() if s == RowStatus.COMPLETED.value}
    assert written_rows(batch_setup, ROWS) >= done
