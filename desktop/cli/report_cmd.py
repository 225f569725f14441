"""``simbatch report RUN_ID [--html FILE] [--pdf FILE]``: a run's report from the journal, offline."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop.app.reports import write_run_report
from desktop.cli_output import note
from desktop.domain.pricing import PriceTable
from desktop.jobs.resume import require_run
from desktop.journal import Journal
from desktop.report.data import build_report
from desktop.report.wording import REASONS, headline, summary_lines, what_to_check
from desktop.settings import load_settings

#: Rows listed under "Check these first" in the text report (the files list them all).
TEXT_LIMIT = 20


def register(subparsers: Any) -> None:
    """Add the ``report`` command."""
    report = subparsers.add_parser(
        "report",
        help="a run's report: what it changed, what it cost, what to check",
        description="Report on a run from the journal alone (works offline and after a restart): a summary, "
        "the rows to check first and every change. --html writes one self-contained page (readable offline "
        "and printable); --pdf writes a PDF. Without either, prints the summary.",
    )
    report.add_argument("run_id", metavar="RUN_ID")
    report.add_argument("--html", type=Path, default=None, metavar="FILE", help="write the report as HTML")
    report.add_argument("--pdf", type=Path, default=None, metavar="FILE", help="write the report as PDF")
    report.set_defaults(handler=report_run)


def _prices() -> PriceTable:
    return PriceTable.load(load_settings().price_overrides)


def report_run(args: argparse.Namespace) -> int:
    """Print the summary, or write the HTML and/or PDF report of a run."""
    with Journal.open() as journal:
        require_run(journal, args.run_id)
        if args.html is None and args.pdf is None:
            print("\n".join(_text_report(journal, args.run_id)))
            return 0
        from desktop.report.export import ensure_gui_application

        ensure_gui_application()
        done = write_run_report(journal, args.run_id, load_settings(), html=args.html, pdf=args.pdf)
    if args.html is not None:
        note(f"Wrote {args.html}.")
    if args.pdf is not None:
        note(f"Wrote {args.pdf} ({done.pdf_pages} pages).")
    return 0


def _text_report(journal: Journal, run_id: str) -> list[str]:
    report = build_report(journal, run_id, _prices())
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
