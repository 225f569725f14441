"""Turning a source and a row spec into a journaled run (the rows and what to generate for each)."""

from __future__ import annotations

from collections.abc import Mapping

from desktop.domain.enrichment import columns_to_generate
from desktop.domain.models import scenario_to_dict
from desktop.journal import Journal, RunKind
from desktop.services.source import ScenarioTable, Source


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

    Each row records the cells to generate and the cells as read, so write-back can tell whether
    someone changed them in the meantime. Returns the run id.
    """
    scenarios = table.scenarios
    vitals_columns = list(table.layout.vitals)
    columns = {s.row: columns_to_generate(s, vitals_columns, overwrite=overwrite) for s in scenarios}
    originals = {s.row: scenario_to_dict(s) for s in scenarios}
    run_settings = dict(settings or {})
    run_settings["overwrite"] = overwrite
    run_id = journal.create_run(
        kind=kind.value,
        source=source.locator,
        scenario_tab=source.scenario_tab,
        row_spec=row_spec,
        model=model,
        settings=run_settings,
        rows=[(s.row, s.case_id) for s in scenarios],
        columns=columns,
        originals=originals,
    )
    return run_id
