"""A run's report, the one use case behind ``simbatch report`` and the GUI's "Export report…": its summary
as text, or written as HTML and/or PDF."""

from __future__ import annotations

from pathlib import Path

from desktop.domain.pricing import PriceTable
from desktop.errors import InputError, UsageError
from desktop.journal import Journal
from desktop.report.build import build_report
from desktop.report.export import ExportedReport, ensure_gui_application, export_report
from desktop.report.images import Progress
from desktop.report.wording import REASONS, headline, summary_lines, what_to_check
from desktop.settings import Settings

#: Rows listed under "Check these first" in the text summary (the files list them all).
TEXT_LIMIT = 20

#: The file kinds a report is written as, by suffix.
SUFFIXES = {".html": "html", ".htm": "html", ".pdf": "pdf"}


def check_target(path: Path, kind: str) -> None:
    """A ``UsageError``/``InputError`` in one sentence when ``path`` cannot take a ``kind`` report."""
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give a file name ending in .{kind}.")
    if not path.parent.is_dir():
        raise InputError(f"The folder {path.parent} does not exist.")


def write_run_report(
    journal: Journal,
    run_id: str,
    settings: Settings,
    *,
    html: Path | None = None,
    pdf: Path | None = None,
    progress: Progress | None = None,
) -> ExportedReport:
    """Write the HTML and/or PDF report of ``run_id`` from the journal (the user's prices compare modes).

    Needs a ``QGuiApplication``: the app has one, else a headless one is made.
    """
    ensure_gui_application()
    for path, kind in ((html, "html"), (pdf, "pdf")):
        if path is not None:
            check_target(path, kind)
    prices = PriceTable.load(settings.price_overrides)
    try:
        return export_report(journal, run_id, html_path=html, pdf_path=pdf, prices=prices, progress=progress)
    except OSError as exc:
        raise InputError(f"The report could not be written ({exc.strerror or exc}).") from exc


def text_summary(journal: Journal, run_id: str, settings: Settings) -> list[str]:
    """The report of ``run_id`` as lines of text: the headline, the summary and the rows to check first
    (up to ``TEXT_LIMIT``)."""
    report = build_report(journal, run_id, PriceTable.load(settings.price_overrides))
    lines = [headline(report.summary), "", *summary_lines(report.summary)]
    attention = report.attention
    if attention:
        lines += ["", "Check these first:"]
        for entry in attention[:TEXT_LIMIT]:
            why = ", ".join(REASONS[a].lower() for a in entry.attention)
            lines.append(f"  row {entry.row} {entry.case_id} ({why}): {what_to_check(entry)}")
        if len(attention) > TEXT_LIMIT:
            lines.append(f"  … and {len(attention) - TEXT_LIMIT} more (see --html or --pdf).")
    return lines
