"""``simbatch progress init``: create the Batch_Progress tab when it is missing."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.services.open_source import open_source
from desktop.services.source import PROGRESS_COLUMNS, PROGRESS_TAB
from desktop.settings import load_settings


def register(subparsers: Any) -> None:
    """Add the ``progress`` command group with ``init``."""
    progress = subparsers.add_parser(
        "progress", help="the Batch_Progress tab", description="Manage the Batch_Progress tab of a source."
    )
    actions = progress.add_subparsers(
        title="actions", dest="progress_action", metavar="ACTION", required=True
    )
    init = actions.add_parser(
        "init",
        help="create the Batch_Progress tab when missing",
        description=f"Create the {PROGRESS_TAB} tab with its {len(PROGRESS_COLUMNS)} columns when it is "
        "missing; an existing tab is left alone.",
    )
    init.add_argument(
        "--source", required=True, metavar="SRC", help="an .xlsx path, gsheet:<id> or a Google Sheets link"
    )
    init.add_argument("--tab", default=None, metavar="NAME", help="the scenario tab (default from settings)")
    init.set_defaults(handler=run_init)


def run_init(args: argparse.Namespace) -> int:
    """Create the progress tab if missing and say which happened."""
    source = open_source(args.source, scenario_tab=args.tab or load_settings().scenario_tab)
    try:
        created = source.ensure_progress_tab()
    finally:
        source.close()
    if created:
        print(
            f"Created the {PROGRESS_TAB} tab with its {len(PROGRESS_COLUMNS)} columns "
            f"in {source.display_name}."
        )
    else:
        print(f"The {PROGRESS_TAB} tab already exists in {source.display_name}; it was left as it was.")
    return 0
