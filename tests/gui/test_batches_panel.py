"""The Batch jobs tab: the list with status, counts, age and cost; download, cancel and the finish notice."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.app.batches import submit_batch_run
from desktop.gui.context import AppContext
from desktop.gui.run.batches_panel import BatchesPanel, job_age, job_requests, job_status
from desktop.journal import BatchJobRecord, Journal, RowStatus
from tests.fakes.openai_server import FakeOpenAI
from tests.gui.conftest import MessageLog
from tests.gui.run_helpers import fake_fixture, make_context  # noqa: F401

TIMEOUT_MS = 30_000


def _submitted(demo_copy: Path, journal: Journal) -> tuple[AppContext, str]:
    """A context whose rows were submitted as one batch run (the panel's timer is slow: no auto-poll)."""
    context = make_context(demo_copy, journal, poll_interval_sec=3600)
    assert context.source is not None
    outcome = submit_batch_run(journal, context.source, [s.row for s in context.scenarios], context.settings)
    return context, outcome.run_id


def _panel(qtbot: QtBot, context: AppContext) -> BatchesPanel:
    panel = BatchesPanel(context)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=TIMEOUT_MS)
    panel.table.selectRow(0)
    return panel


def _cell(panel: BatchesPanel, column: int) -> str:
    return str(panel.model.data(panel.model.index(0, column)))


def _press_until(qtbot: QtBot, panel: BatchesPanel, button_name: str, done: object) -> None:
    """Press a button whenever no check is running, until ``done()`` holds."""
    def step() -> bool:
        if done():  # type: ignore[operator]
            return True
        if not panel.polling:
            getattr(panel, button_name).click()
        return False

    qtbot.waitUntil(step, timeout=TIMEOUT_MS)


def test_job_texts() -> None:
    job = BatchJobRecord(
        run_id="run-1", chunk=1, rows=[3, 4, 5], status="SUBMITTED", jsonl_path="run-1-1.jsonl",
        input_file_id="file_1", batch_id="batch_1", remote_status="in_progress",
        request_counts={"total": 3, "completed": 1, "failed": 1}, output_file_id=None, error_file_id=None,
        created_at="2025-01-01T09:59:00+00:00", updated_at="2025-01-01T10:00:00+00:00",
        submitted_at="2025-01-01T10:00:00+00:00", finished_at=None, cost_usd=0.0, error=None,
    )
    assert job_status(job) == "in progress"
    assert job_requests(job) == "1/3 (1 failed)"
    later = dt.datetime(2025, 1, 1, 11, 30, tzinfo=dt.UTC)
    assert job_age(job, later) == "1h30m"
    validating = dataclasses.replace(job, remote_status="validating", request_counts={"total": 0})
    assert job_requests(validating) == "0/3"  # the provider counts nothing while validating


def test_list_then_download_writes_the_results_and_announces_the_finished_batch(
    qtbot: QtBot, fake: FakeOpenAI, journal: Journal, demo_copy: Path, message_boxes: MessageLog
) -> None:
    context, run_id = _submitted(demo_copy, journal)
    panel = _panel(qtbot, context)
    job = panel.selected_job()
    assert job is not None and job.run_id == run_id and job.batch_id
    assert _cell(panel, 0) == f"{run_id} #{job.chunk}"
    assert _cell(panel, 1) == job.batch_id
    assert _cell(panel, 2) in ("validating", "submitted")
    assert _cell(panel, 3) == f"0/{len(job.rows)}"
    assert _cell(panel, 4)[:1].isdigit()  # an age such as "0s"
    assert _cell(panel, 5) == "$0.0000"
    assert panel.download_button.isEnabled() and panel.cancel_button.isEnabled()

    with qtbot.waitSignal(panel.run_finished, timeout=TIMEOUT_MS) as finished:
        _press_until(qtbot, panel, "download_button", lambda: bool(panel.notifications))
    outcome = finished.args[0]
    assert outcome.run_id == run_id
    assert panel.notifications == [
        f"Batch run {run_id} finished: {outcome.counts.get('COMPLETED', 0)} completed, "
        f"{len(outcome.flagged)} flagged for review, {outcome.counts.get('FAILED', 0)} failed, "
        f"cost ${outcome.cost_usd:.4f}."
    ]
    assert _cell(panel, 2) == "completed"
    assert _cell(panel, 3) == f"{len(job.rows)}/{len(job.rows)}"
    assert _cell(panel, 5) == f"${outcome.cost_usd:.4f}" and outcome.cost_usd > 0
    assert not panel.cancel_button.isEnabled()
    done = [t for t in journal.tasks(run_id) if t.columns_requested]
    assert done and all(t.status is RowStatus.COMPLETED and t.written for t in done)
    assert context.row_status[done[0].row] == "COMPLETED"
    assert message_boxes.shown == []


def test_cancel_stops_the_selected_batch(
    qtbot: QtBot, fake: FakeOpenAI, journal: Journal, demo_copy: Path, message_boxes: MessageLog
) -> None:
    fake.batch_polls_per_stage = 1_000  # the batch stays in progress until cancelled
    context, run_id = _submitted(demo_copy, journal)
    panel = _panel(qtbot, context)
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: "Cancelling" in panel.status.text(), timeout=TIMEOUT_MS)

    def ended() -> bool:
        job = panel.model.jobs[0] if panel.model.jobs else None
        return job is not None and job.finished_at is not None

    _press_until(qtbot, panel, "refresh_button", ended)
    assert _cell(panel, 2) == "cancelled"
    assert not panel.cancel_button.isEnabled()
    statuses = {t.status for t in journal.tasks(run_id)}
    assert RowStatus.SUBMITTED not in statuses and RowStatus.PROCESSING not in statuses
    assert message_boxes.shown == []
