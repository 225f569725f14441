"""Planning a run: what it would take (the estimate shown before starting) and turning a source and a row
spec into a journaled run (the rows and what to generate for each)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from desktop.domain.enrichment import plan_row
from desktop.domain.models import Scenario, scenario_to_dict
from desktop.domain.pricing import CostEstimate, PriceTable
from desktop.domain.prompts import estimate_request_tokens, max_output_tokens
from desktop.journal import Journal, RunKind
from desktop.services.source import ScenarioTable, Source

#: The Batch API promises results within this many hours.
BATCH_WINDOW_HOURS = 24


@dataclass(frozen=True, slots=True)
class RowEstimate:
    """One row of an estimate: the columns to generate and its request's tokens (0 when nothing to do)."""

    row: int
    case_id: str
    columns: list[str]
    input_tokens: int
    output_tokens: int
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunEstimate:
    """What a run over some rows would take: requests, tokens, cost live and batch, and time."""

    cost: CostEstimate
    per_row: list[RowEstimate] = field(repr=False)
    live_minutes: float
    batch_hours_max: int = BATCH_WINDOW_HOURS

    @property
    def model(self) -> str:
        """The model priced."""
        return self.cost.model

    @property
    def rows(self) -> int:
        """Rows estimated (with or without anything to generate)."""
        return len(self.per_row)

    @property
    def requests(self) -> int:
        """Rows that need the LLM: one request each."""
        return self.cost.rows

    @property
    def input_tokens(self) -> int:
        """Input tokens of all requests."""
        return self.cost.input_tokens

    @property
    def cached_tokens(self) -> int:
        """The part of ``input_tokens`` expected from the prompt cache (live)."""
        return self.cost.cached_tokens

    @property
    def output_tokens(self) -> int:
        """Expected output tokens of all requests."""
        return self.cost.output_tokens

    @property
    def live_usd(self) -> float:
        """Cost of a live run."""
        return self.cost.live_usd

    @property
    def batch_usd(self) -> float:
        """Cost of a Batch API run."""
        return self.cost.batch_usd


def live_minutes(
    requests: int, tokens_in: int, tokens_out_cap: int, requests_per_minute: int, tokens_per_minute: int
) -> float:
    """Minutes a live run needs under the requests/min and tokens/min limits (the tighter one wins)."""
    if requests == 0:
        return 0.0
    by_requests = requests / requests_per_minute
    by_tokens = (tokens_in + tokens_out_cap) / tokens_per_minute
    return max(by_requests, by_tokens)


def estimate_run(
    scenarios: Sequence[Scenario],
    vitals_columns: Sequence[str],
    prices: PriceTable,
    model: str,
    *,
    overwrite: bool,
    requests_per_minute: int,
    tokens_per_minute: int,
) -> RunEstimate:
    """Estimate generating the missing vitals (all of them with ``overwrite``) of ``scenarios``.

    Each row's prompt is built and counted once; ``UnknownModelError`` when ``model`` has no price.
    """
    prices.price(model)  # fail before any prompt is built
    per_row: list[RowEstimate] = []
    requests: list[tuple[int, int]] = []
    out_cap = 0
    for scenario in scenarios:
        plan = plan_row(scenario, vitals_columns, overwrite=overwrite)
        tokens_in, tokens_out = estimate_request_tokens(scenario, plan) if plan else (0, 0)
        if plan:
            requests.append((tokens_in, tokens_out))
            out_cap += max_output_tokens(plan)
        per_row.append(
            RowEstimate(scenario.row, scenario.case_id, list(plan), tokens_in, tokens_out, plan)
        )
    cost = prices.estimate_requests(model, requests)
    minutes = live_minutes(cost.rows, cost.input_tokens, out_cap, requests_per_minute, tokens_per_minute)
    return RunEstimate(cost, per_row, minutes)


def create_enrichment_run(
    journal: Journal,
    source: Source,
    table: ScenarioTable,
    row_spec: str,
    *,
    kind: RunKind,
    model: str,
    overwrite: bool = False,
    settings: Mapping[str, object] | None = None,
) -> str:
    """Journal a new run over the rows of ``table`` (read from ``source`` for ``row_spec``).

    Each row records its field plan (the cells and, within each, the fields to generate) and the cells
    as read, so write-back can tell whether someone changed them in the meantime. Returns the run id.
    A source known to refuse writes (a read-only or installed workbook) raises ``InputError`` here,
    before anything is paid for.
    """
    source.check_writable()
    scenarios = table.scenarios
    vitals_columns = list(table.layout.vitals)
    plans = {s.row: plan_row(s, vitals_columns, overwrite=overwrite) for s in scenarios}
    originals = {s.row: scenario_to_dict(s) for s in scenarios}
    run_settings = dict(settings or {})
    run_settings["overwrite"] = overwrite
    run_id = journal.create_run(
        kind=kind,
        source=source.locator,
        scenario_tab=source.scenario_tab,
        row_spec=row_spec,
        model=model,
        settings=run_settings,
        rows=[(s.row, s.case_id) for s in scenarios],
        columns=plans,
        originals=originals,
    )
    return run_id
