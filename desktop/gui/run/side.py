"""The run side of the main window: the Run, Progress and Batch jobs panels on one controller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QTabWidget, QWidget

from desktop.gui.context import AppContext
from desktop.gui.rows.model import RowsModel
from desktop.gui.run.batches_panel import BatchesPanel
from desktop.gui.run.controller import RunController, controller_for
from desktop.gui.run.panel import RunPanel
from desktop.gui.run.progress_panel import ProgressPanel


@dataclass(slots=True)
class RunSide:
    """The three panels and the controller they share."""

    controller: RunController
    run_panel: RunPanel
    progress_panel: ProgressPanel
    batches_panel: BatchesPanel

    def on_run_ended(self, slot: Callable[[object], None]) -> None:
        """Call ``slot(outcome)`` when a live run or a batch run ends."""
        self.controller.finished.connect(slot)
        self.batches_panel.run_finished.connect(slot)

    def stop(self) -> None:
        """Stop background polling (the window is closing)."""
        self.batches_panel.stop()


def build_run_side(context: AppContext, parent: QWidget | None = None) -> RunSide:
    """Create the panels for a context (one controller per context)."""
    run_panel = RunPanel(context, parent)
    progress_panel = ProgressPanel(context, parent)
    batches_panel = BatchesPanel(context, parent)
    return RunSide(controller_for(context), run_panel, progress_panel, batches_panel)


def install_run_side(context: AppContext, tabs: QTabWidget) -> RunSide:
    """Add the "Run", "Progress" and "Batch jobs" tabs to ``tabs``."""
    side = build_run_side(context, tabs)
    tabs.addTab(side.run_panel, "Run")
    tabs.addTab(side.progress_panel, "Progress")
    tabs.addTab(side.batches_panel, "Batch jobs")
    return side


def show_row_statuses(model: RowsModel, context: AppContext, rows: list[int]) -> None:
    """Show rows' statuses from the run in progress in the rows table, keeping their cost and last run."""
    statuses = context.row_status
    model.set_row_statuses((row, statuses[row]) for row in rows if row in statuses)
