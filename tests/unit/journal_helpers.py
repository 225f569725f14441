"""Shared set-up for the journal tests: a run over some rows, and a row taken through to COMPLETED."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from desktop.journal import Journal


def new_run(
    journal: Journal,
    rows: Iterable[int] = range(3, 6),
    *,
    kind: str = "live",
    source: str = "s",
    scenario_tab: str = "t",
    row_spec: str = "all",
    model: str | None = "m",
    settings: Mapping[str, object] | None = None,
    columns: Mapping[int, list[str]] | None = None,
    originals: Mapping[int, Mapping[str, object]] | None = None,
) -> str:
    """Journal a run over ``rows`` (case ids ``CASE-<row>``) and return its id."""
    return journal.create_run(
        kind=kind,
        source=source,
        scenario_tab=scenario_tab,
        row_spec=row_spec,
        model=model,
        settings=settings or {},
        rows=[(r, f"CASE-{r}") for r in rows],
        columns=columns,
        originals=originals,
    )


def complete_row(
    journal: Journal,
    run_id: str,
    row: int,
    *,
    input_tokens: int = 1,
    output_tokens: int = 1,
    cost_usd: float = 0.0,
) -> None:
    """Take ``row`` through PROCESSING to COMPLETED, with ``{"Initial_Vitals": {"HR": row}}`` as its
    result and this usage."""
    journal.mark_processing(run_id, row)
    journal.mark_completed(
        run_id,
        row,
        result={"Initial_Vitals": {"HR": row}},
        input_tokens=input_tokens,
        cached_tokens=0,
        output_tokens=output_tokens,
        cost_usd=cost_usd,
        vitals_added=1,
        warnings=[],
    )
