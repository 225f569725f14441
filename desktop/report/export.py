"""Write a run's report as a self-contained HTML file and/or a PDF (laid out by Qt, no browser).

Used by ``simbatch report`` and by the GUI's "Export report…" (on a worker thread: QImage, QPainter,
QTextDocument and QPdfWriter are all safe off the GUI thread). Files are written to a temporary name
beside the target and renamed, so a crash never leaves half a report.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from desktop.domain.pricing import PriceTable
from desktop.files import write_atomically
from desktop.journal import Journal
from desktop.report.build import build_report
from desktop.report.data import RunReport
from desktop.report.html import render_html
from desktop.report.images import Progress, chart_images, data_uri, monitor_strips, report_pngs


@dataclass(frozen=True, slots=True)
class ExportedReport:
    """What was written, and the report it came from."""

    report: RunReport
    html_path: Path | None
    pdf_path: Path | None
    pdf_pages: int = 0


def ensure_gui_application() -> None:
    """A ``QGuiApplication`` for drawing (fonts, images) when none exists: headless (offscreen)."""
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        QGuiApplication(["simbatch"])


def html_document(report: RunReport, pngs: Mapping[str, bytes]) -> str:
    """The self-contained HTML page (pictures inline as ``data:`` URIs)."""
    return render_html(report, {name: data_uri(png) for name, png in pngs.items()})


def export_report(
    journal: Journal,
    run_id: str,
    *,
    html_path: Path | None = None,
    pdf_path: Path | None = None,
    prices: PriceTable | None = None,
    progress: Progress | None = None,
) -> ExportedReport:
    """Build the report of ``run_id`` from the journal and write the files asked for.

    Needs a ``QGuiApplication`` (``ensure_gui_application``); ``KeyError`` for an unknown run.
    """
    tell = progress or (lambda _done, _total, _what: None)
    tell(0, 0, "Reading the run from the journal")
    report = build_report(journal, run_id, prices)
    pages = 0
    if html_path is not None:
        pngs = report_pngs(report, progress)
        tell(0, 0, "Writing the HTML file")
        write_atomically(Path(html_path), html_document(report, pngs).encode("utf-8"), shared=True)
    if pdf_path is not None:
        from desktop.report.pdf import pdf_bytes

        tell(0, 0, "Laying out the PDF")
        data, pages = pdf_bytes(report, chart_images(report), monitor_strips(report))
        write_atomically(Path(pdf_path), data, shared=True)
    return ExportedReport(report, html_path, pdf_path, pages)
