"""A patient-monitor style preview of one vitals state: ECG trace and numbers in monitor colours.

The picture itself is drawn by ``desktop.drawing.monitor`` (QtGui only), which the run report uses too;
this widget holds the state shown and paints it at its own size.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.drawing.monitor import (
    HR_COLOUR,
    PARAMETERS,
    SCREEN,
    SPO2_COLOUR,
    paint_monitor,
    render_monitor,
    rhythm_label,
    trace_samples,
    value_text,
)

__all__ = [
    "HR_COLOUR",
    "PARAMETERS",
    "SCREEN",
    "SPO2_COLOUR",
    "PatientMonitor",
    "render_monitor",
    "rhythm_label",
    "value_text",
]


class PatientMonitor(QWidget):
    """Draws one vitals state as a bedside monitor: ECG on the left, numbers on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vitals: dict[str, object] = {}
        self._title = ""
        self._samples: list[float] | None = []  # None: worked out when next painted
        self.setMinimumSize(QSize(360, 200))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Monitor preview of the selected state")

    def set_state(self, vitals: Mapping[str, object], title: str = "") -> None:
        """Show this vitals object (missing values read ``--``)."""
        self._vitals = dict(vitals)
        self._title = title
        self._samples = None  # drawn when shown: a hidden Review tab costs nothing at the end of a run
        self.update()

    def clear(self) -> None:
        """Show an empty screen."""
        self._vitals = {}
        self._title = ""
        self._samples = []
        self.update()

    @property
    def vitals(self) -> dict[str, object]:
        """The vitals shown."""
        return dict(self._vitals)

    def paintEvent(self, _event: QPaintEvent) -> None:
        """Draw the screen."""
        painter = QPainter(self)
        try:
            self.paint(painter, QRectF(self.rect()))
        finally:
            painter.end()

    def paint(self, painter: QPainter, area: QRectF) -> None:
        """Draw the monitor into ``area`` of any paint device."""
        if self._samples is None:
            self._samples = trace_samples(self._vitals)
        paint_monitor(painter, area, self._vitals, self._samples, title=self._title, font=self.font())
