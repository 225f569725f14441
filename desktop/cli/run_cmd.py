"""``simbatch run``: a resumable live enrichment run over the selected rows, with a progress bar."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from desktop.app.live import live_client, live_run, outcome_document, plan_live_run
from desktop.cli.parsing import (
    add_command,
    add_json_argument,
    add_model_argument,
    add_source_arguments,
    add_take_over_argument,
    add_workers_argument,
)
from desktop.cli.selection import open_selection
from desktop.cli_output import ProgressBar, note, print_json, render_flagged
from desktop.domain.rowspec import format_rows
from desktop.errors import UsageError
from desktop.journal import Journal, RowTask, RunStatus
from desktop.settings import load_settings

if TYPE_CHECKING:
    from desktop.app.live import Generator, ProgressSnapshot, Source


def register(subparsers: Any) -> None:
    """Add the ``run`` command."""
    parser = add_command(
        subparsers, "run", run, "generate missing vitals with the LLM (live, resumable)",
        "Generate the empty or invalid vitals cells of the selected rows through the chat "
        "completions endpoint and write them back. The run is journaled: after Ctrl+C, a crash or a "
        "lost connection, 'simbatch resume' continues without paying for a row twice.",
    )
    add_source_arguments(parser)
    add_workers_argument(parser)
    add_model_argument(parser)
    parser.add_argument(
        "--overwrite", action="store_true", help="regenerate vitals cells that are already valid too"
    )
    add_take_over_argument(parser)
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Plan the run in the journal, then execute it; the exit code follows the outcome."""
    settings = load_settings()
    if args.model:  # the model of the provider in use (a local server's model name for "local")
        if settings.llm_provider == "local":
            settings.local_model = args.model
        else:
            settings.model = args.model
    if args.workers is not None and not 1 <= args.workers <= 64:
        raise UsageError("--workers must be between 1 and 64.")
    workers = args.workers or settings.workers
    client = live_client(settings)  # no key: AuthError before anything is journaled
    with Journal.open() as journal, open_selection(args) as selection:
        run_id = plan_live_run(
            journal, selection.source, selection.table, args.rows, client, workers=workers,
            overwrite=bool(args.overwrite),
        )
        if not args.json:
            note(f"Run {run_id} started over {len(selection.scenarios)} rows; Ctrl+C stops it resumably.")
        return execute_and_report(
            journal, selection.source, run_id, client.generate, workers, args.json,
            take_over=bool(args.take_over),
        )


class CliListener:
    """Draws the progress bar when stderr is a terminal, and prints failures as plain lines."""

    def __init__(self, total: int, quiet_start: bool) -> None:
        self.bar = ProgressBar(total, label="run")
        self._quiet_start = quiet_start

    def row_changed(self, task: RowTask) -> None:
        """Nothing per row: the bar follows the snapshots."""

    def progress(self, snapshot: ProgressSnapshot) -> None:
        """Redraw the bar."""
        self.bar.update(snapshot.done, snapshot.cost_usd)

    def message(self, text: str, level: str) -> None:
        """Failures and stops always; other lines only when a terminal shows the bar."""
        if level in ("warning", "error") or (self.bar.enabled and not self._quiet_start):
            self.bar.close()
            note(text)


def execute_and_report(
    journal: Journal,
    source: Source,
    run_id: str,
    generate: Generator,
    workers: int,
    as_json: bool,
    *,
    take_over: bool = False,
) -> int:
    """Execute (or resume) ``run_id`` with a CLI listener, print the summary, return the exit code."""
    total = journal.get_run(run_id)
    listener = CliListener(total.totals.rows if total else 0, quiet_start=as_json)
    live = live_run(journal, source, run_id, generate, workers, listener=listener, take_over=take_over)
    try:
        outcome = live.execute()
    finally:
        listener.bar.close()
    document = outcome_document(journal, outcome)
    if as_json:
        print_json(document)
    else:
        print(render_outcome(document))
    if outcome.exit_error is not None:
        note(f"simbatch: error: {outcome.exit_error}")
        return outcome.exit_error.exit_code
    if outcome.status is RunStatus.INTERRUPTED:
        note(f"The run was interrupted; 'simbatch resume {run_id}' continues it.")
        return 130
    return 1 if document["failed"] or document["conflicts"] else 0


def render_outcome(document: dict[str, Any]) -> str:
    """The human-readable summary of a run."""
    counts: dict[str, int] = document["counts"]
    tokens = document["tokens"]
    parts = ", ".join(f"{n} {status.lower()}" for status, n in counts.items()) or "no rows"
    lines = [
        f"Run {document['run_id']}: {document['status'].lower()} — {parts}.",
        f"Cost ${document['cost_usd']:.4f} ({tokens['input']} input tokens of which {tokens['cached']} "
        f"cached, {tokens['output']} output tokens).",
    ]
    lines.append(f"{document['summary']}.")
    for failed in document["failed"]:
        lines.append(f"  row {failed['row']} ({failed['case_id']}) failed: {failed['error']}")
    lines.extend(render_flagged(document["flagged"]))
    if document["conflicts"]:
        rows = [c["row"] for c in document["conflicts"]]
        lines.append(
            f"Rows {format_rows(rows)} were changed by someone else during the run and were not "
            "overwritten (conflicts)."
        )
    return "\n".join(lines)

