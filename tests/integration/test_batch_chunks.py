"""Splitting work into batches (line, byte and token limits; one after another under a cap) and reading
result files that are damaged or incomplete without losing the other rows."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from desktop.domain.models import Scenario, scenario_from_dict
from desktop.jobs.batch_input import (
    MAX_BYTES,
    MAX_LINES,
    ChunkLimits,
    LineBuilder,
    custom_id,
    parse_custom_id,
    plan_chunks,
    write_chunks,
)
from desktop.jobs.batch_results import read_results
from desktop.journal import RowStatus, RunStatus
from desktop.services.batch_api import BatchAPIClient
from tests.integration.batch_helpers import FAST_RETRY, MODEL, BatchSetup, batch_setup  # noqa: F401

COLUMNS = ["Initial_Vitals"]


def tiny(row: int) -> Scenario:
    return Scenario(row=row, case_id=f"C-{row}", title="Chest pain")


def test_50001_rows_become_two_batches_of_at_most_50000_lines() -> None:
    entries = ((row, 1_000, 3_000) for row in range(3, 50_004))
    chunks = plan_chunks(entries, ChunkLimits())
    assert [len(c) for c in chunks] == [MAX_LINES, 1]
    assert chunks[0][0] == 3 and chunks[1] == [50_003]


def test_bytes_and_token_cap_split_too() -> None:
    by_bytes = plan_chunks(((r, MAX_BYTES // 3 + 1, 1) for r in range(6)), ChunkLimits())
    assert [len(c) for c in by_bytes] == [2, 2, 2]
    by_tokens = plan_chunks(((r, 10, 400) for r in range(10)), ChunkLimits(token_cap=1_000))
    assert [len(c) for c in by_tokens] == [2, 2, 2, 2, 2]
    alone = plan_chunks([(1, 10, 5_000), (2, 10, 10)], ChunkLimits(token_cap=1_000))
    assert alone == [[1], [2]]  # a row larger than the cap still gets its own chunk


def test_written_chunks_hold_one_valid_line_per_row(tmp_path: Path) -> None:
    builder = LineBuilder("r-test", MODEL)
    items = [(tiny(row), COLUMNS) for row in range(3, 13)]
    chunks = write_chunks(builder, items, tmp_path, first_chunk=1, limits=ChunkLimits(max_lines=4))
    assert [c.rows for c in chunks] == [[3, 4, 5, 6], [7, 8, 9, 10], [11, 12]]
    for chunk in chunks:
        lines = [json.loads(x) for x in chunk.path.read_text(encoding="utf-8").splitlines()]
        assert [parse_custom_id(x["custom_id"]) for x in lines] == [("r-test", r) for r in chunk.rows]
        assert chunk.size == chunk.path.stat().st_size and chunk.tokens > 0
        body = lines[0]["body"]
        assert body["model"] == MODEL and body["max_completion_tokens"] > 0
        assert body["response_format"]["json_schema"]["schema"]["required"] == COLUMNS


def cap_of_two_and_a_half_rows(setup: BatchSetup, run_id: str) -> int:
    """A token cap of two and a half rows' requests (each row asks for four columns), which forces
    chunks of two; the fake server is told to fail any batch that would exceed it too."""
    task = setup.journal.get_task(run_id, 3)
    row_tokens = LineBuilder(run_id, MODEL).line(
        scenario_from_dict(dict(task.original)), task.columns_requested
    )[1]
    token_cap = int(row_tokens * 2.5)
    setup.fake.enqueued_token_cap = token_cap
    return token_cap


def test_chunks_over_the_token_cap_go_one_after_another(batch_setup: BatchSetup) -> None:  # noqa: F811
    run_id = batch_setup.new_run("3-8")
    token_cap = cap_of_two_and_a_half_rows(batch_setup, run_id)
    runner = batch_setup.runner(run_id, token_cap=token_cap)
    runner.plan()
    jobs = batch_setup.journal.batch_jobs(run_id)
    assert [len(j.rows) for j in jobs] == [2, 2, 2]

    runner.step()  # submits chunk 1 only: chunk 2 would pass the cap while chunk 1 is in flight
    assert batch_setup.fake.batches_created == 1
    outcome = runner.run(wait=True)

    assert outcome.status is RunStatus.COMPLETED and outcome.counts == {"COMPLETED": 6}
    assert batch_setup.fake.batches_created == 3
    assert all(b["status"] == "completed" for b in batch_setup.fake.batches.values())
    ordered = sorted(batch_setup.fake.batches.values(), key=lambda b: int(b["metadata"]["simbatch_chunk"]))
    for earlier, later in itertools.pairwise(ordered):
        assert earlier["completed_at"] <= later["created_at"]


def test_a_new_process_rebuilds_deleted_chunk_files_and_their_token_counts(
    batch_setup: BatchSetup,  # noqa: F811
) -> None:
    run_id = batch_setup.new_run("3-8")
    token_cap = cap_of_two_and_a_half_rows(batch_setup, run_id)
    batch_setup.runner(run_id, token_cap=token_cap).plan()
    jobs = batch_setup.journal.batch_jobs(run_id)
    planned = {job.chunk: Path(job.jsonl_path).read_bytes() for job in jobs}
    for job in jobs:
        Path(job.jsonl_path).unlink()  # e.g. the data folder was cleaned before the run was resumed

    resumed = batch_setup.runner(run_id, token_cap=token_cap)  # knows no token counts yet
    resumed.step()
    assert batch_setup.fake.batches_created == 1  # chunk 2's counted tokens still do not fit
    assert Path(jobs[0].jsonl_path).read_bytes() == planned[jobs[0].chunk]
    (uploaded,) = batch_setup.fake.files.values()
    assert uploaded == planned[jobs[0].chunk]
    outcome = resumed.run(wait=True)
    assert outcome.counts == {"COMPLETED": 6} and batch_setup.fake.batches_created == 3
    assert {job.chunk: Path(job.jsonl_path).read_bytes() for job in jobs} == planned


def test_line_limit_makes_several_batches_end_to_end(batch_setup: BatchSetup) -> None:  # noqa: F811
    run_id = batch_setup.new_run("3-10")
    outcome = batch_setup.runner(run_id, max_lines=5).run(wait=True)
    assert outcome.counts == {"COMPLETED": 8} and batch_setup.fake.batches_created == 2
    chunks = sorted(b["metadata"]["simbatch_chunk"] for b in batch_setup.fake.batches.values())
    assert chunks == ["1", "2"]


def test_malformed_and_unknown_output_lines_lose_no_other_row(
    batch_setup: BatchSetup,  # noqa: F811
    tmp_path: Path,
) -> None:
    run_id = batch_setup.new_run("3-6")
    batch_setup.runner(run_id).run(wait=True)
    (batch,) = batch_setup.fake.batches.values()
    real = batch_setup.fake.files[batch["output_file_id"]].decode().splitlines()
    kept = [x for x in real if json.loads(x)["custom_id"] != custom_id(run_id, 5)]
    stranger = json.loads(kept[0])
    stranger["custom_id"] = "r-other:row-5"
    unknown_row = json.loads(kept[0])
    unknown_row["custom_id"] = custom_id(run_id, 999)
    output = tmp_path / "output.jsonl"
    output.write_text(
        "\n".join(
            [kept[0], '{"custom_id": "broken', *kept[1:], json.dumps(stranger), json.dumps(unknown_row)]
        )
        + "\n",
        encoding="utf-8",
    )
    tasks = batch_setup.journal.tasks(run_id)
    columns = {t.row: (scenario_from_dict(dict(t.original)), t.plan) for t in tasks}

    read = read_results(run_id, columns, output, tmp_path / "no-error-file.jsonl")

    assert sorted(read.rows) == [3, 4, 6] and all(r.ok for r in read.rows.values())
    assert len(read.problems) == 3
    assert any("not valid JSON" in p for p in read.problems)
    assert sum("unknown request" in p for p in read.problems) == 2


def test_a_missing_error_file_fails_only_the_rows_without_a_result(batch_setup: BatchSetup) -> None:  # noqa: F811
    fake = batch_setup.fake

    class ErrorFileGone(BatchAPIClient):
        """The provider lost the error file: its download answers 404."""

        def download(self, file_id: str, target: Path) -> Path:
            for batch in fake.batches.values():
                if batch.get("error_file_id") == file_id:
                    fake.files.pop(file_id, None)
            return super().download(file_id, target)

    run_id = batch_setup.new_run("3-6")
    fake.fail_custom_ids = {custom_id(run_id, 4)}
    batch_setup.client = ErrorFileGone(fake.base_url, fake.api_key, retry=FAST_RETRY)
    runner = batch_setup.runner(run_id)
    outcome = runner.run(wait=True)

    tasks = {t.row: t for t in batch_setup.journal.tasks(run_id)}
    assert tasks[4].status is RowStatus.FAILED and "without a result" in (tasks[4].error or "")
    assert all(tasks[r].status is RowStatus.COMPLETED for r in (3, 5, 6))
    assert any("error file could not be downloaded" in p for p in outcome.problems)
