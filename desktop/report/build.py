"""Building a run's report from the journal alone (no Qt, no source, no network)."""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Mapping, Sequence
from urllib.parse import urlparse

from desktop.domain.models import Scenario, scenario_from_dict
from desktop.domain.pricing import PriceTable
from desktop.domain.validate import validate_scenario
from desktop.journal import Journal, RowStatus, RowTask, RunKind, RunRecord, WriteRecord
from desktop.report.changes import cell_object, journal_generated, state_changes, warnings_of, with_warnings
from desktop.report.data import CONFLICT, FAILED, FLAGGED, RowEntry, RunReport, Summary

#: The host of requests sent to OpenAI's default endpoint.
OPENAI_HOST = "api.openai.com"


def endpoint_host(run: RunRecord) -> str | None:
    """The host the run's requests went to (``api.openai.com`` when it used the default)."""
    if not run.kind.enriches:
        return None
    base = run.settings.get("base_url")
    if not base:
        return None if run.kind is RunKind.BATCH and "base_url" not in run.settings else OPENAI_HOST
    parsed = urlparse(str(base))
    host = parsed.hostname or str(base)
    return f"{host}:{parsed.port}" if parsed.port else host


def _moment(stamp: str) -> _dt.datetime:
    moment = _dt.datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.UTC)


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    try:
        delta = _moment(end) - _moment(start)
    except ValueError:
        return None
    return max(0.0, delta.total_seconds())


def _other_mode_cost(run: RunRecord, prices: PriceTable | None) -> float | None:
    """What the same usage would have cost in the other mode (Batch for a live run, live for a batch run)."""
    t = run.totals
    if prices is None or not run.model or not prices.knows(run.model) or not t.tokens:
        return None
    if run.kind is RunKind.BATCH:
        return prices.cost(run.model, t.input_tokens, t.cached_tokens, t.output_tokens)
    if run.kind is RunKind.LIVE:
        return prices.cost(run.model, t.input_tokens, 0, t.output_tokens, batch=True)
    return None


def _scenario_with(task: RowTask, cells: Mapping[str, object]) -> Scenario:
    """The row as read, with ``cells`` put into its vitals columns."""
    base = scenario_from_dict(dict(task.original)) if task.original.get("row") is not None else None
    scenario = base or Scenario(row=task.row, case_id=task.case_id)
    vitals = dict(scenario.vitals)
    for column, value in cells.items():
        vitals[column] = value  # type: ignore[assignment]
    return Scenario(scenario.row, scenario.case_id, scenario.title, vitals, scenario.context)


def _cells(task: RowTask, writes: Sequence[WriteRecord]) -> tuple[dict[str, object], dict[str, object]]:
    """(before, after) vitals cells of a row: the result of an enrichment run, else its write-back."""
    original = task.original.get("vitals") if task.original else None
    before: dict[str, object] = dict(original) if isinstance(original, Mapping) else {}
    after: dict[str, object] = {}
    if task.result:
        after = dict(task.result)
    for write in writes:
        before.setdefault(write.column, write.value_before)
        if not task.result:
            after[write.column] = write.value_after
    return before, after


def _row_entry(task: RowTask, writes: Sequence[WriteRecord], kind: RunKind) -> RowEntry:
    before_cells, after_cells = _cells(task, writes)
    states = state_changes(
        before_cells, after_cells, enrichment=kind.enriches, generated=journal_generated(task)
    )
    has_row = task.original.get("row") is not None or bool(writes)
    score_before = validate_scenario(_scenario_with(task, {})).score if has_row else None
    score_after = None
    issues = []
    if after_cells and task.status is RowStatus.COMPLETED:
        shown = {column: cell_object(value) or value for column, value in after_cells.items()}
        after_report = validate_scenario(_scenario_with(task, shown))
        issues = after_report.issues
        score_after = after_report.score if has_row else None
    warnings = warnings_of(task, states, issues)
    attention: list[str] = []
    if task.status is RowStatus.FAILED:
        attention.append(FAILED)
    if task.conflict:
        attention.append(CONFLICT)
    if task.status is RowStatus.COMPLETED and warnings:
        attention.append(FLAGGED)
    title = str(task.original.get("title") or "") if task.original else ""
    return RowEntry(
        row=task.row,
        case_id=task.case_id,
        title=title,
        status=task.status.value,
        attention=tuple(attention),
        error=task.error,
        warnings=tuple(warnings),
        conflict_columns=tuple(task.conflict),
        states=tuple(with_warnings(states, warnings)),
        score_before=score_before,
        score_after=score_after,
        cost_usd=task.cost_usd,
        attempts=task.attempts,
    )


def _timeline(journal: Journal, run: RunRecord) -> list[tuple[float, int, float]]:
    points: list[tuple[float, int, float]] = []
    start = run.started_at or run.created_at
    cost = 0.0
    for n, (finished_at, row_cost) in enumerate(journal.finish_times(run.run_id), start=1):
        seconds = _seconds_between(start, finished_at)
        cost += row_cost
        points.append((seconds or 0.0, n, cost))
    return points


def build_report(journal: Journal, run_id: str, prices: PriceTable | None = None) -> RunReport:
    """The report of ``run_id`` from the journal; ``KeyError`` when the journal has no such run.

    ``prices`` (the user's price table) is only used for the other-mode comparison; without it that
    figure is left out.
    """
    run = journal.get_run(run_id)
    if run is None:
        raise KeyError(run_id)
    writes_by_row: dict[int, list[WriteRecord]] = {}
    for write in journal.writeback_history(run_id):
        if not write.conflict:
            writes_by_row.setdefault(write.row, []).append(write)
    entries = [_row_entry(task, writes_by_row.get(task.row, []), run.kind) for task in journal.tasks(run_id)]
    kinds = Counter(w.kind for entry in entries for w in entry.warnings)
    timeline = _timeline(journal, run)
    t = run.totals
    duration = _seconds_between(run.started_at or run.created_at, run.ended_at)
    if duration is None and timeline:
        duration = timeline[-1][0]
    summary = Summary(
        run_id=run.run_id,
        kind=run.kind,
        status=run.status.value,
        source=run.source,
        scenario_tab=run.scenario_tab,
        created_at=run.created_at,
        started_at=run.started_at,
        ended_at=run.ended_at,
        duration_sec=duration,
        model=run.model,
        endpoint_host=endpoint_host(run),
        rows=t.rows,
        completed=t.completed,
        flagged=sum(1 for e in entries if FLAGGED in e.attention),
        failed=t.failed,
        conflicts=sum(1 for e in entries if CONFLICT in e.attention),
        needs_look=sum(1 for e in entries if e.attention),
        cancelled=t.cancelled,
        unfinished=t.pending + t.processing + t.submitted,
        changed_rows=sum(1 for e in entries if e.changed),
        fields_generated=sum(s.generated_count for e in entries for s in e.states),
        written=t.written,
        cost_usd=t.cost_usd,
        other_mode_usd=_other_mode_cost(run, prices),
        input_tokens=t.input_tokens,
        cached_tokens=t.cached_tokens,
        output_tokens=t.output_tokens,
    )
    return RunReport(
        summary=summary,
        rows=tuple(entries),
        scores_before=tuple(e.score_before for e in entries if e.score_before is not None),
        scores_after=tuple(
            e.score_after if e.score_after is not None else e.score_before
            for e in entries
            if e.score_before is not None
        ),
        warnings_by_kind=tuple(kinds.most_common()),
        timeline=tuple(timeline),
    )
