"""Resume and close: unfinished runs and batches offered at start; closing while a run is active asks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.app.batches import batch_runner
from desktop.app.live import live_client, resume_settings
from desktop.app.runs import run_source, unfinished_work
from desktop.gui.context import AppContext
from desktop.gui.qt.workers import run_task
from desktop.gui.run.controller import RunController, controller_for, what_to_do
from desktop.gui.widgets.confirm import confirm
from desktop.journal import Journal, RunKind, RunRecord
from desktop.services.open_source import SourceOpener
from desktop.services.source import Source
from desktop.settings import Settings

if TYPE_CHECKING:
    from desktop.jobs.batch_outcome import BatchOutcome
    from desktop.services.llm import LLMClient

#: How long closing waits for rows in flight to finish after pausing.
CLOSE_WAIT_SECONDS = 30.0


def describe(run: RunRecord) -> str:
    """One line for the resume list."""
    totals = run.totals
    what = "Live run" if run.kind is RunKind.LIVE else "Batch API run"
    return (f"{what} {run.run_id} ({run.status.value.lower()}): {totals.completed:,} of {totals.rows:,} rows "
            f"done, ${totals.cost_usd:.4f} — {run.source}")


class ResumeDialog(QDialog):
    """Lists unfinished runs; the user ticks those to continue now."""

    def __init__(self, runs: list[RunRecord], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Continue unfinished work?")
        self.runs = runs
        self.list = QListWidget()
        for run in runs:
            item = QListWidgetItem(describe(run))
            item.setData(Qt.ItemDataRole.UserRole, run.run_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.list.addItem(item)
        buttons = QDialogButtonBox()
        resume = buttons.addButton("&Resume selected", QDialogButtonBox.ButtonRole.AcceptRole)
        resume.setToolTip("Continue the ticked runs; finished rows are never sent or paid for again")
        later = buttons.addButton("&Later", QDialogButtonBox.ButtonRole.RejectRole)
        later.setToolTip("Keep them for later; they are offered again next time")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("These runs stopped before they were finished. Nothing done so far is lost."))
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(640, 280)

    def chosen(self) -> list[RunRecord]:
        """The ticked runs."""
        ticked = {
            self.list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.list.count())
            if self.list.item(i).checkState() == Qt.CheckState.Checked
        }
        return [run for run in self.runs if run.run_id in ticked]


@dataclass(slots=True)
class _LiveResume:
    run: RunRecord
    source: Source
    client: LLMClient
    workers: int


def _prepare_live_resume(
    run: RunRecord, open_now: Source | None, settings: Settings, opener: SourceOpener
) -> _LiveResume:
    """Check the key and reopen the run's source (the open one when it is the same)."""
    workers = resume_settings(run, settings)
    client = live_client(settings)
    reuse = open_now is not None and open_now.locator == run.source
    source = open_now if reuse and open_now is not None else opener(run.source, run.scenario_tab)
    return _LiveResume(run, source, client, workers)


def _resume_batches(journal: Journal, run: RunRecord, open_now: Source | None, settings: Settings,
                    controller: RunController, opener: SourceOpener) -> BatchOutcome:
    """Carry on with a batch run (new chunks for rows an expired batch left, then one check)."""
    with run_source(run, opener, open_now) as source:
        return batch_runner(journal, source, run.run_id, settings, controller.say).run(wait=False)


def resume_runs(context: AppContext, runs: list[RunRecord]) -> None:
    """Continue ``runs``: batch runs one after another in the background, then the newest live run."""
    controller = controller_for(context)
    live = [r for r in runs if r.kind is RunKind.LIVE]
    batches = [r for r in runs if r.kind is RunKind.BATCH]
    settings = context.settings.model_copy()

    def start_live() -> None:
        if not live or controller.active:
            return
        run, open_now, run_settings = live[0], context.source, settings.model_copy()
        opener = context.opener
        run_task(lambda _ctx: _prepare_live_resume(run, open_now, run_settings, opener),
                 on_result=_start, on_error=lambda e: controller.failed.emit(what_to_do(e)))

    def _start(prepared: _LiveResume) -> None:
        if controller.active:
            return
        controller.start_live(context.journal, prepared.source, prepared.run.run_id, prepared.client.generate,
                              prepared.workers)

    def next_batch(_value: object = None) -> None:
        if not batches:
            start_live()
            return
        run = batches.pop(0)
        journal, open_now = context.journal, context.source
        opener = context.opener
        run_task(lambda _ctx: _resume_batches(journal, run, open_now, settings, controller, opener),
                 on_result=next_batch, on_error=batch_failed)

    def batch_failed(error: BaseException) -> None:
        controller.say(what_to_do(error), "error")
        next_batch()

    next_batch()


def offer_resume(context: AppContext, parent: QWidget | None) -> None:
    """Look for unfinished work in the background; when there is some, offer it in a dialog."""

    def found(runs: list[RunRecord]) -> None:
        if not runs:
            return
        dialog = ResumeDialog(runs, parent)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.accepted.connect(lambda: resume_runs(context, dialog.chosen()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    journal = context.journal
    run_task(lambda _ctx: unfinished_work(journal), on_result=found, on_error=lambda _e: None, owner=parent)


def confirm_close(controller: RunController, parent: QWidget | None) -> bool:
    """When a run is active, ask whether to pause it and close; True when the window may close.

    Pausing here stops new rows, lets rows in flight finish and leaves the run to continue next time.
    """
    if not controller.active:
        return True
    question = (
        "A run is still going. Pause it and close? Rows already sent finish first, and the run is "
        "offered to continue next time you open SimBatch."
    )
    if not confirm(parent, "SimBatch", question):
        return False
    controller.interrupt()
    controller.wait(CLOSE_WAIT_SECONDS)
    return True
