"""The run report's charts, drawn with QPainter into images (QtGui only, headless-safe).

Each function returns a ``QImage`` at twice its nominal size (``device_pixel_ratio`` 2), so the
pictures stay sharp in a browser, on paper and in the PDF.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPainterPath, QPen

BEFORE = QColor("#a3acb9")
AFTER = QColor("#2563eb")
WARN = QColor("#d97706")
COST = QColor("#c2410c")
INK = QColor("#1f2933")
MUTED = QColor("#616e7c")
GRID = QColor("#e4e7eb")
SCALE = 2
BIN = 10
MAX_SCORE = 130
LEFT_MIDDLE = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT_MIDDLE = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def nice_step(span: float, ticks: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about ``ticks`` intervals over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


class _Canvas:
    """A white image with a title, and the plot area below it."""

    def __init__(self, width: int, height: int, title: str) -> None:
        self.image = QImage(width * SCALE, height * SCALE, QImage.Format.Format_RGB32)
        self.image.setDevicePixelRatio(SCALE)
        self.image.fill(QColor("white"))
        self.painter = QPainter(self.image)
        self.painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.font = QFont(QGuiApplication.font())
        self.font.setPixelSize(12)
        title_font = QFont(self.font)
        title_font.setPixelSize(14)
        title_font.setBold(True)
        self.painter.setFont(title_font)
        self.painter.setPen(INK)
        self.painter.drawText(QRectF(12, 8, width - 24, 20), Qt.AlignmentFlag.AlignLeft, title)
        self.painter.setFont(self.font)
        self.width, self.height = width, height

    def text(self, rect: QRectF, flags: Qt.AlignmentFlag, text: str, colour: QColor = MUTED) -> None:
        self.painter.setPen(colour)
        self.painter.drawText(rect, flags, text)

    def legend(self, items: Sequence[tuple[str, QColor]], y: float) -> None:
        x = float(self.width - 12)
        metrics = self.painter.fontMetrics()
        for label, colour in reversed(items):
            w = metrics.horizontalAdvance(label)
            x -= w
            self.text(
                QRectF(x, y, w + 2, 16), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label
            )
            x -= 16
            self.painter.fillRect(QRectF(x, y + 4, 10, 10), colour)
            x -= 14

    def y_axis(
        self, plot: QRectF, top: float, fmt: Callable[[float], str], right: bool = False, grid: bool = True
    ) -> float:
        """Ticks from 0 to a round maximum at or above ``top``; returns that maximum."""
        step = nice_step(top if top > 0 else 1)
        maximum = step * max(1, math.ceil((top if top > 0 else 1) / step))
        value = 0.0
        while value <= maximum + step / 2:
            y = plot.bottom() - plot.height() * value / maximum
            if grid:
                self.painter.setPen(QPen(GRID, 1))
                self.painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            box = (
                QRectF(plot.right() + 6, y - 8, 60, 16) if right else QRectF(plot.left() - 62, y - 8, 56, 16)
            )
            align = Qt.AlignmentFlag.AlignLeft if right else Qt.AlignmentFlag.AlignRight
            self.text(box, align | Qt.AlignmentFlag.AlignVCenter, fmt(value))
            value += step
        return maximum

    def done(self) -> QImage:
        self.painter.end()
        return self.image


def _count(value: float) -> str:
    return f"{value:,.0f}"


def score_bins(scores: Sequence[int]) -> list[int]:
    """How many scores fall in each band of ten points (0–9 … 120–129), plus a last band for 130."""
    counts = [0] * (MAX_SCORE // BIN + 1)
    for s in scores:
        counts[min(MAX_SCORE // BIN, max(0, int(s)) // BIN)] += 1
    return counts


def score_chart(before: Sequence[int], after: Sequence[int], width: int = 760, height: int = 280) -> QImage:
    """Grouped bars: rows per quality-score band before and after the run."""
    avg_b = sum(before) / len(before) if before else 0.0
    avg_a = sum(after) / len(after) if after else 0.0
    canvas = _Canvas(width, height, f"Rows per quality score: average {avg_b:.0f} before → {avg_a:.0f} after")
    canvas.legend([("Before", BEFORE), ("After", AFTER)], 8)
    bins_b, bins_a = score_bins(before), score_bins(after)
    plot = QRectF(70, 40, width - 90, height - 80)
    top = canvas.y_axis(plot, max(bins_b + bins_a + [1]), _count)
    slot = plot.width() / len(bins_b)
    bar = slot * 0.36
    for i, (b, a) in enumerate(zip(bins_b, bins_a, strict=True)):
        x = plot.left() + i * slot + slot * 0.14
        for j, (value, colour) in enumerate(((b, BEFORE), (a, AFTER))):
            h = plot.height() * value / top
            canvas.painter.fillRect(QRectF(x + j * bar, plot.bottom() - h, bar - 1, h), colour)
        label = str(i * BIN)
        canvas.text(
            QRectF(plot.left() + i * slot, plot.bottom() + 4, slot, 16), Qt.AlignmentFlag.AlignHCenter, label
        )
    canvas.text(
        QRectF(plot.left(), plot.bottom() + 22, plot.width(), 16),
        Qt.AlignmentFlag.AlignHCenter,
        "Quality score (bands of ten points: 0 is 0–9, 130 is the maximum)",
    )
    return canvas.done()


def warnings_chart(kinds: Sequence[tuple[str, int]], width: int = 760, limit: int = 8) -> QImage:
    """Horizontal bars: warnings per kind, the most frequent first (the rest summed as one bar)."""
    shown = list(kinds[:limit])
    rest = sum(n for _, n in kinds[limit:])
    if rest:
        shown.append((f"{len(kinds) - limit} other kinds", rest))
    if not shown:
        shown = [("No warnings", 0)]
    height = 56 + 28 * len(shown)
    total = sum(n for _, n in kinds)
    canvas = _Canvas(width, height, f"Warnings by kind ({total:,} in all)")
    label_width = min(330.0, max(canvas.painter.fontMetrics().horizontalAdvance(k) for k, _ in shown) + 16.0)
    plot = QRectF(12 + label_width, 40, width - label_width - 80, 28 * len(shown))
    top = max([n for _, n in shown] + [1])
    for i, (label, n) in enumerate(shown):
        y = plot.top() + i * 28
        canvas.text(QRectF(12, y, label_width - 10, 22), RIGHT_MIDDLE, label, INK)
        w = plot.width() * n / top
        canvas.painter.fillRect(QRectF(plot.left(), y + 3, max(w, 1.0), 16), WARN)
        canvas.text(QRectF(plot.left() + w + 6, y, 70, 22), LEFT_MIDDLE, f"{n:,}", INK)
    return canvas.done()


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min" if seconds >= 600 else f"{seconds / 60:.1f} min"
    return f"{seconds:.0f} s" if seconds >= 10 or seconds == 0 else f"{seconds:.1f} s"


def progress_chart(points: Sequence[tuple[float, int, float]], width: int = 760, height: int = 280) -> QImage:
    """Rows finished (left axis) and cost so far (right axis) over the run's time."""
    canvas = _Canvas(width, height, "Rows finished and cost over time")
    canvas.legend([("Rows finished", AFTER), ("Cost (USD)", COST)], 8)
    plot = QRectF(70, 40, width - 150, height - 80)
    end_time = max([p[0] for p in points] + [0.1])
    rows_top = canvas.y_axis(plot, max([p[1] for p in points] + [1]), _count)
    cost_top = canvas.y_axis(plot, max([p[2] for p in points] + [0.0]) or 0.01, lambda v: f"${v:.4g}",
                             right=True, grid=False)  # fmt: skip
    for k in range(5):
        t = end_time * k / 4
        x = plot.left() + plot.width() * k / 4
        canvas.text(QRectF(x - 40, plot.bottom() + 4, 80, 16), Qt.AlignmentFlag.AlignHCenter, _duration(t))
    canvas.text(QRectF(plot.left(), plot.bottom() + 22, plot.width(), 16), Qt.AlignmentFlag.AlignHCenter,
                "Time since the run started")  # fmt: skip
    for index, top, colour in ((1, rows_top, AFTER), (2, cost_top, COST)):
        path = QPainterPath(QPointF(plot.left(), plot.bottom()))
        for p in points:
            x = plot.left() + plot.width() * p[0] / end_time
            path.lineTo(QPointF(x, plot.bottom() - plot.height() * float(p[index]) / top))
        canvas.painter.setPen(QPen(colour, 2.2))
        canvas.painter.drawPath(path)
    if not points:
        canvas.text(plot, Qt.AlignmentFlag.AlignCenter, "No row has finished yet.")
    return canvas.done()
