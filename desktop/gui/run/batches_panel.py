"""The Batch jobs tab: every submitted batch, polled in the background while the app is open."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSystemTrayIcon,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.app.batches import BatchSweep, list_batch_jobs, sweep_batches
from desktop.app.text import format_duration
from desktop.gui.context import AppContext
from desktop.gui.qt.workers import TaskHandle, run_task
from desktop.gui.run.controller import controller_for
from desktop.jobs.batch_outcome import BatchOutcome
from desktop.journal import BatchJobRecord
from desktop.journal.db import parse_iso

ModelIndex = QModelIndex | QPersistentModelIndex
HEADERS = ("Run", "Batch", "Status", "Requests", "Age", "Cost")


def job_status(job: BatchJobRecord) -> str:
    """The status in words: the provider's status once created, else the local step."""
    if job.error and job.finished_at and not job.batch_id:
        return "cancelled before submission"
    return (job.remote_status or job.status.lower()).replace("_", " ")


def job_requests(job: BatchJobRecord) -> str:
    """``done/total`` with failures, e.g. ``40/44 (1 failed)``."""
    counts = job.request_counts or {}
    total = counts.get("total") or len(job.rows)  # the provider reports 0 while validating
    text = f"{counts.get('completed', 0):,}/{total:,}"
    failed = counts.get("failed", 0)
    return f"{text} ({failed:,} failed)" if failed else text


def job_age(job: BatchJobRecord, now: _dt.datetime | None = None) -> str:
    """Time since the batch was submitted (or prepared)."""
    start = parse_iso(job.submitted_at or job.created_at)
    now = now or _dt.datetime.now(start.tzinfo)
    return format_duration((now - start).total_seconds())


