"""``simbatch report RUN_ID [--html FILE] [--pdf FILE]``: a run's report from the journal, offline."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from desktop.app.reports import text_summary, write_run_report
from desktop.app.runs import require_run
from desktop.cli.parsing import add_command
from desktop.cli_output import note
from desktop.journal import Journal
from desktop.settings import load_settings


def register(subparsers: Any) -> None:
    """Add the ``report`` command."""
    report = add_command(
        subparsers, "report", report_run, "a run's report: what it changed, what it cost, what to check",
        "Report on a run from the journal alone (works offline and after a restart): a summary, "
        "the rows to check first and every change. --html writes one self-contained page (readable offline "
        "and printable); --pdf writes a PDF. Without either, prints the summary.",
    )
    report.add_argument("run_id", metavar="RUN_ID")
    report.add_argument("--html", type=Path, default=None, metavar="FILE", help="write the report as HTML")
    report.add_argument("--pdf", type=Path, default=None, metavar="FILE", help="write the report as PDF")


def report_run(args: argparse.Namespace) -> int:
    """Print the summary, or write the HTML and/or PDF report of a run."""
    with Journal.open() as journal:
        require_run(journal, args.run_id)
        if args.html is None and args.pdf is None:
            print("\n".join(text_summary(journal, args.run_id, load_settings())))
            return 0
        done = write_run_report(journal, args.run_id, load_settings(), html=args.html, pdf=args.pdf)
    if args.html is not None:
        note(f"Wrote {args.html}.")
    if args.pdf is not None:
        note(f"Wrote {args.pdf} ({done.pdf_pages} pages).")
    return 0
