"""The run report's data, built from the journal alone (no Qt)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desktop.domain.pricing import PriceTable
from desktop.journal import Journal, RowStatus, RunKind, WriteRecord
from desktop.report.build import build_report
from desktop.report.data import CONFLICT, FAILED, FLAGGED
from desktop.report.wording import headline
from tests.report_runs import finished_run
from tests.unit.journal_helpers import new_run


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal.open(tmp_path / "journal.sqlite3")


def test_summary_counts_and_costs_come_from_the_journal(journal: Journal) -> None:
    run_id = finished_run(journal, 80, flagged=0.3, failed=0.05, conflicts=0.05)
    prices = PriceTable.load()
    report = build_report(journal, run_id, prices)
    s, totals = report.summary, journal.run_totals(run_id)
    assert (s.rows, s.completed, s.failed) == (80, totals.completed, totals.failed)
    assert s.failed > 0 and s.flagged > 0 and s.conflicts > 0
    assert s.cost_usd == pytest.approx(totals.cost_usd)
    assert s.cached_tokens == totals.cached_tokens and 0 < s.cached_share < 1
    # a live run is compared with what the Batch API would have charged for the same tokens
    assert s.other_mode_usd == pytest.approx(
        prices.cost("gpt-4o-mini", totals.input_tokens, 0, totals.output_tokens, batch=True)
    )
    assert s.endpoint_host == "127.0.0.1:8765" and s.model == "gpt-4o-mini"
    assert s.duration_sec == pytest.approx(80 * 0.4 + 5)
    assert len(report.timeline) == s.completed + s.failed
    assert [p[1] for p in report.timeline] == list(range(1, len(report.timeline) + 1))
    assert report.timeline[-1][2] == pytest.approx(totals.cost_usd)
    assert len(report.scores_before) == len(report.scores_after) == 80


def test_flagged_rows_are_completed_rows_with_vitals_warnings(journal: Journal) -> None:
    run_id = finished_run(journal, 60, flagged=0.5)
    report = build_report(journal, run_id)
    by_row = {e.row: e for e in report.rows}
    for task in journal.tasks(run_id):
        entry = by_row[task.row]
        vitals_warnings = [w for w in task.warnings if w.split(".", 1)[0] in (task.result or {})]
        assert (FLAGGED in entry.attention) == (task.status is RowStatus.COMPLETED and bool(vitals_warnings))
        assert [w.text for w in entry.warnings] == vitals_warnings
    # "nothing to generate" is a note, not something to check
    quiet = [t for t in journal.tasks(run_id) if t.warnings and not t.result]
    assert quiet and all(not by_row[t.row].attention for t in quiet)


def test_rows_to_check_come_first_failed_then_conflicts_then_flagged(journal: Journal) -> None:
    run_id = finished_run(journal, 120, flagged=0.3, failed=0.05, conflicts=0.2)
    attention = build_report(journal, run_id).attention
    order = {FAILED: 0, CONFLICT: 1, FLAGGED: 2}
    ranks = [min(order[a] for a in e.attention) for e in attention]
    assert ranks == sorted(ranks) and set(ranks) == {0, 1, 2}
    failed = [e for e in attention if FAILED in e.attention]
    assert all(e.error and "rejected" in e.error for e in failed)


def test_changed_rows_show_each_field_before_and_after_with_generated_marked(journal: Journal) -> None:
    run_id = finished_run(journal, 40)
    report = build_report(journal, run_id)
    tasks = {t.row: t for t in journal.tasks(run_id)}
    assert report.changed and report.summary.changed_rows == len(report.changed)
    for entry in report.changed:
        task = tasks[entry.row]
        assert [s.column for s in entry.states] == list(task.result or {})
        for state in entry.states:
            assert state.after == task.result[state.column]  # type: ignore[index]
            for f in state.fields:
                assert f.after == state.after.get(f.field)
                assert f.generated == (f.before != f.after and f.after is not None)
    whole = [s for e in report.changed for s in e.states if s.was_empty]
    assert whole and all(all(f.before is None and f.generated for f in s.fields) for s in whole)
    assert report.summary.fields_generated == sum(s.generated_count for e in report.changed for s in e.states)


def test_warnings_sit_beside_their_field_and_are_counted_by_kind(journal: Journal) -> None:
    run_id = finished_run(journal, 80, flagged=0.6)
    report = build_report(journal, run_id)
    placed = 0
    for entry in report.rows:
        for w in entry.warnings:
            state = next(s for s in entry.states if s.column == w.column)
            field = next((f for f in state.fields if f.field == w.field), None)
            if field is not None:
                assert w.message in field.warnings
                placed += 1
    assert placed > 0
    kinds = dict(report.warnings_by_kind)
    assert sum(kinds.values()) == sum(len(e.warnings) for e in report.rows)
    assert any("outside typical range" in k for k in kinds)
    counts = [n for _, n in report.warnings_by_kind]
    assert counts == sorted(counts, reverse=True)


def test_scores_rise_where_vitals_were_generated(journal: Journal) -> None:
    run_id = finished_run(journal, 60, flagged=0.0, failed=0.0)
    report = build_report(journal, run_id)
    improved = [e for e in report.changed if e.score_after is not None and e.score_before is not None]
    assert improved and all(e.score_after >= e.score_before for e in improved)  # type: ignore[operator]
    assert sum(report.scores_after) > sum(report.scores_before)


def test_batch_run_is_compared_with_a_live_run(journal: Journal) -> None:
    run_id = finished_run(journal, 30, kind=RunKind.BATCH)
    prices = PriceTable.load()
    s = build_report(journal, run_id, prices).summary
    t = journal.run_totals(run_id)
    assert s.is_batch and s.endpoint_host == "api.openai.com"
    assert s.other_mode_usd == pytest.approx(
        prices.cost("gpt-4o-mini", t.input_tokens, t.cached_tokens, t.output_tokens)
    )
    assert "a live run would have cost about" in headline(s)


def test_autofix_run_reports_its_write_back(journal: Journal) -> None:
    run_id = new_run(journal, [7], kind=RunKind.AUTOFIX.value, model=None)
    journal.record_writeback(
        run_id,
        [
            WriteRecord(
                7,
                "Initial_Vitals",
                '{"HR": "88 bpm", "waveform": "NSR"}',
                '{"HR": 88, "waveform": "sinus_ecg"}',
            )
        ],
    )
    journal.mark_status(run_id, [7], RowStatus.COMPLETED)
    report = build_report(journal, run_id, PriceTable.load())
    (entry,) = report.changed
    fields = {f.field: f for f in entry.states[0].fields}
    assert (fields["HR"].before, fields["HR"].after) == ("88 bpm", 88)
    assert (fields["waveform"].before, fields["waveform"].after) == ("NSR", "sinus_ecg")
    assert not any(f.generated for f in fields.values())  # fixed, not generated by a model
    assert report.summary.other_mode_usd is None and report.summary.endpoint_host is None


def test_unknown_run_is_a_key_error(journal: Journal) -> None:
    with pytest.raises(KeyError):
        build_report(journal, "r-nope")


def test_report_data_needs_no_qt() -> None:
    code = (
        "import sys, desktop.report.data, desktop.report.html, desktop.report.wording;"
        "print([m for m in sys.modules if m.startswith('PySide6')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_journaled_issue_objects_and_generated_fields_are_used_when_present() -> None:
    from types import SimpleNamespace

    from desktop.report.changes import journal_generated, state_changes, warnings_of

    # what the journal keeps for a flagged row once warnings are stored as issue objects
    task = SimpleNamespace(
        warnings=["Initial_Vitals.HR: text kept for the progress sheet"],
        columns_requested=["Initial_Vitals"],
        flags=[{"severity": "warning", "code": "inconsistent_state", "field": "Initial_Vitals.HR",
                "message": "Normal sinus rhythm usually has a heart rate of 60–100 bpm, but it is 106 bpm."}],
        generated={"Initial_Vitals": ["HR"]},
    )  # fmt: skip
    states = state_changes(
        {"Initial_Vitals": '{"HR": 90, "BP": "120/80"}'},
        {"Initial_Vitals": {"HR": 106, "BP": "118/76"}},
        enrichment=True,
        generated=journal_generated(task),  # type: ignore[arg-type]
    )
    marks = {f.field: f.generated for f in states[0].fields}
    assert marks == {"HR": True, "BP": False}  # BP changed but was not generated (the author's fix)
    (warning,) = warnings_of(task, states, [])  # type: ignore[arg-type]
    assert (warning.column, warning.field) == ("Initial_Vitals", "HR")
    assert warning.kind == "Heart rate: inconsistent with rhythm or earlier state"
    assert warning.message.endswith("106 bpm.")
    older = SimpleNamespace(
        warnings=task.warnings, columns_requested=["Initial_Vitals"], flags=[], generated={}
    )
    assert journal_generated(older) is None  # type: ignore[arg-type]
    assert [w.message for w in warnings_of(older, states, [])] == ["text kept for the progress sheet"]  # type: ignore[arg-type]


def test_a_row_with_two_reasons_is_one_row_to_check(journal: Journal) -> None:
    run_id = finished_run(journal, 120, flagged=1.0, failed=0.0, conflicts=0.3)
    report = build_report(journal, run_id)
    both = [e for e in report.attention if CONFLICT in e.attention and FLAGGED in e.attention]
    assert both
    s = report.summary
    assert s.needs_look == len(report.attention) < s.flagged + s.conflicts
    assert f"{s.needs_look} rows need a look" in headline(s)
