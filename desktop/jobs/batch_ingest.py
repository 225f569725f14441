"""Taking in a finished batch: its output and error files downloaded, each row's result (or why it has
none) journaled with its batch-price cost, and rows of an expired or cancelled batch sorted out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.domain.enrichment import fields_added
from desktop.domain.models import scenario_from_dict
from desktop.domain.pricing import PriceTable
from desktop.errors import ServiceError
from desktop.jobs.batch_results import LineResult, read_results
from desktop.jobs.report import Say, summary_line
from desktop.journal import BatchJobRecord, Journal, RowStatus
from desktop.journal.db import now_iso
from desktop.services.batch_api import BatchService, RemoteBatch


@dataclass(frozen=True, slots=True)
class BatchPricing:
    """The prices a batch run's rows cost at (the Batch API price of ``model``; 0 when unpriced)."""

    prices: PriceTable
    model: str

    def cost(self, result: LineResult) -> float:
        """What one row's request cost."""
        if not self.prices.knows(self.model):
            return 0.0
        return self.prices.cost(
            self.model, result.input_tokens, result.cached_tokens, result.output_tokens, batch=True
        )


def ingest_chunk(
    journal: Journal, run_id: str, job: BatchJobRecord, remote: RemoteBatch, service: BatchService,
    folder: Path, pricing: BatchPricing, say: Say, note_problem: Callable[[str], None],
) -> None:
    """Download the ended batch ``remote`` of chunk ``job`` into ``folder`` and journal every row it
    held: completed or failed with its result, queued again (expired) or cancelled; the chunk is then
    finished with its cost. ``note_problem`` hears what could not be read."""
    folder.mkdir(parents=True, exist_ok=True)
    output = error = None
    if remote.output_file_id:
        output = service.download(remote.output_file_id, folder / f"chunk-{job.chunk}-output.jsonl")
    if remote.error_file_id:
        try:
            error = service.download(remote.error_file_id, folder / f"chunk-{job.chunk}-errors.jsonl")
        except ServiceError as exc:
            note_problem(f"Chunk {job.chunk}: the error file could not be downloaded ({exc}).")
    rows = set(job.rows)
    tasks = [t for t in journal.tasks(run_id) if t.row in rows]
    wanted = {t.row: (scenario_from_dict(dict(t.original)), t.plan) for t in tasks}
    read = read_results(run_id, wanted, output, error)
    for problem in read.problems:
        note_problem(f"Chunk {job.chunk}: {problem}")
    live = {t.row for t in tasks if t.status is RowStatus.SUBMITTED}
    finished: list[dict[str, object]] = []
    requeue: list[int] = []
    cancelled: list[int] = []
    batch_error = remote.error_text() or f"The batch ended {remote.status} without a result for this row."
    for row in job.rows:
        if row not in live:
            continue
        result = read.rows.get(row)
        if result is None or result.requeue:
            if remote.status == "expired":
                requeue.append(row)
            elif remote.status == "cancelled":
                cancelled.append(row)
            else:
                reason = result.error if result is not None else batch_error
                finished.append({"row": row, "status": "FAILED", "error": reason})
            continue
        finished.append(finished_item(result, pricing.cost(result)))
    journal.mark_finished_many(run_id, finished)
    if requeue:
        journal.mark_status(run_id, requeue, RowStatus.PENDING)
    if cancelled:
        journal.mark_status(run_id, cancelled, RowStatus.CANCELLED)
    cost = sum(_as_float(item.get("cost_usd")) for item in finished)
    journal.update_batch_job(
        run_id, job.chunk, finished_at=now_iso(), cost_usd=cost, error=remote.error_text() or None
    )
    done = sum(1 for item in finished if item["status"] == "COMPLETED")
    flagged = sum(1 for item in finished if item["status"] == "COMPLETED" and item.get("flags"))
    extra = f", {len(requeue)} queued again" if requeue else ""
    extra += f", {len(cancelled)} cancelled" if cancelled else ""
    say(
        f"Batch {remote.id} {remote.status}: {summary_line(done, flagged, len(finished) - done)}{extra}, "
        f"cost ${cost:.4f}.",
        "info",
    )


def finished_item(result: LineResult, cost: float) -> dict[str, object]:
    """One row's result line as the journal's ``mark_finished_many`` takes it."""
    item: dict[str, object] = {
        "row": result.row,
        "input_tokens": result.input_tokens,
        "cached_tokens": result.cached_tokens,
        "output_tokens": result.output_tokens,
        "cost_usd": cost,
    }
    if result.ok and result.values is not None:
        item.update(
            status="COMPLETED",
            result=result.values,
            warnings=result.warnings,
            generated=result.generated,
            flags=result.flags,
            vitals_added=fields_added(result.generated),
        )
    else:
        item.update(status="FAILED", error=result.error or "The batch returned no usable reply.")
    return item


def _as_float(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
