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
from desktop.report.html import monitor_image_name, render_parts
from desktop.report.images import STRIP_SIZE, strip_samples

#: Width of the laid-out page in CSS pixels: the 760-pixel charts fit within it.
PAGE_WIDTH_PX = 820.0
RESOURCE_SCHEME = "report-image:"
MONITOR_OBJECT = int(QTextFormat.ObjectTypes.UserObject) + 14
VITALS_PROPERTY = int(QTextFormat.Property.UserProperty) + 1
TITLE_PROPERTY = int(QTextFormat.Property.UserProperty) + 2
OBJECT_CHAR = "\ufffc"
MONITOR_PREFIX = monitor_image_name(0).removesuffix("0")


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


#: Changed rows per laid-out document: Qt's table layout slows down more than linearly with size.
ROWS_PER_PART = 40
MARGIN_MM = 12.0


def page_layout() -> QPageLayout:
    """A4 portrait with 12 mm margins."""
    margins = QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM)
    return QPageLayout(
        QPageSize(QPageSize.PageSizeId.A4),
        QPageLayout.Orientation.Portrait,
        margins,
        QPageLayout.Unit.Millimeter,
    )


def _document(html: str, charts: Mapping[str, QImage], strips: Mapping[str, tuple[str, dict[str, object]]],
              page: QSizeF) -> QTextDocument:  # fmt: skip
    document = QTextDocument()
    font = QFont(document.defaultFont())
    font.setFamilies(["DejaVu Sans", "Segoe UI", "Helvetica", "Arial"])
    font.setPixelSize(12)
    document.setDefaultFont(font)
    handler = MonitorStripObject(document)
    document.documentLayout().registerHandler(MONITOR_OBJECT, handler)
    for name, image in charts.items():
        if RESOURCE_SCHEME + name + '"' in html:
            flat = QImage(image)
            flat.setDevicePixelRatio(1.0)
            document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(RESOURCE_SCHEME + name), flat)
    document.setPageSize(page)
    document.setDocumentMargin(8)
    document.setHtml(html)
    if RESOURCE_SCHEME + MONITOR_PREFIX in html:
        _place_strips(document, strips)
    return document


def report_documents(
    report: RunReport,
    charts: Mapping[str, QImage],
    strips: Mapping[str, tuple[str, dict[str, object]]],
) -> list[QTextDocument]:
    """The report as ``QTextDocument`` parts on pages shaped like the printable area of A4."""
    area = page_layout().paintRect(QPageLayout.Unit.Point)
    page = QSizeF(PAGE_WIDTH_PX, PAGE_WIDTH_PX * area.height() / area.width())
    names = {name: RESOURCE_SCHEME + name for name in [*charts, *strips]}
    return [_document(html, charts, strips, page) for html in render_parts(report, names, ROWS_PER_PART)]


def pdf_bytes(
    report: RunReport,
    charts: Mapping[str, QImage],
    strips: Mapping[str, tuple[str, dict[str, object]]],
) -> tuple[bytes, int]:
    """The PDF file's bytes and its number of pages."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(f"SimBatch run report {report.summary.run_id}")
    writer.setCreator("SimBatch")
    writer.setResolution(300)
    writer.setPageLayout(page_layout())
    pages = 0
    painter = QPainter(writer)
    try:
        area = writer.pageLayout().paintRectPixels(writer.resolution())
        for document in report_documents(report, charts, strips):
            size = document.pageSize()
            scale = area.width() / size.width()
            for index in range(document.pageCount()):
                if pages:
                    writer.newPage()
                pages += 1
                painter.save()
                painter.scale(scale, scale)
                painter.translate(0, -index * size.height())
                document.drawContents(painter, QRectF(0, index * size.height(), size.width(), size.height()))
                painter.restore()
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data()), pages
