"""The Run tab's estimate before starting: requests, tokens, and the cost and time of a live run and
of a Batch API run over the target rows, worked out off the GUI thread. On a Google Sheet shared with
colleagues only the rows nobody else holds are counted, and the others are named with who holds them."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QWidget

from desktop.app.runs import RunEstimate, SelectionEstimate, estimate_run
from desktop.app.text import format_duration, held_by_colleagues
from desktop.domain.models import Scenario
from desktop.gui.qt.workers import TaskHandle, local_pool, run_task
from desktop.gui.run.controller import what_to_do
from desktop.services.source import Source
from desktop.settings import Settings

#: The form's lines: key of the value label and its title.
LINES = (("requests", "Requests:"), ("tokens", "Tokens:"), ("live", "Live cost and time:"),
         ("batch", "Batch cost and time:"))


def estimate_lines(estimate: RunEstimate) -> dict[str, str]:
    """The estimate as the texts of the form's value labels."""
    seconds = math.ceil(estimate.live_minutes * 60)
    return {
        "requests": f"{estimate.requests:,} of {estimate.rows:,} rows need the LLM",
        "tokens": f"{estimate.input_tokens:,} in (about {estimate.cached_tokens:,} cached) · "
        f"{estimate.output_tokens:,} out",
        "live": f"${estimate.live_usd:.4f} · about {format_duration(seconds) if seconds else '0s'}",
        "batch": f"${estimate.batch_usd:.4f} · results within {estimate.batch_hours_max} hours",
    }


class EstimateBox(QGroupBox):
    """Shows the last estimate; the mode chosen (live or batch) is bold."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Estimate before starting", parent)
        #: The estimate shown, None while there is none.
        self.estimate: RunEstimate | None = None
        self._task: TaskHandle | None = None
        self.values: dict[str, QLabel] = {}
        form = QFormLayout(self)
        for key, title in LINES:
            label = QLabel("—")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = label
            form.addRow(title, label)
        #: The target rows colleagues' SimBatches hold on a shared Google Sheet (not counted above).
        self.held = QLabel()
        self.held.setWordWrap(True)
        self.held.hide()
        form.addRow(self.held)

    def start(
        self, scenarios: Sequence[Scenario], settings: Settings, model: str, live: bool,
        source: Source | None = None,
    ) -> None:
        """Estimate a run over ``scenarios`` in the background (the one in progress is dropped);
        ``live`` says which mode's cost is bold; on a shared Google Sheet ``source`` the rows
        colleagues hold are left out (two reads)."""
        if self._task is not None:
            self._task.cancel()
        if not scenarios:
            self._show(None, live)
            return
        rows = list(scenarios)
        self._task = run_task(
            lambda _ctx: estimate_run(rows, settings, model, source),
            on_result=lambda found: self._show(found, live, rows), on_error=self._failed,
            pool=local_pool(), owner=self,
        )

    def _show(self, found: SelectionEstimate | None, live: bool, scenarios: Sequence[Scenario] = ()) -> None:
        self._task = None
        estimate = self.estimate = found.estimate if found is not None else None
        row_of = {s.case_id: s.row for s in scenarios}
        held = {row_of[case]: claim.describe() for case, claim in (found.claimed if found else {}).items()}
        self.held.setText("\n".join(held_by_colleagues(held)))
        self.held.setVisible(bool(held))
        if estimate is None:
            for label in self.values.values():
                label.setText("—")
            return
        for key, text in estimate_lines(estimate).items():
            self.values[key].setText(text)
        for key, bold in (("live", live), ("batch", not live)):
            font = self.values[key].font()
            font.setBold(bold)
            self.values[key].setFont(font)

    def _failed(self, error: BaseException) -> None:
        self._task = None
        self.estimate = None
        self.held.hide()
        for label in self.values.values():
            label.setText("—")
        self.values["requests"].setText(what_to_do(error))
