"""The Run tab: mode, model and workers; an estimate before starting; Start, Pause, Resume, Cancel."""

from __future__ import annotations

import itertools
import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.app.batches import submit_batch_run
from desktop.app.connection import needs_model_connection
from desktop.app.live import PreparedLive, prepare_live_run
from desktop.app.runs import known_models
from desktop.domain.rowspec import format_rows
from desktop.gui.context import AppContext
from desktop.gui.qt.workers import local_pool, run_task
from desktop.gui.run.controller import RunController, RunState, controller_for, what_to_do
from desktop.gui.run.estimate_box import EstimateBox
from desktop.gui.run.take_over import TakeOverBar
from desktop.jobs.batch_outcome import BatchOutcome
from desktop.journal import RowStatus
from desktop.services.llm_access import warm_up

LIVE = "live"
BATCH = "batch"
TITLE = "SimBatch"


log = logging.getLogger(__name__)

#: The LLM SDK has been got ready in this process (``RunPanel.showEvent``).
_sdk_warmed = False


def _warm_up_failed(error: BaseException) -> None:
    log.info("The LLM SDK could not be got ready ahead of a run: %s", error)


class RunPanel(QWidget):
    """Starts and steers enrichment runs over the selected rows (all rows when none is selected)."""

    #: A batch run was submitted (its outcome); the Batch jobs tab polls it from then on.
    batch_submitted = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.controller: RunController = controller_for(context)
        self._preparing = False
        #: The "Connect a model" dialog the first run opened, while it is shown.
        self.connect_dialog: QDialog | None = None

        self.mode = QComboBox()
        self.mode.addItem("Live — results in minutes", LIVE)
        self.mode.addItem("Batch API — half price, results within 24 hours", BATCH)
        self.mode.setToolTip("Live sends one request per row now; Batch API costs half and may take hours.")
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.addItem(context.settings.model)
        self.model.setToolTip("The model that generates the vitals (prices come from Settings).")
        self.workers = QSpinBox()
        self.workers.setRange(1, 64)
        self.workers.setValue(context.settings.workers)
        self.workers.setToolTip("How many rows are sent at the same time in live mode.")
        self.rows_label = QLabel()
        self.rows_label.setWordWrap(True)

        form = QFormLayout()
        form.addRow("&Mode:", self.mode)
        form.addRow("M&odel:", self.model)
        form.addRow("&Workers:", self.workers)
        form.addRow("Rows:", self.rows_label)

        self.estimate_box = EstimateBox()

        self.start_button = self._button("&Start", "Ctrl+Return", "Start the run over the rows shown above")
        self.pause_button = self._button("&Pause", "Ctrl+P", "Let rows in flight finish, then wait")
        self.resume_button = self._button("&Resume", "Ctrl+Shift+R", "Carry on after a pause")
        self.cancel_button = self._button("&Cancel run", "Ctrl+Shift+X",
                                          "Stop the run; finished rows are kept and written")
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.controller.pause)
        self.resume_button.clicked.connect(self.controller.resume)
        self.cancel_button.clicked.connect(self.controller.cancel)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.resume_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.estimate_box)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        #: Offers to take over a colleague's rows whose claim went stale (a shared Google Sheet).
        self.take_over_bar = TakeOverBar(self.controller)
        layout.addWidget(self.take_over_bar)
        layout.addStretch(1)
        order: list[QWidget] = [self.mode, self.model, self.workers, self.start_button, self.pause_button,
                                self.resume_button, self.cancel_button, self.take_over_bar.button]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.refresh_estimate)
        self.mode.currentIndexChanged.connect(self._inputs_changed)
        self.model.currentTextChanged.connect(self._inputs_changed)
        context.rows_changed.connect(self._inputs_changed)
        context.selection_changed.connect(self._inputs_changed)
        context.source_changed.connect(self._inputs_changed)
        self.controller.state_changed.connect(self._update_buttons)
        self.controller.failed.connect(self._show_failure)
        self.controller.finished.connect(self._run_finished)
        self.controller.statuses_changed.connect(self.context.set_row_statuses)
        settings = context.settings
        run_task(lambda _ctx: known_models(settings), on_result=self._fill_models, on_error=lambda _e: None)
        self._inputs_changed()

    def showEvent(self, event: QShowEvent) -> None:
        """The first time the Run tab is shown in this process, get the LLM SDK ready in the background:
        a run is likely to start soon, and its first client would otherwise cost the window a second of
        waiting for the interpreter as the run starts."""
        super().showEvent(event)
        global _sdk_warmed
        if not _sdk_warmed:
            _sdk_warmed = True
            run_task(lambda _ctx: warm_up(), on_result=lambda _v: None, on_error=_warm_up_failed,
                     pool=local_pool())

    def _button(self, text: str, shortcut: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setShortcut(QKeySequence(shortcut))
        native = QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)
        button.setToolTip(f"{tip} ({native})")
        return button

    # -- inputs ------------------------------------------------------------------------------------

    @property
    def chosen_mode(self) -> str:
        """``live`` or ``batch``."""
        return str(self.mode.currentData())

    def target_rows(self) -> list[int]:
        """The selected rows, or every loaded row when none is selected."""
        return self.context.selected_rows() or [s.row for s in self.context.scenarios]

    def _fill_models(self, models: list[str]) -> None:
        current = self.model.currentText()
        self.model.blockSignals(True)
        self.model.clear()
        self.model.addItems(models if current in models else [current, *models])
        self.model.setCurrentText(current)
        self.model.blockSignals(False)

    def _inputs_changed(self, *_args: Any) -> None:
        selected = self.context.selected_rows()
        rows = selected or [s.row for s in self.context.scenarios]
        if not rows:
            self.rows_label.setText("No rows loaded yet: open a workbook or a Google Sheet first.")
        elif selected:
            self.rows_label.setText(f"{len(rows):,} selected rows ({format_rows(rows)})")
        else:
            self.rows_label.setText(f"All {len(rows):,} rows (select rows in the table to run fewer)")
        self._debounce.start()
        self._update_buttons()

    def refresh_estimate(self) -> None:
        """Estimate the run over the target rows in the background."""
        wanted = set(self.target_rows())
        scenarios = [s for s in self.context.scenarios if s.row in wanted]
        settings, model = self.context.settings.model_copy(), self.model.currentText().strip()
        # a shared Google Sheet: the rows colleagues hold are left out of the estimate
        self.estimate_box.start(scenarios, settings, model, live=self.chosen_mode == LIVE,
                                source=self.context.source)

    # -- running -----------------------------------------------------------------------------------

    def _update_buttons(self, *_args: Any) -> None:
        state = self.controller.state
        busy = self.controller.active or self._preparing
        # loaded rows are what a run targets (the selected ones, else all): no need to read the selection
        can_start = not busy and self.context.can_write and bool(self.context.scenarios)
        live = self.controller.live_run is not None
        self.start_button.setEnabled(can_start)
        self.pause_button.setEnabled(live and state is RunState.RUNNING)
        self.resume_button.setEnabled(live and state is RunState.PAUSED)
        self.cancel_button.setEnabled(live and state in (RunState.RUNNING, RunState.PAUSED))
        for widget in (self.mode, self.model, self.workers):
            widget.setEnabled(not busy)

    def start(self) -> None:
        """Journal a run over the target rows and start it (live) or submit it (batch)."""
        source = self.context.source
        rows = self.target_rows()
        if self.controller.active or self._preparing or source is None or not rows:
            return
        if self.context.offline:
            self._tell("The source cannot be reached right now; runs start once it is back online.")
            return
        if needs_model_connection(self.context.settings):
            self._ask_for_model()
            return
        settings = self.context.settings.model_copy()
        settings.model = self.model.currentText().strip() or settings.model
        journal = self.context.journal
        self._preparing = True
        self._update_buttons()
        if self.chosen_mode == BATCH:
            self.status.setText(f"Submitting {len(rows):,} rows to the Batch API…")
            self._preparing = False
            say = self.controller.say
            self.controller.start_job(None, lambda: submit_batch_run(journal, source, rows, settings, say))
            return
        self.status.setText(f"Preparing a live run over {len(rows):,} rows…")
        workers = self.workers.value()
        run_task(lambda _ctx: prepare_live_run(journal, source, rows, settings, workers),
                 on_result=self._prepared, on_error=self._prepare_failed)

    def _prepared(self, prepared: PreparedLive) -> None:
        self._preparing = False
        source = self.context.source
        if source is None:
            self._tell("The source was closed before the run could start.")
            return
        self.context.set_row_statuses((row, RowStatus.PENDING.value) for row in prepared.rows)
        self.status.setText(f"Run {prepared.run_id} started.")
        self.controller.start_live(self.context.journal, source, prepared.run_id, prepared.client.generate,
                                   self.workers.value())

    def _prepare_failed(self, error: BaseException) -> None:
        self._preparing = False
        self._update_buttons()
        self._show_failure(what_to_do(error))

    def _run_finished(self, outcome: object) -> None:
        if isinstance(outcome, BatchOutcome):
            self.status.setText(
                f"Run {outcome.run_id} submitted to the Batch API; the Batch jobs tab follows it."
            )
            self.batch_submitted.emit(outcome)
        else:
            self.status.setText(f"Run {self.controller.run_id} ended.")
        self._update_buttons()

    def _show_failure(self, text: str) -> None:
        self.status.setText(text)
        self._tell(text)

    def _ask_for_model(self) -> None:
        """The first run: ask for an OpenAI key or a local model server, then start as asked."""
        from desktop.gui.dialogs.connect_model import ConnectModelDialog

        dialog = ConnectModelDialog(self.context.store, self, allow_local=self.chosen_mode == LIVE)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.connect_dialog = dialog

        dialog.accepted.connect(self.start)
        dialog.finished.connect(lambda _code: setattr(self, "connect_dialog", None))
        dialog.open()

    def _tell(self, text: str) -> None:
        QMessageBox.warning(self, TITLE, text)
