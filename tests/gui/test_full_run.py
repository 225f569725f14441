"""A whole live run and a whole batch run driven through the run-side widgets against the fakes."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from pytestqt.qtbot import QtBot

from desktop.journal import Journal, RowStatus, RowTask, RunStatus
from desktop.services.source import PROGRESS_TAB, CellRef
from desktop.services.workbook import XlsxSource
from tests.fakes.openai_server import FakeOpenAI
from tests.gui.conftest import MessageLog
from tests.gui.run_helpers import fake_fixture, make_context, run_side_for  # noqa: F401

TIMEOUT_MS = 30_000


def _assert_initial_vitals_written(path: Path, tasks: list[RowTask]) -> None:
    """Each generated Initial_Vitals cell of the file holds the journaled result; the progress tab exists."""
    initial = [t for t in tasks if "Initial_Vitals" in t.columns_requested]
    cells = XlsxSource(path).read_cells([CellRef(t.row, "Initial_Vitals") for t in initial])
    book = openpyxl.load_workbook(path, read_only=True)
    has_progress = PROGRESS_TAB in book.sheetnames
    book.close()
    assert has_progress
    for task in initial:
        assert task.result is not None
        assert json.loads(str(cells[CellRef(task.row, "Initial_Vitals")])) == task.result["Initial_Vitals"]


def test_live_run_through_the_widgets_writes_results_and_they_are_reviewable(
    qtbot: QtBot, fake: FakeOpenAI, journal: Journal, demo_copy: Path, message_boxes: MessageLog
) -> None:
    context = make_context(demo_copy, journal, workers=4)
    side = run_side_for(qtbot, context)
    qtbot.waitUntil(lambda: side.run_panel.estimate_box.estimate is not None, timeout=TIMEOUT_MS)
    assert side.run_panel.estimate_box.values["live"].text().startswith("$")
    seen_rows: list[int] = []
    context.row_statuses_changed.connect(seen_rows.extend)

    with qtbot.waitSignal(side.controller.finished, timeout=TIMEOUT_MS) as finished:
        side.run_panel.start_button.click()
    outcome = finished.args[0]

    assert outcome.status is RunStatus.COMPLETED, message_boxes.shown
    assert not message_boxes.shown
    tasks = journal.tasks(outcome.run_id)
    assert {t.status for t in tasks} == {RowStatus.COMPLETED}
    generated = [t for t in tasks if t.columns_requested]
    assert generated and all(t.result and t.written for t in generated)
    assert {t.row for t in tasks} <= set(seen_rows)  # every row's status reached the context live
    assert all(context.row_status[t.row] == t.shown_status for t in tasks)  # flagged: "NEEDS_REVIEW"
    _assert_initial_vitals_written(demo_copy, generated)
    # the progress panel shows the finished run from the journal
    qtbot.waitUntil(lambda: side.progress_panel.bar.value() == 100, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: side.progress_panel.done_series.count() > 1, timeout=TIMEOUT_MS)
    assert "Run finished" in side.progress_panel.log.toPlainText()
    assert side.progress_panel.cost.text() == f"${outcome.cost_usd:.4f}"


def test_batch_run_through_the_widgets_is_polled_to_the_end_and_written(
    qtbot: QtBot, fake: FakeOpenAI, journal: Journal, demo_copy: Path, message_boxes: MessageLog
) -> None:
    context = make_context(demo_copy, journal, poll_interval_sec=0.2)
    side = run_side_for(qtbot, context)
    side.run_panel.mode.setCurrentIndex(side.run_panel.mode.findData("batch"))

    with qtbot.waitSignal(side.run_panel.batch_submitted, timeout=TIMEOUT_MS) as submitted:
        side.run_panel.start_button.click()
    run_id = submitted.args[0].run_id
    assert journal.get_run(run_id).kind == "batch"

    with qtbot.waitSignal(side.batches_panel.run_finished, timeout=TIMEOUT_MS) as ended:
        pass
    outcome = ended.args[0]
    assert outcome.run_id == run_id
    assert not message_boxes.shown
    assert side.batches_panel.notifications and run_id in side.batches_panel.notifications[0]
    jobs = side.batches_panel.model.jobs
    assert jobs and all(j.finished_at and j.remote_status == "completed" for j in jobs)
    tasks = journal.tasks(run_id)
    assert {t.status for t in tasks} <= {RowStatus.COMPLETED, RowStatus.FAILED}
    done = [t for t in tasks if t.status is RowStatus.COMPLETED and t.columns_requested]
    assert done and all(t.result and t.written for t in done)
    assert context.row_status[done[0].row] == "COMPLETED"
    _assert_initial_vitals_written(demo_copy, done)
