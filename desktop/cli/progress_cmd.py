"""``simbatch progress init`` and ``rebuild``: create the Batch_Progress tab, or rewrite a run's rows
in it from the journal."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.app.progress_tab import PROGRESS_COLUMNS, PROGRESS_TAB, ensure_progress_tab, rebuild_progress
from desktop.app.runs import require_run, run_source
from desktop.cli.parsing import add_command
from desktop.journal import Journal
from desktop.settings import load_settings


def register(subparsers: Any) -> None:
    """Add the ``progress`` command group with ``init`` and ``rebuild``."""
    progress = subparsers.add_parser(
        "progress", help="the Batch_Progress tab", description="Manage the Batch_Progress tab of a source."
    )
    actions = progress.add_subparsers(
        title="actions", dest="progress_action", metavar="ACTION", required=True
    )
    init = add_command(
        actions, "init", run_init, "create the Batch_Progress tab when missing",
        f"Create the {PROGRESS_TAB} tab with its {len(PROGRESS_COLUMNS)} columns when it is "
        "missing; an existing tab is left alone.",
    )
    init.add_argument(
        "--source", required=True, metavar="SRC", help="an .xlsx path, gsheet:<id> or a Google Sheets link"
    )
    init.add_argument("--tab", default=None, metavar="NAME", help="the scenario tab (default from settings)")
    rebuild = add_command(
        actions, "rebuild", run_rebuild, "rewrite a run's rows in the Batch_Progress tab from the journal",
        f"Write every row of a run to the {PROGRESS_TAB} tab of the run's source again, from "
        "the journal (the source of truth); rows of other runs and other tabs are left alone.",
    )
    rebuild.add_argument("--run", required=True, metavar="RUN_ID", dest="run_id", help="the run to mirror")


def run_init(args: argparse.Namespace) -> int:
    """Create the progress tab if missing and say which happened."""
    created, name = ensure_progress_tab(args.opener, args.source, args.tab or load_settings().scenario_tab)
    if created:
        print(f"Created the {PROGRESS_TAB} tab with its {len(PROGRESS_COLUMNS)} columns in {name}.")
    else:
        print(f"The {PROGRESS_TAB} tab already exists in {name}; it was left as it was.")
    return 0


def run_rebuild(args: argparse.Namespace) -> int:
    """Queue every row of the run for the mirror and write them now."""
    with Journal.open() as journal:
        run = require_run(journal, args.run_id)
        with run_source(run, args.opener) as source:
            rebuilt = rebuild_progress(journal, run, source)
    print(
        f"Wrote {rebuilt.rows} rows of run {run.run_id} to the {PROGRESS_TAB} tab of {rebuilt.display_name}."
    )
    return 0
