""""Export report…": writes the chosen run's report (HTML or PDF) on a worker, with progress, then "Open".

Used by the Progress and Review tabs; each tells it which run is shown through ``set_run``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from desktop.app.reports import SUFFIXES, write_run_report
from desktop.errors import first_line
from desktop.gui.context import AppContext
from desktop.gui.qt.workers import TaskContext, TaskHandle, run_task
from desktop.report.export import ExportedReport

HTML_FILTER = "Web page, opens in any browser (*.html)"
PDF_FILTER = "PDF document (*.pdf)"


class ReportExport(QWidget):
    """An "Export report…" button, the export's progress, and "Open" for the file once written."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.run_id: str | None = None
        self.written: Path | None = None
        self._task: TaskHandle[ExportedReport] | None = None
        self._folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)

        self.export_button = QPushButton("E&xport report…")
        self.export_button.setToolTip(
            "Save this run's report — what it changed, what it cost, what to check — as a web page or PDF"
        )
        self.export_button.clicked.connect(self._clicked)
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(160)
        self.bar.setTextVisible(False)
        self.bar.hide()
        self.status = QLabel("")
        self.open_button = QPushButton("&Open")
        self.open_button.setToolTip("Open the report you just exported")
        self.open_button.clicked.connect(self.open_report)
        self.open_button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.export_button)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.open_button)
        self.set_run(None)

    @property
    def busy(self) -> bool:
        """True while a report is being written."""
        return self._task is not None

    def set_run(self, run_id: str | None) -> None:
        """The run whose report the button exports (None: nothing to export)."""
        self.run_id = run_id or None
        if not self.busy:
            self.export_button.setEnabled(self.run_id is not None)

    def _clicked(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.status.setText("Cancelling…")
            return
        if self.run_id is None:
            return
        start = str(Path(self._folder) / f"SimBatch report {self.run_id}.html")
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export run report", start, f"{HTML_FILTER};;{PDF_FILTER}"
        )
        if path:
            self.export(Path(path), pdf=chosen == PDF_FILTER)

    def export(self, path: Path, *, pdf: bool = False) -> None:
        """Write the report of the current run to ``path`` (a PDF when ``pdf`` or the name ends in .pdf)."""
        if self.run_id is None or self._task is not None:
            return
        kind = SUFFIXES.get(path.suffix.lower()) or ("pdf" if pdf else "html")
        if path.suffix.lower() not in SUFFIXES:
            path = path.with_name(f"{path.name}.{kind}")
        self._folder = str(path.parent)
        journal, settings, run_id = self.context.journal, self.context.settings, self.run_id

        def write(ctx: TaskContext) -> ExportedReport:
            def step(done: int, total: int, _what: str) -> None:
                ctx.raise_if_cancelled()
                ctx.progress(done, total)

            target = {kind: path}
            return write_run_report(journal, run_id, settings, progress=step, **target)  # type: ignore[arg-type]

        self.written = None
        self.open_button.hide()
        self.bar.setRange(0, 0)
        self.bar.show()
        self.status.setText(f"Writing {path.name}…")
        self.export_button.setText("Cancel e&xport")
        self.export_button.setToolTip("Stop writing the report")
        self._task = run_task(write, on_result=self._written, on_error=self._failed,
                              on_progress=self._progress, on_cancelled=self._cancelled)  # fmt: skip

    def _progress(self, value: object) -> None:
        done, total = value if isinstance(value, tuple) else (0, 0)
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        else:
            self.bar.setRange(0, 0)

    def _finish(self, text: str) -> None:
        self._task = None
        self.bar.hide()
        self.status.setText(text)
        self.export_button.setText("E&xport report…")
        self.export_button.setToolTip(
            "Save this run's report — what it changed, what it cost, what to check — as a web page or PDF"
        )
        self.set_run(self.run_id)

    def _written(self, done: ExportedReport) -> None:
        self.written = done.html_path or done.pdf_path
        name = self.written.name if self.written else "the report"
        self._finish(f"Saved {name}.")
        self.open_button.show()

    def _failed(self, error: BaseException) -> None:
        self._finish(f"The report was not saved: {first_line(str(error))}")

    def _cancelled(self) -> None:
        self._finish("Export cancelled.")

    def open_report(self) -> None:
        """Open the exported file with the system's viewer (browser or PDF reader)."""
        if self.written is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.written)))
