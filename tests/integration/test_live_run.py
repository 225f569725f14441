"""End-to-end live runs over a copy of the demo workbook against the fake OpenAI server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.jobs.engine import LiveRun
from desktop.jobs.live_outcome import ProgressSnapshot
from desktop.jobs.writeback import revert_run
from desktop.journal import Journal, RowStatus, RowTask, RunStatus
from desktop.services.source import CellRef
from desktop.services.workbook import XlsxSource
from tests.fakes.openai_server import FakeOpenAI
from tests.integration.live_helpers import (
    API_KEY,
    changed_cells,
    coordinates,
    make_client,
    plan,
    snapshot,
)

FAULTS = {
    "rate_429": 0.3,
    "rate_5xx": 0.3,
    "rate_timeout": 0.3,
    "rate_drop": 0.3,
    "rate_malformed": 0.3,
    "rate_truncated": 0.3,
    "rate_refusal": 0.3,
    "rate_invalid_vitals": 0.3,
}


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=API_KEY) as server:
        server.faults.retry_after = 0.05
        server.faults.timeout_hold = 1.0
        yield server


def written_cells(journal: Journal, run_id: str) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in journal.writeback_history(run_id) if not e.conflict]


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_every_row_ends_completed_or_failed_and_nothing_else_changes(
    fault: str, fake: FakeOpenAI, journal: Journal, demo_copy: Path
) -> None:
    setattr(fake.faults, fault, FAULTS[fault])
    before = snapshot(demo_copy)
    source, run_id = plan(journal, demo_copy)
    generating = [t.row for t in journal.tasks(run_id) if t.columns_requested]
    client = make_client(fake, timeout=0.5)
    outcome = LiveRun(journal, source, run_id, client.generate, workers=4, writeback_interval=0.2).execute()

    assert outcome.exit_error is None
    tasks = journal.tasks(run_id)
    assert {t.status for t in tasks} <= {RowStatus.COMPLETED, RowStatus.FAILED}
    for task in tasks:
        if task.status is RowStatus.FAILED:
            assert task.error, f"row {task.row} failed without a reason"
        else:
            assert task.written
    assert len(fake.chat_requests(None)) > len(generating)  # the fault was met and handled
    after = snapshot(demo_copy)
    allowed = coordinates(demo_copy, written_cells(journal, run_id))
    changed = changed_cells(before, after)
    assert changed <= allowed
    completed_generating = [t for t in tasks if t.status is RowStatus.COMPLETED and t.columns_requested]
    assert completed_generating
    expected = {(t.row, c) for t in completed_generating for c in t.columns_requested}
    assert coordinates(demo_copy, sorted(expected)) == changed
    # the generated cells hold exactly the journaled results
    cells = XlsxSource(demo_copy).read_cells([CellRef(r, c) for r, c in expected])
    for task in completed_generating:
        for column in task.columns_requested:
            written = json.loads(str(cells[CellRef(task.row, column)]))
            assert written == (task.result or {})[column]


def test_progress_tab_mirrors_every_row(fake: FakeOpenAI, journal: Journal, demo_copy: Path) -> None:
    source, run_id = plan(journal, demo_copy, rows="3-12")
    LiveRun(journal, source, run_id, make_client(fake).generate, workers=3).execute()
    progress = XlsxSource(demo_copy).read_progress()
    rows = {int(str(r[1])): r for r in progress if r[0] == run_id}
    assert sorted(rows) == list(range(3, 13))
    assert all(r[3] == "COMPLETED" for r in rows.values())
    assert journal.pending_progress_count() == 0


class EditWhenProcessing:
    """A listener that edits a row's target cell in the workbook as soon as the row is sent."""

    def __init__(self, path: Path, row: int, column: str) -> None:
        self.path, self.row, self.column = path, row, column
        self.done = threading.Event()
        self.snapshots: list[ProgressSnapshot] = []

    def row_changed(self, task: RowTask) -> None:
        if task.row == self.row and task.status is RowStatus.PROCESSING and not self.done.is_set():
            XlsxSource(self.path).write_cells({CellRef(self.row, self.column): "edited by a colleague"})
            self.done.set()

    def progress(self, snapshot: ProgressSnapshot) -> None:
        self.snapshots.append(snapshot)

    def message(self, text: str, level: str) -> None:
        pass


