"""The report as a PDF: the same HTML laid out by Qt's rich-text engine onto A4 pages (QPdfWriter).

No browser engine is involved. Charts are handed to the document as images; the monitor strips are
drawn straight into the PDF as vector graphics by the monitor painter (a text object handler), which
keeps a report with hundreds of flagged rows small and sharp.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRect, QRectF, QSizeF, QUrl
from PySide6.QtGui import (
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPyTextObject,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)

from desktop.drawing.monitor import paint_monitor
from desktop.report.data import RunReport
from desktop.report.html import render_html
from desktop.report.images import STRIP_SIZE, strip_samples

#: Width of the laid-out page in CSS pixels: the 760-pixel charts fit within its margins.
PAGE_WIDTH_PX = 860.0
RESOURCE_SCHEME = "report-image:"
MONITOR_OBJECT = int(QTextFormat.ObjectTypes.UserObject) + 14
VITALS_PROPERTY = int(QTextFormat.Property.UserProperty) + 1
TITLE_PROPERTY = int(QTextFormat.Property.UserProperty) + 2
OBJECT_CHAR = "\ufffc"


class MonitorStripObject(QPyTextObject):
    """Draws a monitor strip where the document holds one (its vitals and title are in the format)."""

    def intrinsicSize(self, _doc: QTextDocument, _pos: int, _format: QTextFormat) -> QSizeF:
        """The strip's size in the document."""
        return QSizeF(STRIP_SIZE)

    def drawObject(
        self, painter: QPainter, rect: QRectF | QRect, _doc: QTextDocument, _pos: int, fmt: QTextFormat
    ) -> None:
        """Paint the strip with the Review tab's monitor painter."""
        vitals = json.loads(str(fmt.property(VITALS_PROPERTY)))
        area = QRectF(rect)
        painter.save()
        try:
            painter.setClipRect(area)
            paint_monitor(
                painter, area, vitals, strip_samples(vitals), title=str(fmt.property(TITLE_PROPERTY))
            )
        finally:
            painter.restore()


def _place_strips(document: QTextDocument, strips: Mapping[str, tuple[str, dict[str, object]]]) -> None:
    """Replace each strip's image placeholder by a monitor text object (one edit: one relayout)."""
    found: list[tuple[int, str]] = []
    block = document.begin()
    while block.isValid():
        for item in block:  # type: ignore[attr-defined]
            fragment = item.fragment()
            fmt = fragment.charFormat()
            if fmt.isImageFormat():
                name = fmt.toImageFormat().name().removeprefix(RESOURCE_SCHEME)
                if name in strips:
                    found.append((fragment.position(), name))
        block = block.next()
    editor = QTextCursor(document)
    editor.beginEditBlock()
    for position, name in found:
        title, vitals = strips[name]
        strip = QTextCharFormat()
        strip.setObjectType(MONITOR_OBJECT)
        strip.setProperty(VITALS_PROPERTY, json.dumps(vitals, default=str))
        strip.setProperty(TITLE_PROPERTY, title)
        editor.setPosition(position)
        editor.setPosition(position + 1, QTextCursor.MoveMode.KeepAnchor)
        editor.insertText(OBJECT_CHAR, strip)
    editor.endEditBlock()


def report_document(
    report: RunReport,
    charts: Mapping[str, QImage],
    strips: Mapping[str, tuple[str, dict[str, object]]],
) -> QTextDocument:
    """The report as a ``QTextDocument`` on A4-shaped pages, with its charts and monitor strips."""
    document = QTextDocument()
    font = QFont(document.defaultFont())
    font.setFamilies(["DejaVu Sans", "Segoe UI", "Helvetica", "Arial"])
    font.setPixelSize(12)
    document.setDefaultFont(font)
    handler = MonitorStripObject(document)
    document.documentLayout().registerHandler(MONITOR_OBJECT, handler)
    for name, image in charts.items():
        flat = QImage(image)
        flat.setDevicePixelRatio(1.0)
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(RESOURCE_SCHEME + name), flat)
    a4 = QPageSize(QPageSize.PageSizeId.A4).size(QPageSize.Unit.Point)
    document.setPageSize(QSizeF(PAGE_WIDTH_PX, PAGE_WIDTH_PX * a4.height() / a4.width()))
    document.setDocumentMargin(20)
    names = {name: RESOURCE_SCHEME + name for name in [*charts, *strips]}
    document.setHtml(render_html(report, names))
    _place_strips(document, strips)
    return document


def pdf_bytes(
    report: RunReport,
    charts: Mapping[str, QImage],
    strips: Mapping[str, tuple[str, dict[str, object]]],
) -> tuple[bytes, int]:
    """The PDF file's bytes and its number of pages."""
    document = report_document(report, charts, strips)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(f"SimBatch run report {report.summary.run_id}")
    writer.setCreator("SimBatch")
    writer.setResolution(300)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(12, 12, 12, 12),
            QPageLayout.Unit.Millimeter,
        )
    )
    document.print_(writer)
    pages = document.pageCount()
    del writer  # finishes the file
    buffer.close()
    return bytes(data.data()), pages
