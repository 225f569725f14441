"""``simbatch runs``, ``simbatch resume`` and ``simbatch revert``: the journal's runs after the fact."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.app.live import live_client, resume_settings
from desktop.app.rows import revert_changes
from desktop.app.runs import find_run_to_resume, require_run, run_source
from desktop.cli import batch_cmd
from desktop.cli.parsing import (
    add_command,
    add_json_argument,
    add_take_over_argument,
    add_workers_argument,
    seconds,
)
from desktop.cli.run_cmd import execute_and_report
from desktop.cli_output import format_table, note, print_json
from desktop.journal import Journal, RunKind
from desktop.settings import load_settings


def register(subparsers: Any) -> None:
    """Add the ``runs``, ``resume`` and ``revert`` commands."""
    runs = add_command(
        subparsers, "runs", list_runs, "list the runs in the journal", "List every run, newest first."
    )
    add_json_argument(runs)

    resume = add_command(
        subparsers, "resume", resume_run, "continue an unfinished run",
        "Continue a live or batch run where it stopped: completed rows are never requested "
        "again, a submitted batch is never submitted twice, and results generated but not yet written are "
        "written first. Without RUN_ID, the newest unfinished run.",
    )
    resume.add_argument("run_id", nargs="?", default=None, metavar="RUN_ID")
    add_workers_argument(resume)
    resume.add_argument(
        "--poll-interval",
        type=seconds,
        default=None,
        metavar="SECONDS",
        help="batch runs: seconds between status checks (default from settings)",
    )
    add_take_over_argument(resume)
    add_json_argument(resume)

    revert = add_command(
        subparsers, "revert", revert_cmd, "put back what a run's write-back replaced",
        "Put back the values a run wrote over (enrichment, auto-fix or defaults), skipping "
        "cells that someone changed since.",
    )
    revert.add_argument("run_id", metavar="RUN_ID")
    add_json_argument(revert)


def list_runs(args: argparse.Namespace) -> int:
    """Print the runs with their row counts and cost."""
    with Journal.open() as journal:
        runs = journal.list_runs()
    items = [
        {
            "run_id": r.run_id,
            "kind": r.kind,
            "status": r.status.value,
            "created": r.created_at,
            "source": r.source,
            "rows": r.totals.rows,
            "completed": r.totals.completed,
            "failed": r.totals.failed,
            "cost_usd": round(r.totals.cost_usd, 6),
        }
        for r in runs
    ]
    if args.json:
        print_json({"runs": items})
        return 0
    if not items:
        print("No runs yet.")
        return 0
    headers = ["Run", "Kind", "Status", "Created", "Rows", "Completed", "Failed", "Cost"]
    table = [
        [i["run_id"], i["kind"], i["status"], i["created"], i["rows"], i["completed"], i["failed"],
         f"${i['cost_usd']:.4f}"]
        for i in items
    ]
    print(format_table(headers, table, right=[4, 5, 6, 7]))
    return 0


def resume_run(args: argparse.Namespace) -> int:
    """Resume a run by id (or the newest unfinished one) on its own source."""
    settings = load_settings()
    with Journal.open() as journal:
        run = find_run_to_resume(journal, args.run_id)
    if run.kind is RunKind.BATCH:
        return batch_cmd.resume_batch(run.run_id, args.opener, args.poll_interval, args.json)
    with Journal.open() as journal:
        workers = resume_settings(run, settings, args.workers)
        client = live_client(settings)
        with run_source(run, args.opener) as source:
            if not args.json:
                note(f"Resuming run {run.run_id} on {run.source}.")
            return execute_and_report(
                journal, source, run.run_id, client.generate, workers, args.json,
                take_over=bool(args.take_over),
            )


def revert_cmd(args: argparse.Namespace) -> int:
    """Put back the values a run replaced; report the cells reverted and those skipped."""
    with Journal.open() as journal:
        run = require_run(journal, args.run_id)
        with run_source(run, args.opener) as source:
            outcome = revert_changes(journal, source, run.run_id)
    reverted = [{"row": ref.row, "column": ref.column} for ref in outcome.reverted]
    skipped = [{"row": ref.row, "column": ref.column} for ref in outcome.skipped]
    if args.json:
        print_json({"run_id": run.run_id, "reverted": reverted, "skipped": skipped})
    else:
        lines = [f"Run {run.run_id}: {len(reverted)} cells put back."]
        lines.extend(f"  row {c['row']} {c['column']}: restored" for c in reverted)
        if skipped:
            lines.append(f"{len(skipped)} cells were changed since the run wrote them and were left alone:")
            lines.extend(f"  row {c['row']} {c['column']}" for c in skipped)
        print("\n".join(lines))
    return 1 if skipped else 0
