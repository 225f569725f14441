"""``simbatch progress init`` and ``rebuild``: create the Batch_Progress tab, or rewrite a run's rows
in it from the journal."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.errors import ServiceError
from desktop.jobs.progress import ProgressMirror
from desktop.jobs.resume import require_run, run_source
from desktop.journal import Journal, RunKind
from desktop.services.source import PROGRESS_COLUMNS, PROGRESS_TAB
from desktop.settings import load_settings


def register(subparsers: Any) -> None:
    """Add the ``progress`` command group with ``init`` and ``rebuild``."""
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
    rebuild = actions.add_parser(
        "rebuild",
        help="rewrite a run's rows in the Batch_Progress tab from the journal",
        description=f"Write every row of a run to the {PROGRESS_TAB} tab of the run's source again, from "
        "the journal (the source of truth); rows of other runs and other tabs are left alone.",
    )
    rebuild.add_argument("--run", required=True, metavar="RUN_ID", dest="run_id", help="the run to mirror")
    rebuild.set_defaults(handler=run_rebuild)


def run_init(args: argparse.Namespace) -> int:
    """Create the progress tab if missing and say which happened."""
    source = args.opener(args.source, args.tab or load_settings().scenario_tab)
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


def run_rebuild(args: argparse.Namespace) -> int:
    """Queue every row of the run for the mirror and write them now."""
    with Journal.open() as journal:
        run = require_run(journal, args.run_id)
        with run_source(run, args.opener) as source:
            mirror = ProgressMirror(journal, source, interval=0.0)
            if run.kind is RunKind.BATCH:
                count = _rebuild_batch_rows(journal, mirror, run.run_id)
            else:
                count = mirror.rebuild(run.run_id)
            if not mirror.flush() and mirror.last_error is not None:
                raise ServiceError(
                    f"The {PROGRESS_TAB} tab could not be written ({mirror.last_error}); the rows wait in "
                    "the journal and go out with the next run or rebuild."
                )
    print(f"Wrote {count} rows of run {run.run_id} to the {PROGRESS_TAB} tab of {source.display_name}.")
    return 0


def _rebuild_batch_rows(journal: Journal, mirror: ProgressMirror, run_id: str) -> int:
    """Queue a batch run's rows under the Batch API id of the job that holds each row."""
    ids: dict[int, str] = {}
    for job in journal.batch_jobs(run_id):
        for row in job.rows:
            if job.batch_id:
                ids[row] = job.batch_id
    tasks = journal.tasks(run_id)
    for task in tasks:
        mirror.enqueue(task, ids.get(task.row))
    return len(tasks)
