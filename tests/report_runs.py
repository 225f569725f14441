"""A finished enrichment run written into a journal through its public API, for report tests and the
report benchmark: the demo's rows (repeated to any size), generated vitals merged field by field,
some rows flagged with the warnings validation gives, some failed, some in conflict.

Only the journal is written: the report reads nothing else, so this is what it sees after a real run.
"""

from __future__ import annotations

import random
from pathlib import Path

from desktop.domain.defaults import defaults_for_waveform
from desktop.domain.enrichment import columns_to_generate
from desktop.domain.models import Scenario, scenario_to_dict
from desktop.domain.vitals import parse_cell
from desktop.domain.vitals_check import validate_vitals
from desktop.domain.waveforms import canonical_waveform
from desktop.journal import Journal, RowStatus, RunKind, RunStatus
from desktop.paths import demo_workbook
from desktop.services.workbook import XlsxSource

#: Values that validation warns about (outside the typical range, inside the possible one).
ODD_VALUES: tuple[dict[str, object], ...] = ({"SpO2": 86}, {"HR": 172}, {"RR": 34}, {"Temp": 39.6})


def demo_scenarios(count: int) -> list[Scenario]:
    """The demo workbook's rows repeated until there are ``count``, renumbered with unique case ids."""
    table = XlsxSource(demo_workbook()).read_scenarios()
    base = table.scenarios
    out = []
    for i in range(count):
        s = base[i % len(base)]
        suffix = "" if i < len(base) else f"-X{i}"
        out.append(Scenario(3 + i, f"{s.case_id}{suffix}", s.title, dict(s.vitals), dict(s.context)))
    return out


def _generated(scenario: Scenario, column: str) -> dict[str, object]:
    """The author's valid fields kept, the rest filled as a model would (the rhythm's defaults)."""
    parsed = parse_cell(scenario.vitals.get(column))
    kept = dict(parsed.data) if parsed.data is not None else {}
    waveform = canonical_waveform(kept.get("waveform")) or "sinus_ecg"
    filled = defaults_for_waveform(waveform)
    filled["waveform"] = waveform
    for key, value in kept.items():
        issues = validate_vitals({**filled, key: value}, column)
        if key in filled and not any(i.severity.value == "critical" for i in issues):
            filled[key] = value
    return filled


def finished_run(
    journal: Journal,
    rows: int = 60,
    *,
    flagged: float = 0.2,
    failed: float = 0.03,
    conflicts: float = 0.01,
    kind: RunKind = RunKind.LIVE,
    emptied: float = 0.0,
    seed: int = 14,
    source: Path | None = None,
) -> str:
    """Journal a finished run over ``rows`` demo-like rows and return its id.

    Shares of the rows are flagged (a typical-range warning), failed (with a reason) and in conflict;
    ``emptied`` is the share of rows whose vitals cells were all empty (so every field is generated).
    """
    rng = random.Random(seed)
    scenarios = demo_scenarios(rows)
    blanks = random.Random(seed + 1)
    for s in scenarios:
        if blanks.random() < emptied:
            s.vitals = dict.fromkeys(s.vitals)
    vitals_columns = sorted({c for s in scenarios for c in s.vitals})
    columns = {s.row: columns_to_generate(s, vitals_columns) for s in scenarios}
    settings: dict[str, object] = {"workers": 8, "base_url": "http://127.0.0.1:8765/v1"}
    if kind is RunKind.BATCH:
        settings = {"mode": "batch", "base_url": "https://api.openai.com/v1"}
    run_id = journal.create_run(
        kind=kind.value,
        source=str(source or "/home/educator/Simulation/scenarios.xlsx"),
        scenario_tab="Master Scenario Convert",
        row_spec=f"3-{rows + 2}",
        model="gpt-4o-mini",
        settings=settings,
        rows=[(s.row, s.case_id) for s in scenarios],
        columns=columns,
        originals={s.row: scenario_to_dict(s) for s in scenarios},
    )
    journal.set_run_status(run_id, RunStatus.RUNNING)
    finished = []
    for s in scenarios:
        journal.mark_processing(run_id, s.row)
        wanted = columns[s.row]
        if not wanted:
            finished.append({"row": s.row, "status": RowStatus.COMPLETED.value, "result": {},
                             "warnings": ["Nothing to generate: every vitals cell is valid."]})  # fmt: skip
            continue
        usage = {"input_tokens": 1400 + rng.randint(0, 300), "cached_tokens": 1152 if s.row > 3 else 0,
                 "output_tokens": 60 * len(wanted) + rng.randint(0, 20)}  # fmt: skip
        cost = (usage["input_tokens"] - usage["cached_tokens"]) * 0.15e-6 + usage["cached_tokens"] * 0.075e-6
        cost += usage["output_tokens"] * 0.6e-6
        if rng.random() < failed:
            finished.append(
                {
                    "row": s.row,
                    "status": RowStatus.FAILED.value,
                    "cost_usd": cost,
                    **usage,
                    "error": "The model's reply was rejected 3 times; last: Initial_Vitals.SpO2: "
                    "Oxygen saturation (SpO2) 140% is outside the possible range 0–100.",
                }
            )
            continue  # fmt: skip
        result = {column: _generated(s, column) for column in wanted}
        if rng.random() < flagged:
            result[wanted[0]].update(rng.choice(ODD_VALUES))
        warnings = [
            f"{issue.field}: {issue.message}"
            for column, vitals in result.items()
            for issue in validate_vitals(vitals, column)
            if issue.severity.value == "warning"
        ]
        finished.append({"row": s.row, "status": RowStatus.COMPLETED.value, "result": result,
                         "warnings": warnings, "vitals_added": 7 * len(result), "cost_usd": cost,
                         **usage})  # fmt: skip
    journal.mark_finished_many(run_id, finished)
    done = [f["row"] for f in finished if f["status"] == RowStatus.COMPLETED.value and f.get("result")]
    clash = [row for row in done if rng.random() < conflicts]
    for row in clash:
        journal.mark_conflict(run_id, row, [columns[row][0]])
    journal.mark_written(run_id, [row for row in done if row not in clash])
    journal.set_run_status(run_id, RunStatus.COMPLETED)
    _spread_times(journal, run_id, rows)
    return run_id


def _spread_times(journal: Journal, run_id: str, rows: int) -> None:
    """Stretch the finish times over a few minutes, as a real run's would be (the chart needs a slope)."""
    start = "2026-11-30T09:00:00.000Z"
    end = f"2026-11-30T09:{(rows * 0.4 + 5) // 60:02.0f}:{(rows * 0.4 + 5) % 60:06.3f}Z"
    with journal._store.write() as conn:  # test set-up only: the API stamps "now"
        conn.execute("UPDATE runs SET started_at = ?, ended_at = ? WHERE run_id = ?", (start, end, run_id))
        conn.execute(
            "UPDATE row_tasks SET started_at = ?, completed_at = strftime('%Y-%m-%dT%H:%M:%fZ', ?, "
            "'+' || ((row - 3) * 0.4 + 1.5 + (row % 7) * 0.05) || ' seconds') "
            "WHERE run_id = ? AND completed_at IS NOT NULL",
            (start, start[:-1], run_id),
        )