def test_conflicting_edit_is_kept_and_reported(fake: FakeOpenAI, journal: Journal, demo_copy: Path) -> None:
    source, run_id = plan(journal, demo_copy, rows="7")  # CARD-005: State1-3 empty
    listener = EditWhenProcessing(demo_copy, 7, "State1_Vitals")
    live = LiveRun(
        journal, source, run_id, make_client(fake).generate, workers=1, listener=listener,
        writeback_interval=60.0,
    )
    outcome = live.execute()
    assert listener.done.is_set()
    assert outcome.conflicts == {7: ["State1_Vitals"]}
    assert journal.get_task(run_id, 7).conflict == ["State1_Vitals"]
    cells = XlsxSource(demo_copy).read_cells(
        [CellRef(7, "State1_Vitals"), CellRef(7, "State2_Vitals"), CellRef(7, "State3_Vitals")]
    )
    assert cells[CellRef(7, "State1_Vitals")] == "edited by a colleague"
    assert str(cells[CellRef(7, "State2_Vitals")]).startswith("{")
    assert listener.snapshots and listener.snapshots[-1].done == 1
    progress = XlsxSource(demo_copy).read_progress()
    assert any("Conflict" in str(r[12]) for r in progress if r[0] == run_id)


def test_revert_puts_values_back_and_skips_changed_cells(
    fake: FakeOpenAI, journal: Journal, demo_copy: Path
) -> None:
    before = snapshot(demo_copy)
    source, run_id = plan(journal, demo_copy, rows="7")
    LiveRun(journal, source, run_id, make_client(fake).generate, workers=2).execute()
    assert changed_cells(before, snapshot(demo_copy))
    XlsxSource(demo_copy).write_cells({CellRef(7, "State3_Vitals"): "changed later"})
    outcome = revert_run(journal, XlsxSource(demo_copy), run_id)
    assert outcome.skipped == [CellRef(7, "State3_Vitals")]
    assert sorted(outcome.reverted, key=str) == [CellRef(7, "State1_Vitals"), CellRef(7, "State2_Vitals")]
    changed = changed_cells(before, snapshot(demo_copy))
    assert changed == coordinates(demo_copy, [(7, "State3_Vitals")])
    again = revert_run(journal, XlsxSource(demo_copy), run_id)  # reverted entries are not reverted twice
    assert again.reverted == []


def test_wrong_key_stops_after_one_request(journal: Journal, demo_copy: Path) -> None:
    with FakeOpenAI(api_key="sk-the-right-one") as fake:
        source, run_id = plan(journal, demo_copy)
        outcome = LiveRun(journal, source, run_id, make_client(fake).generate, workers=4).execute()
        assert len(fake.chat_requests(None)) == 1
    assert outcome.status is RunStatus.INTERRUPTED
    assert outcome.exit_error is not None and outcome.exit_error.exit_code == 3
    assert journal.run_counts(run_id).get(RowStatus.FAILED.value, 0) == 0


def test_cancel_marks_the_rest_cancelled_and_resume_finishes(
    fake: FakeOpenAI, journal: Journal, demo_copy: Path
) -> None:
    fake.latency = 0.05
    source, run_id = plan(journal, demo_copy, rows="3-20", overwrite=True)
    client = make_client(fake)
    live = LiveRun(journal, source, run_id, client.generate, workers=2)
    timer = threading.Timer(0.3, live.cancel)
    timer.start()
    outcome = live.execute()
    timer.join()
    assert outcome.status is RunStatus.CANCELLED
    counts = journal.run_counts(run_id)
    assert counts.get(RowStatus.CANCELLED.value, 0) > 0
    assert not counts.get(RowStatus.PROCESSING.value)
    done_first = {t.row for t in journal.tasks(run_id, [RowStatus.COMPLETED])}
    assert all(t.written for t in journal.tasks(run_id, [RowStatus.COMPLETED]))
    seen = len(fake.chat_requests())
    final = LiveRun(journal, source, run_id, client.generate, workers=4).execute()
    assert final.status is RunStatus.COMPLETED
    again = {r.row for r in fake.chat_requests()[seen:]}
    assert not again & done_first


