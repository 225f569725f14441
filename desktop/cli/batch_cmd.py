"""``simbatch batch``: Batch API runs — submit, list, status, cancel, download, resume and retry.

``ID`` is a run id (``r-…``) or a provider batch id (``batch_…``). Results are written back like live
results (conflict-checked, revertible with ``simbatch revert RUN_ID``) and mirrored to Batch_Progress.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from desktop.app.batches import (
    batch_runner,
    batch_service,
    job_document,
    list_batch_jobs,
    plan_batch_run,
    requeue_failed,
    resolve_batch_run,
    retry_live,
)
from desktop.app.runs import run_source
from desktop.cli.parsing import (
    add_command,
    add_json_argument,
    add_model_argument,
    add_source_arguments,
    seconds,
)
from desktop.cli.selection import open_selection
from desktop.cli_output import format_table, note, print_json, render_flagged
from desktop.journal import Journal, RowStatus, RunStatus
from desktop.settings import Settings, load_settings

if TYPE_CHECKING:
    from desktop.app.batches import BatchOutcome, BatchRun, BatchService, Source, SourceOpener

EPILOG = """\
Re-running failed rows: 'simbatch batch retry RUN_ID' puts the run's FAILED rows into a new batch
(and waits for it); add --live to send them to the live endpoint instead.
After a crash or a restart, 'simbatch batch resume RUN_ID' carries on with the same files and
batches (nothing is submitted twice) and waits until every batch has ended.
"""


def register(subparsers: Any) -> None:
    """Add the ``batch`` command and its subcommands."""
    parser = subparsers.add_parser(
        "batch",
        help="enrich rows through the OpenAI Batch API (half price, results within 24 h)",
        description="Generate missing vitals through the OpenAI Batch API: one request per row, "
        "submitted as one or more batches, polled, downloaded and written back.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(title="batch commands", dest="batch_command", metavar="ACTION", required=True)

    submit = add_command(sub, "submit", run_submit, "submit the selected rows as a new batch run")
    add_source_arguments(submit)
    submit.add_argument("--batch-id", default=None, metavar="NAME", help="a name for this batch job")
    add_model_argument(submit)
    submit.add_argument("--overwrite", action="store_true", help="regenerate valid vitals cells too")
    _add_wait(submit)

    add_json_argument(add_command(sub, "list", run_list, "list batch jobs in the journal"))

    for name, text, handler in (
        ("status", "check a run's batches once; ingest and write back finished ones", run_status),
        (
            "download",
            "download finished batches' output and error files and write the results back",
            run_status,
        ),
        ("cancel", "cancel a run's batches; partial results are kept", run_cancel),
    ):
        command = add_command(sub, name, handler, text)
        command.add_argument("id", metavar="ID", help="a run id or a batch id")
        if name == "cancel":
            command.add_argument("--poll-interval", type=seconds, default=None, metavar="SECONDS")
        add_json_argument(command)

    resume = add_command(sub, "resume", run_resume, "carry on with a batch run after a stop, and wait for it")
    resume.add_argument("id", metavar="RUN_ID")
    _add_wait(resume, wait_flag=False)

    retry = add_command(
        sub, "retry", run_retry, "re-run a batch run's FAILED rows in a new batch (or --live)"
    )
    retry.add_argument("id", metavar="RUN_ID")
    retry.add_argument("--live", action="store_true", help="send them to the live endpoint instead")
    _add_wait(retry, wait_flag=False)


def _add_wait(parser: argparse.ArgumentParser, wait_flag: bool = True) -> None:
    if wait_flag:
        parser.add_argument("--wait", action="store_true", help="poll until every batch has ended")
    parser.add_argument(
        "--poll-interval",
        type=seconds,
        default=None,
        metavar="SECONDS",
        help="seconds between status checks (default from settings; grows while nothing changes)",
    )
    add_json_argument(parser)


# -- shared plumbing -----------------------------------------------------------------------------


def _say(text: str, level: str) -> None:
    note(text if level == "info" else f"{level}: {text}")


def _runner(
    journal: Journal, settings: Settings, source: Source, run_id: str, poll: float | None,
    service: BatchService | None = None,
) -> BatchRun:
    return batch_runner(journal, source, run_id, settings, _say, service, poll)


@contextlib.contextmanager
def _batch_run(args: argparse.Namespace) -> Iterator[BatchRun]:
    """The engine of the batch run ``args.id`` (a run id or a batch id) on its opened source."""
    with opened_batch_run(args.id, args.opener, getattr(args, "poll_interval", None)) as runner:
        yield runner


@contextlib.contextmanager
def opened_batch_run(
    run_or_batch_id: str, opener: SourceOpener, poll_interval: float | None
) -> Iterator[BatchRun]:
    """The engine of a batch run (by run id or batch id) on its opened source."""
    with Journal.open() as journal:
        run = resolve_batch_run(journal, run_or_batch_id)
        with run_source(run, opener) as source:
            yield _runner(journal, load_settings(), source, run.run_id, poll_interval)


def resume_batch(
    run_id: str, opener: SourceOpener, poll_interval: float | None, json_out: bool
) -> int:
    """Carry on with the batch run ``run_id`` and wait until every batch has ended; the exit status."""
    with opened_batch_run(run_id, opener, poll_interval) as runner:
        return _report(runner.run(wait=True), json_out)


def _report(outcome: BatchOutcome, json_out: bool, finished_only: bool = True) -> int:
    if json_out:
        print_json(outcome.to_json())
    else:
        print(render_outcome(outcome))
    failed = outcome.counts.get(RowStatus.FAILED.value, 0)
    if outcome.in_flight and finished_only:
        return 0
    if failed or outcome.status is RunStatus.INTERRUPTED:
        return 1
    return 0


def render_outcome(outcome: BatchOutcome) -> str:
    """A table of the run's batches, then one line of counts and cost."""
    rows = []
    for b in outcome.batches:
        counts = b.get("request_counts") or {}
        assert isinstance(counts, dict)
        rows.append(
            [
                b["chunk"],
                b["batch_id"] or "-",
                b["remote_status"] or b["step"],
                b["rows"],
                f"{counts.get('completed', 0)}/{counts.get('total', 0)}",
                counts.get("failed", 0),
            ]
        )
    parts = [format_table(["Chunk", "Batch", "Status", "Rows", "Done", "Failed"], rows, right=(0, 3, 4, 5))]
    counts = ", ".join(f"{n} {status.lower()}" for status, n in sorted(outcome.counts.items()))
    parts.append(
        f"Run {outcome.run_id} ({outcome.status.value.lower()}): {counts}; cost ${outcome.cost_usd:.4f}."
    )
    parts.append(f"{outcome.summary}.")
    parts.extend(render_flagged(outcome.flagged))
    if outcome.in_flight:
        parts.append(f"Batches are still running; check later with 'simbatch batch status {outcome.run_id}'.")
    elif outcome.counts.get(RowStatus.PENDING.value):
        parts.append(f"Some rows were not processed in time; run 'simbatch batch resume {outcome.run_id}'.")
    if outcome.counts.get(RowStatus.FAILED.value):
        parts.append(f"Re-run the failed rows with 'simbatch batch retry {outcome.run_id}' (or add --live).")
    return "\n".join(parts)


