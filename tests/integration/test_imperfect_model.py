"""Runs against a plausible but imperfect model: warnings flag rows instead of failing them, only rows
whose every reply was unusable fail, and the author's valid fields are written back untouched."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from desktop.domain.models import Scenario, Severity, scenario_from_dict
from desktop.domain.pricing import PriceTable
from desktop.domain.validate import validate_scenario
from desktop.domain.vitals import canonical_key, parse_cell
from desktop.jobs.batch import BatchOptions, BatchRun
from desktop.jobs.batch_input import LineBuilder, parse_custom_id
from desktop.jobs.engine import LiveRun
from desktop.jobs.planning import create_enrichment_run
from desktop.journal import Journal, RowStatus, RowTask, RunKind
from desktop.services.batch_api import BatchAPIClient
from desktop.services.workbook import XlsxSource
from tests.fakes.openai_server import FakeOpenAI
from tests.integration.batch_helpers import FAST_RETRY, MODEL
from tests.integration.live_helpers import make_client, make_workbook, plan

CRITICAL = "critical_vitals"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(api_key="sk-test-live-0123456789abcdef", seed=11).start()
    server.faults.imperfect_model()  # 20 % of replies with warnings, 5 % unusable
    server.batch_polls_per_stage = 1
    try:
        yield server
    finally:
        server.stop()


def read_rows(path: Path) -> dict[int, Scenario]:
    source = XlsxSource(path)
    try:
        return {s.row: s for s in source.read_scenarios(None).scenarios}
    finally:
        source.close()


def check_outcome(
    tasks: list[RowTask], replies: Mapping[int, list[str | None]], before: Path, after: Path
) -> None:
    """Every row COMPLETED unless its every reply was unusable; flagged rows are exactly those whose
    written vitals have warnings; every valid field of a partly generated cell is kept byte for byte."""
    old, new = read_rows(before), read_rows(after)
    asked = [t for t in tasks if t.columns_requested]
    assert asked
    for task in asked:
        kinds = replies.get(task.row, [])
        if task.status is RowStatus.FAILED:
            assert kinds and all(k == CRITICAL for k in kinds), (task.row, kinds, task.error)
            assert "rejected" in (task.error or "")
        else:
            assert task.status is RowStatus.COMPLETED, (task.row, task.status)
            assert any(k != CRITICAL for k in kinds), (task.row, kinds)
    flagged = {t.row for t in asked if t.flagged}
    with_warnings = set()
    for task in asked:
        if task.status is not RowStatus.COMPLETED:
            continue
        written = set(task.generated)
        issues = validate_scenario(new[task.row]).issues
        if any(i.severity is Severity.WARNING and i.field.split(".")[0] in written for i in issues):
            with_warnings.add(task.row)
        assert not [i for i in issues if i.severity is Severity.CRITICAL and i.field.split(".")[0] in written]
        for column, fields in task.generated.items():
            original = parse_cell(old[task.row].vitals.get(column)).data or {}
            text = str(new[task.row].vitals[column])
            for key, value in original.items():
                if canonical_key(key) in fields:
                    continue
                name = canonical_key(key) or key
                assert f"{json.dumps(name)}: {json.dumps(value, ensure_ascii=False)}" in text, (task.row, key)
    assert flagged == with_warnings
    assert flagged, "the imperfect model should have flagged some rows"


def check_progress_warnings(tasks: list[RowTask], workbook: Path, ids: set[str]) -> None:
    """The Warnings column of Batch_Progress names each flag of a flagged row; ``ids`` are the run's
    ids there (the run id of a live run, the batch ids of a Batch API run)."""
    progress = {r[1]: r for r in XlsxSource(workbook).read_progress() if r[0] in ids}
    for task in tasks:
        if task.flagged:
            assert progress[task.row][3] == "COMPLETED"
            assert all(str(f["message"]) in str(progress[task.row][12]) for f in task.flags)


def live_replies(fake: FakeOpenAI) -> dict[int, list[str | None]]:
    replies: dict[int, list[str | None]] = {}
    for record in fake.chat_requests(200):
        if record.row is not None:
            replies.setdefault(record.row, []).append(record.fault)
    return replies


def batch_replies(fake: FakeOpenAI) -> dict[int, list[str | None]]:
    replies: dict[int, list[str | None]] = {}
    for custom_id, fault in fake.output_faults.items():
        parsed = parse_custom_id(custom_id)
        assert parsed is not None
        replies.setdefault(parsed[1], []).append(fault)
    return replies


@pytest.mark.parametrize(("rows", "criticals"), [(0, 0.05), (0, 0.5), (300, 0.05)])
def test_live_run_completes_and_flags(
    fake: FakeOpenAI, journal: Journal, demo_copy: Path, tmp_path: Path, rows: int, criticals: float
) -> None:
    fake.faults.rate_critical_vitals = criticals
    workbook = make_workbook(demo_copy, demo_copy, rows) if rows else demo_copy
    before = tmp_path / "before.xlsx"
    before.write_bytes(workbook.read_bytes())
    source, run_id = plan(journal, workbook)
    try:
        outcome = LiveRun(journal, source, run_id, make_client(fake).generate, workers=4).execute()
    finally:
        source.close()
    tasks = journal.tasks(run_id)
    replies = live_replies(fake)
    check_outcome(tasks, replies, before, workbook)
    check_progress_warnings(tasks, workbook, {run_id})
    requests = sum(len(kinds) for kinds in replies.values())
    asked = sum(1 for t in tasks if t.columns_requested)
    if criticals <= 0.05:
        assert outcome.counts.get("FAILED", 0) == 0  # three unusable replies in a row: about 1 in 8,000
        assert requests <= 1.15 * asked  # warnings are never asked again
    else:
        assert outcome.counts.get("FAILED", 0) > 0
    # Follow-ups say what was wrong: a second request of a row carries the complaint.
    again = [r for r in fake.chat_requests(200) if len(r.body["messages"]) > 2]  # type: ignore[index]
    if again:
        complaint = again[0].body["messages"][-1]["content"]  # type: ignore[index]
        assert complaint.startswith("That reply cannot be used:")
        assert again[0].body["messages"][-2]["role"] == "assistant"  # type: ignore[index]


@pytest.mark.parametrize("rows", [0, 300])
def test_batch_run_completes_and_flags(
    fake: FakeOpenAI, journal: Journal, demo_copy: Path, tmp_path: Path, rows: int
) -> None:
    workbook = make_workbook(demo_copy, demo_copy, rows) if rows else demo_copy
    before = tmp_path / "before.xlsx"
    before.write_bytes(workbook.read_bytes())
    source = XlsxSource(workbook)
    table = source.read_scenarios(None)
    run_id = create_enrichment_run(journal, source, table, "all", kind=RunKind.BATCH, model=MODEL)
    client = BatchAPIClient(fake.base_url, fake.api_key, retry=FAST_RETRY)
    options = BatchOptions(poll_interval=0.01, max_poll_interval=0.05)
    runner = BatchRun(journal, source, run_id, client, PriceTable.load(), options=options)
    try:
        outcome = runner.run(wait=True)
    finally:
        source.close()
    tasks = journal.tasks(run_id)
    check_outcome(tasks, batch_replies(fake), before, workbook)
    check_progress_warnings(tasks, workbook, {str(b["id"]) for b in fake.batches.values()})
    failed = [t for t in tasks if t.status is RowStatus.FAILED]
    assert outcome.summary.endswith(f"{len(failed)} failed")
    assert len(outcome.flagged) == sum(1 for t in tasks if t.flagged)


def test_demo_row_37_keeps_the_authors_numbers(fake: FakeOpenAI, journal: Journal, demo_copy: Path) -> None:
    fake.faults.imperfect_model(0.0, 0.0)
    source, run_id = plan(journal, demo_copy, rows="37")
    try:
        LiveRun(journal, source, run_id, make_client(fake).generate, workers=1).execute()
    finally:
        source.close()
    task = journal.get_task(run_id, 37)
    assert task.status is RowStatus.COMPLETED
    assert task.generated == {"Initial_Vitals": ["waveform"], "State2_Vitals": ["waveform"]}
    assert task.vitals_added == 2
    written = json.loads(str(read_rows(demo_copy)[37].vitals["Initial_Vitals"]))
    assert {k: written[k] for k in ("HR", "BP", "SpO2", "RR", "Temp", "EtCO2")} == {
        "HR": 112, "BP": "106/68", "SpO2": 98, "RR": 22, "Temp": 36.9, "EtCO2": 33,
    }  # fmt: skip
    assert written["waveform"] == "sinus_tachycardia_ecg"  # fits the author's heart rate of 112
    [request] = [r for r in fake.chat_requests(200) if r.row == 37]
    text = request.body["messages"][1]["content"]  # type: ignore[index]
    assert '- Initial_Vitals: generate waveform only; fixed facts for this state: {"HR": 112' in text
    # A Batch API line for the row asks the same: the same messages and the same per-field schema.
    line, _ = LineBuilder(run_id, MODEL).line(scenario_from_dict(dict(task.original)), task.plan)
    body = json.loads(line)["body"]
    assert body["messages"] == request.body["messages"]  # type: ignore[index]
    assert body["response_format"] == request.body["response_format"]  # type: ignore[index]
