"""Resume and close: an unfinished run is offered at start and resumed; closing during a run asks first."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.app.live import prepare_live_run
from desktop.app.runs import unfinished_work
from desktop.gui.context import AppContext
from desktop.gui.run.controller import RunController, controller_for
from desktop.gui.run.resume import ResumeDialog, confirm_close, offer_resume
from desktop.journal import Journal, RowStatus, RunStatus
from tests.fakes.openai_server import FakeOpenAI
from tests.gui.conftest import MessageLog
from tests.gui.run_helpers import fake_fixture, make_context  # noqa: F401

TIMEOUT_MS = 30_000


def _running(qtbot: QtBot, fake: FakeOpenAI, journal: Journal, demo_copy: Path) -> tuple[AppContext, str]:
    """A context with a slow live run going (two rows finished so far)."""
    fake.latency = 0.15
    context = make_context(demo_copy, journal, workers=2)
    controller = controller_for(context)
    assert context.source is not None
    rows = [s.row for s in context.scenarios]
    prepared = prepare_live_run(journal, context.source, rows, context.settings, 2)
    completed: list[int] = []
    controller.statuses_changed.connect(
        lambda news: completed.extend(row for row, status in news if status == "COMPLETED")
    )
    controller.start_live(journal, context.source, prepared.run_id, prepared.client.generate, 2)
    qtbot.waitUntil(lambda: len(completed) >= 2, timeout=TIMEOUT_MS)
    return context, prepared.run_id


def test_closing_without_a_run_does_not_ask(qtbot: QtBot, journal: Journal, demo_copy: Path,
                                            message_boxes: MessageLog) -> None:
    assert confirm_close(RunController(), None)
    assert message_boxes.shown == []


def test_closing_during_a_run_asks_and_cancel_keeps_the_run_going(
    qtbot: QtBot, fake: FakeOpenAI, journal: Journal, demo_copy: Path, message_boxes: MessageLog
) -> None:
    context, _run_id = _running(qtbot, fake, journal, demo_copy)
    controller = controller_for(context)
    message_boxes.answer = QMessageBox.StandardButton.Cancel
    assert not confirm_close(controller, None)
    assert [kind for kind, _ in message_boxes.shown] == ["question"]
    assert "Pause it and close?" in message_boxes.shown[0][1]
    assert controller.active
    with qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS):
        controller.cancel()


def test_pausing_on_close_leaves_the_run_resumable_and_the_offer_resumes_it(
    qtbot: QtBot, fake: FakeOpenAI, journal: Journal, demo_copy: Path, message_boxes: MessageLog
) -> None:
    context, run_id = _running(qtbot, fake, journal, demo_copy)
    controller = controller_for(context)
    message_boxes.answer = QMessageBox.StandardButton.Yes
    with qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS) as stopped:
        assert confirm_close(controller, None)
    assert stopped.args[0].status is RunStatus.INTERRUPTED
    assert not controller.active
    tasks = journal.tasks(run_id)
    done_before = {t.row for t in tasks if t.status is RowStatus.COMPLETED}
    assert done_before and any(t.status is RowStatus.PENDING for t in tasks)
    assert [r.run_id for r in unfinished_work(journal)] == [run_id]

    # next start: the run is offered, ticked, and resumed without sending finished rows again
    fake.latency = 0.0
    sent_before = len(fake.chat_requests(None))
    parent = QWidget()
    qtbot.addWidget(parent)
    fresh = make_context(demo_copy, journal, workers=4)
    offer_resume(fresh, parent)
    qtbot.waitUntil(lambda: parent.findChild(ResumeDialog) is not None, timeout=TIMEOUT_MS)
    dialog = parent.findChild(ResumeDialog)
    assert isinstance(dialog, ResumeDialog)
    assert dialog.list.count() == 1 and run_id in dialog.list.item(0).text()
    assert [r.run_id for r in dialog.chosen()] == [run_id]
    with qtbot.waitSignal(controller_for(fresh).finished, timeout=TIMEOUT_MS) as resumed:
        dialog.accept()
    assert resumed.args[0].status is RunStatus.COMPLETED
    assert {t.status for t in journal.tasks(run_id)} == {RowStatus.COMPLETED}
    resent = {r.row for r in fake.chat_requests(None)[sent_before:]}
    assert not resent & done_before  # finished rows were not requested (or paid for) again
    assert unfinished_work(journal) == []
