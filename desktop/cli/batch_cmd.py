"""``simbatch batch``: Batch API runs — submit, list, status, cancel, download, resume and retry.

``ID`` is a run id (``r-…``) or a provider batch id (``batch_…``). Results are written back like live
results (conflict-checked, revertible with ``simbatch revert RUN_ID``) and mirrored to Batch_Progress.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop.cli.selection import add_source_arguments, open_selection
from desktop.cli_output import format_table, note, print_json, render_flagged
from desktop.domain.pricing import PriceTable
from desktop.errors import UsageError
from desktop.jobs.planning import create_enrichment_run
from desktop.jobs.resume import require_run, run_source
from desktop.journal import Journal, RowStatus, RunKind, RunRecord, RunStatus
from desktop.services.open_source import SourceOpener
from desktop.services.source import Source
from desktop.settings import Settings, load_settings

if TYPE_CHECKING:  # the batch engine loads the OpenAI SDK (~0.3 s): only commands that use it import it
    from desktop.jobs.batch import BatchOutcome, BatchRun
    from desktop.services.batch_api import BatchService

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

    submit = sub.add_parser("submit", help="submit the selected rows as a new batch run")
    add_source_arguments(submit)
    submit.add_argument("--batch-id", default=None, metavar="NAME", help="a name for this batch job")
    submit.add_argument("--model", default=None, metavar="M", help="the model (default from settings)")
    submit.add_argument("--overwrite", action="store_true", help="regenerate valid vitals cells too")
    _add_wait(submit)
    submit.set_defaults(handler=run_submit)

    listing = sub.add_parser("list", help="list batch jobs in the journal")
    _add_json(listing)
    listing.set_defaults(handler=run_list)

    for name, text, handler in (
        ("status", "check a run's batches once; ingest and write back finished ones", run_status),
        (
            "download",
            "download finished batches' output and error files and write the results back",
            run_status,
        ),
        ("cancel", "cancel a run's batches; partial results are kept", run_cancel),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("id", metavar="ID", help="a run id or a batch id")
        if name == "cancel":
            command.add_argument("--poll-interval", type=seconds, default=None, metavar="SECONDS")
        _add_json(command)
        command.set_defaults(handler=handler)

    resume = sub.add_parser("resume", help="carry on with a batch run after a stop, and wait for it")
    resume.add_argument("id", metavar="RUN_ID")
    _add_wait(resume, wait_flag=False)
    resume.set_defaults(handler=run_resume)

    retry = sub.add_parser("retry", help="re-run a batch run's FAILED rows in a new batch (or --live)")
    retry.add_argument("id", metavar="RUN_ID")
    retry.add_argument("--live", action="store_true", help="send them to the live endpoint instead")
    _add_wait(retry, wait_flag=False)
    retry.set_defaults(handler=run_retry)


def seconds(text: str) -> float:
    """argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the poll interval must be more than 0 seconds")
    return value


def _add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


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
    _add_json(parser)


# -- shared plumbing -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Context:
    journal: Journal
    settings: Settings


@contextlib.contextmanager
def _journal() -> Iterator[_Context]:
    journal = Journal.open()
    try:
        yield _Context(journal, load_settings())
    finally:
        journal.close()


def _runner(
    ctx: _Context, source: Source, run_id: str, poll: float | None, service: BatchService | None = None
) -> BatchRun:
    from desktop.jobs.batch import BatchRun, new_options
    from desktop.services.batch_api import batch_client_from_settings

    settings = ctx.settings
    options = new_options(poll or settings.poll_interval_sec, settings.enqueued_token_cap)
    return BatchRun(
        ctx.journal,
        source,
        run_id,
        service or batch_client_from_settings(settings.openai_base_url),
        PriceTable.load(settings.price_overrides),
        options=options,
        say=lambda text, level: note(text if level == "info" else f"{level}: {text}"),
    )