class _FailAfterFirstRow:
    """A listener that makes the fake fail the next ``count`` requests once the first row completes."""

    def __init__(self, fake: FakeOpenAI, count: int) -> None:
        self.fake, self.count, self.armed = fake, count, True
        self.messages: list[str] = []

    def row_changed(self, task: RowTask) -> None:
        if self.armed and task.status is RowStatus.COMPLETED and task.columns_requested:
            self.armed = False
            self.fake.faults.fail_next = [500] * self.count

    def progress(self, snapshot: object) -> None:
        pass

    def message(self, text: str, level: str) -> None:
        self.messages.append(text)


def test_one_row_whose_retries_run_out_goes_back_in_the_queue(
    fake: FakeOpenAI, journal: Journal, demo_copy: Path
) -> None:
    source, run_id = plan(journal, demo_copy)
    listener = _FailAfterFirstRow(fake, count=4)  # the client tries 4 times: one row runs out
    outcome = LiveRun(
        journal, source, run_id, make_client(fake).generate, workers=1, listener=listener
    ).execute()
    assert outcome.status is RunStatus.COMPLETED and outcome.exit_error is None
    assert set(journal.run_counts(run_id)) == {RowStatus.COMPLETED.value}
    assert any("goes back in the queue" in m for m in listener.messages)


def test_rows_failing_one_after_another_stop_the_run_with_one_message(
    fake: FakeOpenAI, journal: Journal, demo_copy: Path
) -> None:
    source, run_id = plan(journal, demo_copy)
    listener = _FailAfterFirstRow(fake, count=4 * 3)  # three rows in a row run out of retries
    outcome = LiveRun(
        journal, source, run_id, make_client(fake).generate, workers=1, listener=listener
    ).execute()
    assert outcome.status is RunStatus.INTERRUPTED
    assert outcome.exit_error is not None and outcome.exit_error.exit_code == 3
    counts = journal.run_counts(run_id)
    assert counts.get(RowStatus.FAILED.value, 0) == 0 and counts.get(RowStatus.PENDING.value, 0) > 0


def test_a_local_workbook_gets_its_progress_tab_less_often_and_complete_at_the_end(
    fake: FakeOpenAI, journal: Journal, demo_copy: Path
) -> None:
    """Each write of a local workbook reads and saves the whole file (about a second of CPU for 1,000
    rows): the progress tab is written every 15 s instead of every 3 s, results every 30 s rather than
    every 250 rows, and both in full at the end."""
    from desktop.app.live import (
        MIRROR_INTERVAL_SEC,
        WHOLE_FILE_MIRROR_INTERVAL_SEC,
        WHOLE_FILE_WRITEBACK_ROWS,
        live_run,
    )
    from desktop.jobs.live_writeback import WRITEBACK_BATCH_ROWS

    source, run_id = plan(journal, demo_copy, rows="3-12")
    live = live_run(journal, source, run_id, make_client(fake).generate, workers=3)
    assert live.mirror.interval == WHOLE_FILE_MIRROR_INTERVAL_SEC > MIRROR_INTERVAL_SEC
    assert live.writeback.batch == WHOLE_FILE_WRITEBACK_ROWS > WRITEBACK_BATCH_ROWS
    live.execute()
    rows = {int(str(r[1])): r for r in XlsxSource(demo_copy).read_progress() if r[0] == run_id}
    assert sorted(rows) == list(range(3, 13)) and all(r[3] == "COMPLETED" for r in rows.values())