class BatchJobsModel(QAbstractTableModel):
    """A table over the journal's batch jobs (replaced after each background read)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.jobs: list[BatchJobRecord] = []

    def set_jobs(self, jobs: list[BatchJobRecord]) -> None:
        """Replace the jobs shown."""
        self.beginResetModel()
        self.jobs = list(jobs)
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        """Number of jobs."""
        return 0 if parent.isValid() else len(self.jobs)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        """Number of columns."""
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Column titles."""
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The cell texts (and the error as a tooltip)."""
        if not index.isValid():
            return None
        job = self.jobs[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            column = index.column()
            if column == 0:
                return f"{job.run_id} #{job.chunk}"
            if column == 1:
                return job.batch_id or "—"
            if column == 2:
                return job_status(job)
            if column == 3:
                return job_requests(job)
            if column == 4:
                return job_age(job)
            return f"${job.cost_usd:.4f}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return job.error or f"{len(job.rows):,} rows"
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (3, 4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class BatchesPanel(QWidget):
    """Lists batch jobs, polls unfinished ones off the GUI thread, cancels and downloads on request."""

    #: A batch run ended (its ``BatchOutcome``).
    run_finished = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.controller = controller_for(context)
        self.notifications: list[str] = []
        self._sweep: TaskHandle | None = None
        self._queued: tuple[str | None, bool] | None = None
        #: Runs known to be in flight that the table may not list yet (a batch just submitted).
        self._submitted: set[str] = set()

        self.model = BatchJobsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)  # read-only: Tab moves on, the arrow keys move in it
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # long ids are elided in the middle
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setWordWrap(False)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())

        self.refresh_button = QPushButton("Check &now")
        self.refresh_button.setShortcut(QKeySequence("F6"))
        self.refresh_button.setToolTip("Ask the Batch API about every unfinished batch now (F6)")
        self.cancel_button = QPushButton("Ca&ncel batch")
        self.cancel_button.setToolTip("Cancel the selected run's batches; finished results are kept")
        self.download_button = QPushButton("&Download results")
        self.download_button.setToolTip("Download, check and write back the selected run's finished results")
        self.refresh_button.clicked.connect(lambda: self.poll_now())
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.download_button.clicked.connect(self.download_selected)
        buttons = QHBoxLayout()
        for button in (self.refresh_button, self.cancel_button, self.download_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.status = QLabel("Batches are checked in the background while the app is open.")
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

        self.timer = QTimer(self)
        self.timer.setInterval(max(1, round(context.settings.poll_interval_sec * 1000)))
        self.timer.timeout.connect(self.poll_now)
        self.timer.start()
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(QApplication.windowIcon(), self)
            self.tray.setToolTip("SimBatch")
        self.controller.finished.connect(self._controller_finished)
        self._update_buttons()
        journal = context.journal
        run_task(lambda _ctx: list_batch_jobs(journal), on_result=self._show_jobs, on_error=self._failed)

    # -- selection ---------------------------------------------------------------------------------

    def selected_job(self) -> BatchJobRecord | None:
        """The job of the selected table row, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.jobs[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        job = self.selected_job()
        self.cancel_button.setEnabled(job is not None and job.finished_at is None)
        self.download_button.setEnabled(job is not None and job.batch_id is not None)

    # -- polling (journal and API calls on a worker thread) ----------------------------------------

    @property
    def polling(self) -> bool:
        """True while a background check runs."""
        return self._sweep is not None

    def poll_now(self, run_id: str | None = None, cancel: bool = False) -> None:
        """Check the unfinished batches (or cancel one run's) in the background."""
        if self._sweep is not None:
            if run_id is not None or cancel:
                self._queued = (run_id, cancel)
            return
        in_flight = {j.run_id for j in self.model.jobs if j.finished_at is None} | self._submitted
        settings = self.context.settings.model_copy()
        journal, source, say = self.context.journal, self.context.source, self.controller.say
        opener = self.context.opener
        self._sweep = run_task(
            lambda _ctx: sweep_batches(journal, source, settings, opener, run_id, cancel, say),
            on_result=lambda sweep: self._swept(sweep, in_flight),
            on_error=self._failed, owner=self,
        )

    def _swept(self, sweep: BatchSweep, was_in_flight: set[str]) -> None:
        self._sweep = None
        self._show_jobs(sweep.jobs)
        if sweep.problem:
            self.status.setText(f"{sweep.problem} Batches are checked again in a moment.")
        else:
            pending = sum(1 for j in sweep.jobs if j.finished_at is None)
            stamp = f"{_dt.datetime.now():%H:%M:%S}"
            self.status.setText(f"{pending} batch(es) still running; checked at {stamp}.")
        if self.context.source is not None:
            known = self.context.row_status
            self.context.set_row_statuses(
                (row, status)
                for statuses in sweep.row_status.values()
                for row, status in statuses.items()
                if known.get(row) != status
            )
        for outcome in sweep.finished_runs:
            if outcome.run_id in was_in_flight:
                self._submitted.discard(outcome.run_id)
                self._announce(outcome)
        if self._queued is not None:
            run_id, cancel = self._queued
            self._queued = None
            self.poll_now(run_id, cancel)

    def _announce(self, outcome: BatchOutcome) -> None:
        text = f"Batch run {outcome.run_id} finished: {outcome.summary}, cost ${outcome.cost_usd:.4f}."
        self.notifications.append(text)
        self.controller.say(text, "info")
        if self.tray is not None:
            self.tray.show()
            self.tray.showMessage("SimBatch", text, QSystemTrayIcon.MessageIcon.Information, 10_000)
        self.run_finished.emit(outcome)

    def _show_jobs(self, jobs: list[BatchJobRecord]) -> None:
        selected = self.selected_job()
        self.model.set_jobs(jobs)
        if selected is not None:
            for row, job in enumerate(jobs):
                if (job.run_id, job.chunk) == (selected.run_id, selected.chunk):
                    self.table.selectRow(row)
        self._update_buttons()

    def _failed(self, error: BaseException) -> None:
        self._sweep = None
        self.status.setText(f"The batches could not be checked: {error}")

    def _controller_finished(self, outcome: object) -> None:
        if isinstance(outcome, BatchOutcome):
            if outcome.in_flight:
                self._submitted.add(outcome.run_id)
            self.poll_now()

    # -- actions -----------------------------------------------------------------------------------

    def cancel_selected(self) -> None:
        """Cancel the selected job's run (every batch of it); partial results are kept."""
        job = self.selected_job()
        if job is not None:
            self.status.setText(f"Cancelling the batches of run {job.run_id}…")
            self.poll_now(job.run_id, cancel=True)

    def download_selected(self) -> None:
        """Download and write back the selected job's run results that are ready."""
        job = self.selected_job()
        if job is not None:
            self.status.setText(f"Downloading the results of run {job.run_id}…")
            self.poll_now(job.run_id)

    def stop(self) -> None:
        """Stop polling (when the window closes)."""
        self.timer.stop()
        if self._sweep is not None:
            self._sweep.cancel()