def _resolve_run(journal: Journal, ident: str) -> RunRecord:
    """The run of a run id or a batch id; ``UsageError`` when neither is known."""
    run = journal.get_run(ident)
    if run is not None:
        if run.kind is not RunKind.BATCH:
            raise UsageError(f"Run {ident} is a {run.kind} run, not a Batch API run.")
        return run
    job = journal.find_batch_job(ident)
    if job is not None:
        return require_run(journal, job.run_id)
    raise UsageError(f"There is no batch run or batch {ident!r} in the journal (see 'simbatch batch list').")


@contextlib.contextmanager
def _batch_run(ident: str, opener: SourceOpener) -> Iterator[tuple[_Context, str, Source]]:
    """The journal, the run id of ``ident`` (a run id or a batch id) and the run's opened source."""
    with _journal() as ctx:
        run = _resolve_run(ctx.journal, ident)
        with run_source(run, opener) as source:
            yield ctx, run.run_id, source


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
    from desktop.services.batch_api import batch_client_from_settings

    with _journal() as ctx, open_selection(args) as selection:
        service = batch_client_from_settings(  # no key (or a local model): no run is journaled
            ctx.settings.openai_base_url, provider=ctx.settings.llm_provider
        )
        model = args.model or ctx.settings.model
        run_settings: dict[str, object] = {"mode": "batch", "base_url": service.base_url}
        if args.batch_id:
            run_settings["batch_name"] = args.batch_id
        run_id = create_enrichment_run(
            ctx.journal,
            selection.source,
            selection.table,
            args.rows,
            kind=RunKind.BATCH,
            model=model,
            overwrite=args.overwrite or ctx.settings.overwrite_valid,
            settings=run_settings,
        )
        note(f"Run {run_id}: {len(selection.scenarios)} rows for the Batch API ({model}).")
        runner = _runner(ctx, selection.source, run_id, args.poll_interval, service)
        outcome = runner.run(wait=args.wait)
        return _report(outcome, args.json)


def run_list(args: argparse.Namespace) -> int:
    """Every batch job in the journal, newest first."""
    from desktop.jobs.batch import job_summary

    with _journal() as ctx:
        jobs = ctx.journal.batch_jobs()
        if args.json:
            print_json({"batches": [{"run_id": j.run_id, **job_summary(j)} for j in jobs]})
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
    with _batch_run(args.id, args.opener) as (ctx, run_id, source):
        outcome = _runner(ctx, source, run_id, None).refresh()
        return _report(outcome, args.json)


def run_cancel(args: argparse.Namespace) -> int:
    """Cancel the run's batches and keep what they finished."""
    with _batch_run(args.id, args.opener) as (ctx, run_id, source):
        outcome = _runner(ctx, source, run_id, args.poll_interval).cancel(wait=True)
        _report(outcome, args.json)
        return 0


def run_resume(args: argparse.Namespace) -> int:
    """Carry on with a batch run and wait until every batch has ended."""
    with _batch_run(args.id, args.opener) as (ctx, run_id, source):
        outcome = _runner(ctx, source, run_id, args.poll_interval).run(wait=True)
        return _report(outcome, args.json)


def run_retry(args: argparse.Namespace) -> int:
    """Queue the FAILED rows again and run them in a new batch, or live with ``--live``."""
    with _batch_run(args.id, args.opener) as (ctx, run_id, source):
        runner = _runner(ctx, source, run_id, args.poll_interval)
        if runner.outcome().in_flight:
            raise UsageError(f"Run {run_id} still has batches running; wait for them or cancel them first.")
        if runner.retry_failed() == 0:
            note(f"Run {run_id} has no failed rows.")
        if args.live:
            return _retry_live(ctx, source, runner, args.json)
        return _report(runner.run(wait=True), args.json)


def _retry_live(ctx: _Context, source: Source, runner: BatchRun, json_out: bool) -> int:
    from desktop.jobs.engine import LiveRun
    from desktop.services.llm import from_settings

    client = from_settings(ctx.settings)
    live = LiveRun(ctx.journal, source, runner.run_id, client.generate, workers=ctx.settings.workers)
    live.execute()
    return _report(runner.outcome(), json_out)