# -- handlers ------------------------------------------------------------------------------------


def run_submit(args: argparse.Namespace) -> int:
    """Journal a new batch run over the selected rows and submit it (and wait with ``--wait``)."""
    settings = load_settings()
    with Journal.open() as journal, open_selection(args) as selection:
        service = batch_service(settings)  # no key (or a local model): no run is journaled
        model = args.model or settings.model
        run_id = plan_batch_run(
            journal, selection.source, selection.table, args.rows, service, settings, model=model,
            overwrite=args.overwrite or settings.overwrite_valid, batch_name=args.batch_id,
        )
        note(f"Run {run_id}: {len(selection.scenarios)} rows for the Batch API ({model}).")
        runner = _runner(journal, settings, selection.source, run_id, args.poll_interval, service)
        return _report(runner.run(wait=args.wait), args.json)


def run_list(args: argparse.Namespace) -> int:
    """Every batch job in the journal, newest first."""
    with Journal.open() as journal:
        jobs = list_batch_jobs(journal)
    if args.json:
        print_json({"batches": [job_document(j) for j in jobs]})
        return 0
    if not jobs:
        print("No batch jobs yet; submit one with 'simbatch batch submit'.")
        return 0
    print(
        format_table(
            ["Run", "Chunk", "Batch", "Status", "Rows", "Done", "Submitted"],
            [
                [
                    j.run_id,
                    j.chunk,
                    j.batch_id or "-",
                    j.remote_status or j.status,
                    len(j.rows),
                    f"{j.request_counts.get('completed', 0)}/{j.request_counts.get('total', 0)}",
                    j.submitted_at or "-",
                ]
                for j in jobs
            ],
            right=(1, 4, 5),
        )
    )
    return 0


def run_status(args: argparse.Namespace) -> int:
    """Check once: finished batches are downloaded, checked, written back and mirrored."""
    with _batch_run(args) as runner:
        return _report(runner.refresh(), args.json)


def run_cancel(args: argparse.Namespace) -> int:
    """Cancel the run's batches and keep what they finished."""
    with _batch_run(args) as runner:
        _report(runner.cancel(wait=True), args.json)
        return 0


def run_resume(args: argparse.Namespace) -> int:
    """Carry on with a batch run and wait until every batch has ended."""
    return resume_batch(args.id, args.opener, getattr(args, "poll_interval", None), args.json)


def run_retry(args: argparse.Namespace) -> int:
    """Queue the FAILED rows again and run them in a new batch, or live with ``--live``."""
    with _batch_run(args) as runner:
        if requeue_failed(runner) == 0:
            note(f"Run {runner.run_id} has no failed rows.")
        if args.live:
            return _report(retry_live(runner, load_settings()), args.json)
        return _report(runner.run(wait=True), args.json)
