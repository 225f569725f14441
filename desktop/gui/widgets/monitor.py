"""A patient-monitor style preview of one vitals state: ECG trace and numbers in monitor colours.

The black screen and the monitor colours are deliberate (they imitate the bedside monitor the
scenario drives); everything else in the app follows the OS palette.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.domain.ecg import ecg_samples
from desktop.domain.vitals import parse_number
from desktop.domain.waveforms import canonical_waveform, get_waveform

SCREEN = QColor("#000000")
GRID = QColor("#0b2a12")
HR_COLOUR = QColor("#35e05a")  # green
SPO2_COLOUR = QColor("#2fd6ff")  # cyan
BP_COLOUR = QColor("#ff4a4a")  # red
RR_COLOUR = QColor("#ffe14a")  # yellow
ETCO2_COLOUR = QColor("#e8d36a")  # yellow-ish
TEMP_COLOUR = QColor("#f2f2f2")  # white

#: (key, label, unit, colour) in the order the numbers are stacked.
PARAMETERS: tuple[tuple[str, str, str, QColor], ...] = (
    ("HR", "HR", "bpm", HR_COLOUR),
    ("SpO2", "SpO₂", "%", SPO2_COLOUR),
    ("BP", "NIBP", "mmHg", BP_COLOUR),
    ("RR", "RR", "/min", RR_COLOUR),
    ("EtCO2", "EtCO₂", "mmHg", ETCO2_COLOUR),
    ("Temp", "Temp", "°C", TEMP_COLOUR),
)


def value_text(value: object) -> str:
    """How a vitals value reads on the monitor: ``--`` when missing."""
    if value is None or value == "":
        return "--"
    if isinstance(value, float):
        return f"{value:.1f}" if not value.is_integer() else f"{value:.0f}"
    return str(value)


def rhythm_label(waveform: object) -> str:
    """The plain name of a waveform (its canonical label), or the text as given."""
    name = canonical_waveform(waveform)
    if name is None:
        return str(waveform) if waveform else "No rhythm given"
    return get_waveform(name).label


class PatientMonitor(QWidget):
    """Draws one vitals state as a bedside monitor: ECG on the left, numbers on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vitals: dict[str, object] = {}
        self._title = ""
        self._samples: list[float] = []
        self.setMinimumSize(QSize(360, 200))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Monitor preview of the selected state")

    def set_state(self, vitals: Mapping[str, object], title: str = "") -> None:
        """Show this vitals object (missing values read ``--``)."""
        self._vitals = dict(vitals)
        self._title = title
        waveform = canonical_waveform(self._vitals.get("waveform"))
        self._samples = ecg_samples(waveform, parse_number(self._vitals.get("HR")), seconds=5.0, rate=200)
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
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(area, SCREEN)
        numbers_width = max(150.0, area.width() * 0.32)
        trace_area = QRectF(
            area.left() + 8, area.top() + 8, area.width() - numbers_width - 16, area.height() - 16
        )
        number_area = QRectF(trace_area.right() + 8, area.top() + 4, numbers_width - 4, area.height() - 8)
        self._paint_trace(painter, trace_area)
        self._paint_numbers(painter, number_area)

    def _paint_trace(self, painter: QPainter, area: QRectF) -> None:
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.9))
        painter.setFont(small)
        painter.setPen(HR_COLOUR)
        label = rhythm_label(self._vitals.get("waveform")) if self._vitals else "No state selected"
        heading = f"{self._title} · II · {label}" if self._title else f"II · {label}"
        painter.drawText(
            area.adjusted(0, 0, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, heading
        )
        top = area.top() + painter.fontMetrics().height() + 6
        trace = QRectF(area.left(), top, area.width(), max(20.0, area.height() - (top - area.top())))
        painter.setPen(QPen(GRID, 1))
        step = max(10.0, trace.width() / 25)
        x = trace.left()
        while x <= trace.right():
            painter.drawLine(QPointF(x, trace.top()), QPointF(x, trace.bottom()))
            x += step
        if not self._samples:
            return
        mid = trace.center().y()
        scale = trace.height() / 4.4  # samples are bounded to ±2 mV
        n = len(self._samples)
        points = QPolygonF(
            [
                QPointF(trace.left() + trace.width() * i / (n - 1), mid - v * scale)
                for i, v in enumerate(self._samples)
            ]
        )
        painter.setPen(QPen(HR_COLOUR, 2))
        painter.drawPolyline(points)

    def _paint_numbers(self, painter: QPainter, area: QRectF) -> None:
        row_height = area.height() / len(PARAMETERS)
        label_font = QFont(self.font())
        label_font.setPointSizeF(max(7.0, label_font.pointSizeF() * 0.85))
        value_font = QFont(self.font())
        value_font.setBold(True)
        value_font.setPixelSize(max(12, int(row_height * 0.55)))
        for i, (key, label, unit, colour) in enumerate(PARAMETERS):
            box = QRectF(area.left(), area.top() + i * row_height, area.width(), row_height)
            painter.setPen(colour)
            painter.setFont(label_font)
            painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, f"{label} {unit}")
            painter.setFont(value_font)
            painter.drawText(
                box,
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                value_text(self._vitals.get(key)),
            )


def render_monitor(vitals: Mapping[str, object], size: QSize = QSize(640, 300), title: str = "") -> QImage:
    """The monitor drawn into an image (for tests, screenshots and export)."""
    monitor = PatientMonitor()
    monitor.resize(size)
    monitor.set_state(vitals, title)
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(SCREEN)
    painter = QPainter(image)
    try:
        monitor.paint(painter, QRectF(0, 0, size.width(), size.height()))
    finally:
        painter.end()
    monitor.deleteLater()
    return image
