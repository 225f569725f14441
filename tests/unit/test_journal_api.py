"""Every journal call: runs, row tasks, write-back history, outbox, batch jobs, cache, events."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.models import Scenario
from desktop.journal import (
    BatchStep,
    Journal,
    RowStatus,
    RunKind,
    RunStatus,
    WriteRecord,
)
from tests.unit.journal_helpers import complete_row, new_run


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal.open(tmp_path / "journal.sqlite3") as opened:
        yield opened


def _run(journal: Journal, rows: range = range(3, 6), kind: str = RunKind.LIVE) -> str:
    return new_run(
        journal,
        rows,
        kind=kind,
        source="gsheet:abc",
        scenario_tab="Master Scenario Convert",
        row_spec="3-5",
        model="gpt-test",
        settings={"workers": 4, "max_tokens": 800},
        columns={3: ["Initial_Vitals", "State1_Vitals"]},
        originals={3: {"Initial_Vitals": None, "State1_Vitals": "N/A"}},
    )


def test_create_and_read_a_run(journal: Journal) -> None:
    run_id = _run(journal)
    assert re.fullmatch(r"r-\d{8}-\d{4}-[0-9a-f]{4}", run_id)
    run = journal.get_run(run_id)
    assert run is not None
    assert (run.kind, run.source, run.scenario_tab, run.row_spec, run.model) == (
        "live",
        "gsheet:abc",
        "Master Scenario Convert",
        "3-5",
        "gpt-test",
    )
    assert run.settings == {"workers": 4, "max_tokens": 800}
    assert run.status is RunStatus.PENDING and run.started_at is None and run.ended_at is None
    assert run.totals.rows == 3 and run.totals.pending == 3
    task = journal.get_task(run_id, 3)
    assert task.case_id == "CASE-3" and task.status is RowStatus.PENDING and task.attempts == 0
    assert task.columns_requested == ["Initial_Vitals", "State1_Vitals"]
    assert task.original == {"Initial_Vitals": None, "State1_Vitals": "N/A"}
    assert journal.get_task(run_id, 4).columns_requested == [] and journal.get_task(run_id, 4).original == {}
    assert journal.get_run("r-nope") is None
    with pytest.raises(KeyError):
        journal.get_task(run_id, 99)


def test_settings_with_secrets_are_refused(journal: Journal) -> None:
    with pytest.raises(ValueError, match="secrets"):
        new_run(journal, [3], model=None, settings={"api_key": "sk-123"})
    assert journal.list_runs() == []


def test_run_ids_are_unique_and_listing_is_newest_first(journal: Journal) -> None:
    ids = [_run(journal) for _ in range(20)]
    assert len(set(ids)) == 20
    assert [r.run_id for r in journal.list_runs()] == ids[::-1]
    assert [r.run_id for r in journal.list_runs(limit=2)] == ids[:-3:-1]
    assert all(r.totals.rows == 3 for r in journal.list_runs(limit=5))


def test_run_status_stamps_and_unfinished_runs(journal: Journal) -> None:
    first, second, third = _run(journal), _run(journal), _run(journal)
    journal.set_run_status(first, RunStatus.RUNNING)
    started = journal.get_run(first)
    assert started is not None and started.started_at and started.ended_at is None
    journal.set_run_status(first, RunStatus.COMPLETED)
    done = journal.get_run(first)
    assert done is not None and done.ended_at and done.started_at == started.started_at
    journal.set_run_status(second, RunStatus.FAILED, error="The sheet is gone.")
    failed = journal.get_run(second)
    assert failed is not None and failed.last_error == "The sheet is gone." and failed.ended_at
    journal.set_run_status(third, RunStatus.PAUSED)
    assert [r.run_id for r in journal.unfinished_runs()] == [third]
    latest = journal.latest_unfinished_run()
    assert latest is not None and latest.run_id == third
    journal.set_run_status(third, RunStatus.CANCELLED)
    assert journal.latest_unfinished_run() is None
    with pytest.raises(ValueError):
        journal.set_run_status(third, "SLEEPING")
    with pytest.raises(KeyError):
        journal.set_run_status("r-unknown", RunStatus.RUNNING)


def test_row_life_cycle_with_retries_usage_and_totals(journal: Journal) -> None:
    run_id = _run(journal)
    assert journal.mark_processing(run_id, 3) == 1
    journal.add_usage(run_id, 3, input_tokens=100, cached_tokens=50, output_tokens=10, cost_usd=0.01)
    assert journal.mark_processing(run_id, 3) == 2
    journal.mark_completed(
        run_id,
        3,
        result={"Initial_Vitals": {"HR": 88}},
        input_tokens=120,
        cached_tokens=60,
        output_tokens=40,
        cost_usd=0.02,
        vitals_added=7,
        warnings=["HR atypical"],
    )
    task = journal.get_task(run_id, 3)
    assert task.status is RowStatus.COMPLETED and task.attempts == 2
    assert (task.input_tokens, task.cached_tokens, task.output_tokens) == (220, 110, 50)
    assert task.cost_usd == pytest.approx(0.03)
    assert task.result == {"Initial_Vitals": {"HR": 88}} and task.warnings == ["HR atypical"]
    assert task.completed_at and task.duration_sec is not None and task.duration_sec >= 0
    assert task.error is None and not task.written

    journal.mark_processing(run_id, 4)
    journal.mark_failed(
        run_id, 4, "Reply cut off three times.", input_tokens=10, output_tokens=5, cost_usd=0.001
    )
    failed = journal.get_task(run_id, 4)
    assert failed.status is RowStatus.FAILED and failed.error == "Reply cut off three times."
    assert failed.input_tokens == 10

    assert journal.run_counts(run_id) == {"COMPLETED": 1, "FAILED": 1, "PENDING": 1}
    totals = journal.run_totals(run_id)
    assert (totals.rows, totals.completed, totals.failed, totals.pending) == (3, 1, 1, 1)
    assert totals.input_tokens == 230 and totals.output_tokens == 55 and totals.tokens == 285
    assert totals.cost_usd == pytest.approx(0.031) and totals.vitals_added == 7 and totals.finished == 2
    assert totals.counts == journal.run_counts(run_id)
    assert [t.row for t in journal.tasks(run_id)] == [3, 4, 5]
    assert [t.row for t in journal.tasks(run_id, [RowStatus.FAILED, RowStatus.PENDING])] == [4, 5]
    assert journal.run_totals("r-unknown").rows == 0
    with pytest.raises(KeyError):
        journal.mark_processing(run_id, 42)
    with pytest.raises(KeyError):
        journal.mark_failed(run_id, 42, "x")


def test_bulk_status_interrupted_rows_and_checkpoint(journal: Journal) -> None:
    run_id = _run(journal, rows=range(3, 8))
    journal.mark_status(run_id, [3, 4], RowStatus.SUBMITTED)
    journal.mark_processing(run_id, 5)
    journal.mark_processing(run_id, 6)
    journal.set_checkpoint(run_id, 6, "request sent")
    assert journal.reset_interrupted(run_id) == 2
    assert journal.run_counts(run_id) == {"SUBMITTED": 2, "PENDING": 3}
    assert journal.get_task(run_id, 6).checkpoint == "request sent"
    assert journal.get_task(run_id, 6).attempts == 1  # the interrupted attempt still counts
    journal.mark_status(run_id, [3, 4], "CANCELLED")
    assert journal.run_counts(run_id)["CANCELLED"] == 2


def test_unwritten_results_written_and_conflicts(journal: Journal) -> None:
    run_id = _run(journal)
    for row in (3, 4):
        complete_row(journal, run_id, row)
    assert [t.row for t in journal.unwritten_results(run_id)] == [3, 4]
    journal.mark_written(run_id, [3])
    journal.mark_conflict(run_id, 4, ["State1_Vitals"])
    assert [t.row for t in journal.unwritten_results(run_id)] == [4]
    assert journal.get_task(run_id, 3).written and journal.get_task(run_id, 4).conflict == ["State1_Vitals"]
    totals = journal.run_totals(run_id)
    assert totals.written == 1 and totals.conflicts == 1


def test_writeback_history_keeps_exact_values_and_reverts(journal: Journal) -> None:
    run_id = _run(journal, kind=RunKind.AUTOFIX)
    first = journal.record_writeback(
        run_id,
        [
            WriteRecord(row=3, column="Initial_Vitals", value_before=None, value_after='{"HR": 80}'),
            WriteRecord(row=4, column="Initial_Vitals", value_before=12.5, value_after="x"),
        ],
    )
    second = journal.record_writeback(
        run_id,
        [
            WriteRecord(row=5, column="State1_Vitals", value_before="", value_after="y", conflict=True),
        ],
    )
    assert (first, second) == (1, 2)
    history = journal.writeback_history(run_id)
    assert [(h.row, h.value_before, h.value_after, h.batch_seq, h.conflict) for h in history] == [
        (3, None, '{"HR": 80}', 1, False),
        (4, 12.5, "x", 1, False),
        (5, "", "y", 2, True),
    ]
    assert all(h.run_id == run_id and h.written_at and h.reverted_at is None for h in history)
    journal.mark_reverted(run_id, [history[0].id, history[1].id])
    assert [h.row for h in journal.writeback_history(run_id)] == [5]
    everything = journal.writeback_history(run_id, include_reverted=True)
    assert [h.reverted_at is not None for h in everything] == [True, True, False]
    assert journal.record_writeback(_run(journal), []) == 1  # numbering is per run


def test_outbox_coalesces_per_row_and_survives_until_acknowledged(journal: Journal) -> None:
    run_id = _run(journal)
    journal.enqueue_progress(run_id, 3, ["b", 3, "CASE-3", "PENDING", *[None] * 11])
    journal.enqueue_progress(run_id, 4, ["b", 4, "CASE-4", "PENDING", *[None] * 11])
    taken = journal.pending_progress()
    # A newer update for row 3 arrives while the old one is being sent.
    journal.enqueue_progress(run_id, 3, ["b", 3, "CASE-3", "COMPLETED", *[None] * 11])
    journal.ack_progress(item.id for item in taken)
    left = journal.pending_progress()
    assert [(i.row, i.payload[3]) for i in left] == [(3, "COMPLETED")]
    assert len(left[0].payload) == 15 and journal.pending_progress_count() == 1
    journal.enqueue_progress_many(run_id, [(r, ["b", r, "", "PENDING", *[None] * 11]) for r in (4, 5, 3)])
    assert [(i.row, i.payload[3]) for i in journal.pending_progress()] == [
        (4, "PENDING"),
        (5, "PENDING"),
        (3, "PENDING"),
    ]
    assert len(journal.pending_progress(limit=2)) == 2
    journal.ack_progress([i.id for i in journal.pending_progress()])
    assert journal.pending_progress() == []


def test_an_acknowledged_update_never_swallows_its_replacement(journal: Journal) -> None:
    """The replaced update was the newest row of the outbox: its replacement must not get its id."""
    run_id = _run(journal)
    journal.enqueue_progress(run_id, 3, ["b", 3, "CASE-3", "PROCESSING", *[None] * 11])
    (sending,) = journal.pending_progress()
    journal.enqueue_progress(run_id, 3, ["b", 3, "CASE-3", "FAILED", *[None] * 11])
    journal.ack_progress([sending.id])
    assert [(i.row, i.payload[3]) for i in journal.pending_progress()] == [(3, "FAILED")]


def test_batch_jobs_record_every_step(journal: Journal) -> None:
    run_id = _run(journal, kind=RunKind.BATCH)
    journal.create_batch_job(run_id, 0, [3, 4], "/tmp/run-0.jsonl")
    journal.create_batch_job(run_id, 1, [5], "/tmp/run-1.jsonl")
    job = journal.get_batch_job(run_id, 0)
    assert job is not None and job.status == BatchStep.PREPARED and job.rows == [3, 4]
    journal.update_batch_job(run_id, 0, status=BatchStep.UPLOADING)
    journal.update_batch_job(run_id, 0, status=BatchStep.UPLOADED, input_file_id="file-1")
    journal.update_batch_job(
        run_id,
        0,
        status=BatchStep.CREATED,
        batch_id="batch_9",
        remote_status="validating",
        submitted_at="2026-01-01T00:00:00.000Z",
    )
    journal.update_batch_job(
        run_id,
        0,
        remote_status="completed",
        request_counts={"total": 2, "completed": 2},
        output_file_id="file-out",
        error_file_id="file-err",
        cost_usd=0.5,
    )
    job = journal.find_batch_job("batch_9")
    assert job is not None and job.chunk == 0
    assert (job.status, job.input_file_id, job.remote_status) == ("CREATED", "file-1", "completed")
    assert job.request_counts == {"total": 2, "completed": 2} and job.cost_usd == 0.5
    assert (job.output_file_id, job.error_file_id) == ("file-out", "file-err")
    assert [j.chunk for j in journal.batch_jobs(run_id)] == [0, 1]
    assert len(journal.batch_jobs()) == 2 and journal.find_batch_job("batch_x") is None
    with pytest.raises(ValueError, match="unknown batch job fields"):
        journal.update_batch_job(run_id, 0, api_key="sk")
    with pytest.raises(KeyError):
        journal.update_batch_job(run_id, 7, status="CREATED")


def test_source_cache_replaces_a_locators_rows(journal: Journal) -> None:
    first = [
        Scenario(
            row=3,
            case_id="A",
            title="Chest pain",
            vitals={"Initial_Vitals": '{"HR": 88}'},
            context={"Diagnosis": "MI", "Age": 54},
        ),
        Scenario(row=4, case_id="B", title="Asthma"),
    ]
    journal.cache_scenarios("gsheet:abc", first)
    journal.cache_scenarios("/tmp/other.xlsx", [Scenario(row=3, case_id="Z")])
    assert journal.cached_scenarios("gsheet:abc") == first
    assert journal.cache_fetched_at("gsheet:abc")
    journal.cache_scenarios("gsheet:abc", [Scenario(row=9, case_id="C")])
    assert [s.row for s in journal.cached_scenarios("gsheet:abc")] == [9]
    assert [s.case_id for s in journal.cached_scenarios("/tmp/other.xlsx")] == ["Z"]
    assert journal.cached_scenarios("never") == [] and journal.cache_fetched_at("never") is None


def test_events_latest_first_limited_then_in_order(journal: Journal) -> None:
    run_id = _run(journal)
    journal.log_event(None, "Signed in.")
    for n in range(5):
        journal.log_event(run_id, f"Row {n} done.", level="info")
    journal.log_event(run_id, "Row 9 failed.", level="error")
    assert [e.message for e in journal.events(run_id, limit=2)] == ["Row 4 done.", "Row 9 failed."]
    assert journal.events(run_id, limit=2)[-1].level == "error"
    assert len(journal.events()) == 7 and journal.events()[0].run_id is None
    with pytest.raises(ValueError):
        journal.log_event(None, "x", level="loud")


def test_failed_write_rolls_back_and_journal_stays_usable(journal: Journal) -> None:
    run_id = _run(journal)
    with pytest.raises(Exception), journal._store.write() as conn:  # noqa: B017
        conn.execute("UPDATE row_tasks SET status = 'FAILED' WHERE run_id = ?", (run_id,))
        raise RuntimeError("boom")
    assert journal.run_counts(run_id) == {"PENDING": 3}
    with pytest.raises(Exception):  # noqa: B017 - duplicate rows are refused as a whole
        new_run(journal, [3, 3], row_spec="3", model=None)
    assert len(journal.list_runs()) == 1


def test_finish_times_are_the_finished_rows_oldest_first_with_their_cost(journal: Journal) -> None:
    run_id = new_run(journal, range(3, 7))
    complete_row(journal, run_id, 5, cost_usd=0.25)
    time.sleep(0.002)  # finish times are kept to the millisecond
    journal.mark_processing(run_id, 3)
    journal.mark_failed(run_id, 3, "refused", cost_usd=0.5)
    time.sleep(0.002)
    complete_row(journal, run_id, 4, cost_usd=0.125)
    journal.mark_processing(run_id, 6)  # still in flight: not finished

    times = journal.finish_times(run_id)

    assert [cost for _when, cost in times] == [0.25, 0.5, 0.125]
    assert [when for when, _cost in times] == sorted(when for when, _cost in times)
    by_row = {t.row: t.completed_at for t in journal.tasks(run_id)}
    assert [when for when, _cost in times] == [by_row[5], by_row[3], by_row[4]]
