"""``simbatch run``: a resumable live enrichment run over the selected rows, with a progress bar."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.app.text import format_rows
from desktop.cli.selection import add_source_arguments, open_selection
from desktop.cli_output import ProgressBar, note, print_json, render_flagged
from desktop.errors import UsageError
from desktop.jobs.engine import Generator, LiveRun, ProgressSnapshot, RunOutcome
from desktop.jobs.planning import create_enrichment_run
from desktop.jobs.report import flagged_rows, summary_line
from desktop.jobs.sharing import SHARED_MIRROR_INTERVAL_SEC, shared_rows_for
from desktop.journal import Journal, RowStatus, RowTask, RunKind, RunStatus
from desktop.services.source import Source
from desktop.settings import load_settings


def register(subparsers: Any) -> None:
    """Add the ``run`` command."""
    parser = subparsers.add_parser(
        "run",
        help="generate missing vitals with the LLM (live, resumable)",
        description="Generate the empty or invalid vitals cells of the selected rows through the chat "
        "completions endpoint and write them back. The run is journaled: after Ctrl+C, a crash or a "
        "lost connection, 'simbatch resume' continues without paying for a row twice.",
    )
    add_source_arguments(parser)
    parser.add_argument("--workers", type=int, default=None, metavar="N", help="parallel requests")
    parser.add_argument("--model", default=None, metavar="M", help="the model (default from settings)")
    parser.add_argument(
        "--overwrite", action="store_true", help="regenerate vitals cells that are already valid too"
    )
    add_take_over_argument(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    parser.set_defaults(handler=run)


def add_take_over_argument(parser: argparse.ArgumentParser) -> None:
    """``--take-over``: on a shared Google Sheet, do the rows of a colleague whose claim went stale."""
    parser.add_argument(
        "--take-over",
        action="store_true",
        help="shared Google Sheet: take over rows a colleague claimed but stopped working on "
        "(no sign of life for the lease time, 10 minutes by default)",
    )


def run(args: argparse.Namespace) -> int:
    """Plan the run in the journal, then execute it; the exit code follows the outcome."""
    from desktop.services.llm import from_settings  # loads the OpenAI SDK: only when needed

    settings = load_settings()
    if args.model:  # the model of the provider in use (a local server's model name for "local")
        if settings.llm_provider == "local":
            settings.local_model = args.model
        else:
            settings.model = args.model
    if args.workers is not None and not 1 <= args.workers <= 64:
        raise UsageError("--workers must be between 1 and 64.")
    workers = args.workers or settings.workers
    generator = from_settings(settings)  # no key: AuthError before anything is journaled
    with Journal.open() as journal, open_selection(args) as selection:
        run_id = create_enrichment_run(
            journal,
            selection.source,
            selection.table,
            args.rows,
            kind=RunKind.LIVE,
            model=generator.model,
            overwrite=bool(args.overwrite),
            settings={"workers": workers, "base_url": generator.base_url},
        )
        if not args.json:
            note(f"Run {run_id} started over {len(selection.scenarios)} rows; Ctrl+C stops it resumably.")
        return execute_and_report(
            journal, selection.source, run_id, generator.generate, workers, args.json,
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
    """Execute (or resume) ``run_id`` with a CLI listener, print the summary, return the exit code.

    On a Google Sheet the rows are claimed block by block, so colleagues running at the same time
    never process a row twice."""
    total = journal.get_run(run_id)
    listener = CliListener(total.totals.rows if total else 0, quiet_start=as_json)
    shared = shared_rows_for(journal, source, run_id, take_over=take_over)
    live = LiveRun(
        journal, source, run_id, generate, workers=workers, listener=listener, shared=shared,
        mirror_interval=SHARED_MIRROR_INTERVAL_SEC if shared is not None else 3.0,
    )
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


def outcome_document(journal: Journal, outcome: RunOutcome) -> dict[str, Any]:
    """The ``--json`` document of a run or resume."""
    run = journal.get_run(outcome.run_id)
    totals = run.totals if run else None
    tasks = journal.tasks(outcome.run_id, [RowStatus.FAILED])
    flagged = flagged_rows(journal, outcome.run_id)
    conflicted = [t for t in journal.tasks(outcome.run_id) if t.conflict]
    return {
        "run_id": outcome.run_id,
        "status": outcome.status.value,
        "counts": {k: v for k, v in sorted(outcome.counts.items()) if v},
        "cost_usd": round(outcome.cost_usd, 6),
        "tokens": {
            "input": totals.input_tokens if totals else 0,
            "cached": totals.cached_tokens if totals else 0,
            "output": totals.output_tokens if totals else 0,
        },
        "conflicts": [{"row": t.row, "columns": list(t.conflict)} for t in conflicted],
        "failed": [{"row": t.row, "case_id": t.case_id, "error": t.error or ""} for t in tasks],
        "flagged": flagged,
        "summary": summary_line(
            outcome.counts.get(RowStatus.COMPLETED.value, 0), len(flagged), len(tasks)
        ),
        "error": outcome.error,
    }


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

