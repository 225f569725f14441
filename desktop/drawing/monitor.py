"""The patient-monitor picture of one vitals state: ECG trace and numbers in monitor colours.

QtGui only (no widgets), so the Review tab's monitor widget and the run report (built by the command
line with a headless ``QGuiApplication``) draw the same screen. The black screen and the monitor
colours are deliberate: they imitate the bedside monitor the scenario drives.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen, QPolygonF

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


def trace_samples(vitals: Mapping[str, object], seconds: float = 5.0, rate: int = 200) -> list[float]:
    """The ECG samples drawn for ``vitals`` (its rhythm at its heart rate)."""
    waveform = canonical_waveform(vitals.get("waveform"))
    return ecg_samples(waveform, parse_number(vitals.get("HR")), seconds=seconds, rate=rate)


def paint_monitor(
    painter: QPainter,
    area: QRectF,
    vitals: Mapping[str, object],
    samples: list[float],
    *,
    title: str = "",
    font: QFont | None = None,
) -> None:
    """Draw the monitor for ``vitals`` (with its ECG ``samples``) into ``area`` of any paint device."""
    base = QFont(font) if font is not None else QGuiApplication.font()
    if base.pixelSize() <= 0:  # pixel sizes scale with the painter, also on a 300 dpi PDF page
        base.setPixelSize(max(9, round(base.pointSizeF() * 96 / 72)))
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.fillRect(area, SCREEN)
    numbers_width = max(150.0, area.width() * 0.32)
    trace_area = QRectF(
        area.left() + 8, area.top() + 8, area.width() - numbers_width - 16, area.height() - 16
    )
    number_area = QRectF(trace_area.right() + 8, area.top() + 4, numbers_width - 4, area.height() - 8)
    _paint_trace(painter, trace_area, vitals, samples, title, base)
    _paint_numbers(painter, number_area, vitals, base)


def _paint_trace(
    painter: QPainter,
    area: QRectF,
    vitals: Mapping[str, object],
    samples: list[float],
    title: str,
    base: QFont,
) -> None:
    small = QFont(base)
    small.setPixelSize(max(9, round(base.pixelSize() * 0.9)))
    painter.setFont(small)
    painter.setPen(HR_COLOUR)
    label = rhythm_label(vitals.get("waveform")) if vitals else "No state selected"
    heading = f"{title} · II · {label}" if title else f"II · {label}"
    painter.drawText(area, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, heading)
    top = area.top() + painter.fontMetrics().height() + 6
    trace = QRectF(area.left(), top, area.width(), max(20.0, area.height() - (top - area.top())))
    painter.setPen(QPen(GRID, 1))
    step = max(10.0, trace.width() / 25)
    x = trace.left()
    while x <= trace.right():
        painter.drawLine(QPointF(x, trace.top()), QPointF(x, trace.bottom()))
        x += step
    if len(samples) < 2:
        return
    mid = trace.center().y()
    scale = trace.height() / 4.4  # samples are bounded to ±2 mV
    n = len(samples)
    points = QPolygonF(
        [QPointF(trace.left() + trace.width() * i / (n - 1), mid - v * scale) for i, v in enumerate(samples)]
    )
    painter.setPen(QPen(HR_COLOUR, 2))
    painter.drawPolyline(points)


def _paint_numbers(painter: QPainter, area: QRectF, vitals: Mapping[str, object], base: QFont) -> None:
    row_height = area.height() / len(PARAMETERS)
    label_font = QFont(base)
    label_font.setPixelSize(max(9, round(base.pixelSize() * 0.85)))
    value_font = QFont(base)
    value_font.setBold(True)
    value_font.setPixelSize(max(12, int(row_height * 0.55)))
    for i, (key, label, unit, colour) in enumerate(PARAMETERS):
        box = QRectF(area.left(), area.top() + i * row_height, area.width(), row_height)
        painter.setPen(colour)
        painter.setFont(label_font)
        painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, f"{label} {unit}")
        painter.setFont(value_font)
        painter.drawText(
            box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, value_text(vitals.get(key))
        )


def render_monitor(
    vitals: Mapping[str, object],
    size: QSize = QSize(640, 300),
    title: str = "",
    *,
    seconds: float = 5.0,
    font: QFont | None = None,
    samples: list[float] | None = None,
) -> QImage:
    """The monitor drawn into an image (for tests, screenshots and the run report); ``samples`` are
    the ECG trace when the caller has them already, else ``seconds`` of it are made here."""
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(SCREEN)
    painter = QPainter(image)
    try:
        if samples is None:
            samples = trace_samples(vitals, seconds=seconds, rate=max(50, int(size.width() / seconds)))
        paint_monitor(
            painter, QRectF(0, 0, size.width(), size.height()), vitals, samples, title=title, font=font
        )
    finally:
        painter.end()
    return image
