"""Conflict-checked write-back, revert, and journaled auto-fix/defaults changes (xlsx source)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.domain.models import CellChange
from desktop.errors import ServiceError
from desktop.jobs.writeback import WriteBack, revert_run, same_cell_value, write_journaled_changes
from desktop.journal import Journal, RunKind
from desktop.services.source import CellRef
from desktop.services.workbook import XlsxSource
from tests.integration.live_helpers import changed_cells, plan, snapshot

VITALS = {"HR": 90, "BP": "120/80", "SpO2": 97, "RR": 18, "waveform": "sinus_ecg"}


def test_same_cell_value() -> None:
    assert same_cell_value(None, "")
    assert same_cell_value(1, 1.0)
    assert same_cell_value(" a ", "a")
    assert not same_cell_value("a", "b")
    assert not same_cell_value(None, "x")


def complete(journal: Journal, run_id: str, row: int, columns: list[str]) -> None:
    journal.mark_processing(run_id, row)
    journal.mark_completed(
        run_id, row, result={c: VITALS for c in columns}, input_tokens=1, cached_tokens=0,
        output_tokens=1, cost_usd=0.0, vitals_added=5, warnings=[],
    )


def test_flush_writes_once_skips_changed_cells_and_records_history(demo_copy: Path) -> None:
    with Journal.open() as journal:
        source, run_id = plan(journal, demo_copy, rows="7")
        columns = journal.get_task(run_id, 7).columns_requested
        assert columns == ["State1_Vitals", "State2_Vitals", "State3_Vitals"]
        complete(journal, run_id, 7, columns)
        XlsxSource(demo_copy).write_cells({CellRef(7, "State2_Vitals"): "someone's edit"})
        outcome = WriteBack(journal, source, run_id).flush()
        assert outcome.rows == [7] and outcome.cells == 2
        assert outcome.conflicts == {7: ["State2_Vitals"]}
        cells = XlsxSource(demo_copy).read_cells([CellRef(7, c) for c in columns])
        assert cells[CellRef(7, "State2_Vitals")] == "someone's edit"
        assert json.loads(str(cells[CellRef(7, "State1_Vitals")])) == VITALS
        history = journal.writeback_history(run_id)
        assert [(e.column, e.conflict) for e in history] == [
            ("State1_Vitals", False), ("State2_Vitals", True), ("State3_Vitals", False)
        ]
        assert history[0].value_before is None
        assert WriteBack(journal, source, run_id).flush().rows == []  # nothing left to write
        assert journal.get_task(run_id, 7).written


def test_flush_after_a_crash_between_write_and_mark_does_not_duplicate_history(demo_copy: Path) -> None:
    with Journal.open() as journal:
        source, run_id = plan(journal, demo_copy, rows="7")
        complete(journal, run_id, 7, ["State1_Vitals"])
        WriteBack(journal, source, run_id).flush()
        with journal._store.write() as conn:  # simulate: cells written, written_at never stamped
            conn.execute("UPDATE row_tasks SET written_at = NULL")
        outcome = WriteBack(journal, source, run_id).flush()
        assert outcome.cells == 0 and not outcome.conflicts
        assert len(journal.writeback_history(run_id)) == 1


def test_flush_and_report_says_conflicts_and_keeps_a_failed_write_for_later(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Journal.open() as journal:
        source, run_id = plan(journal, demo_copy, rows="7")
        complete(journal, run_id, 7, ["State1_Vitals", "State2_Vitals"])
        writeback = WriteBack(journal, source, run_id)
        said: list[tuple[str, str]] = []

        def refuse(writes: object) -> None:
            raise ServiceError("The workbook is open in another program.")

        with monkeypatch.context() as patch:
            patch.setattr(source, "write_cells", refuse)
            assert writeback.flush_and_report(lambda text, level: said.append((text, level))) is None
        assert isinstance(writeback.last_error, ServiceError)
        assert said == [(
            "Results are safe in the journal but could not be written yet: "
            "The workbook is open in another program.", "warning",
        )]
        assert [t.row for t in journal.unwritten_results(run_id)] == [7]

        XlsxSource(demo_copy).write_cells({CellRef(7, "State2_Vitals"): "someone's edit"})
        said.clear()
        outcome = writeback.flush_and_report(lambda text, level: said.append((text, level)))
        assert outcome is not None and outcome.conflicts == {7: ["State2_Vitals"]}
        assert writeback.last_error is None
        assert said == [(
            "Row 7: State2_Vitals changed since it was read, so it was not overwritten (conflict).",
            "warning",
        )]


def test_journaled_changes_revert(demo_copy: Path) -> None:
    before = snapshot(demo_copy)
    with Journal.open() as journal:
        source = XlsxSource(demo_copy)
        old = source.read_cells([CellRef(6, "State2_Vitals")])[CellRef(6, "State2_Vitals")]
        changes = [CellChange(6, "State2_Vitals", old, '{"HR": 70}')]
        run_id = write_journaled_changes(
            journal, source, changes, kind=RunKind.AUTOFIX, row_spec="6", case_ids={6: "CARD-004"}
        )
        assert run_id and journal.get_run(run_id).kind == "autofix"  # type: ignore[union-attr]
        assert changed_cells(before, snapshot(demo_copy))
        outcome = revert_run(journal, source, run_id)
        assert outcome.reverted == [CellRef(6, "State2_Vitals")]
        assert write_journaled_changes(journal, source, [], kind=RunKind.DEFAULTS, row_spec="6",
                                       case_ids={}) is None
    assert not changed_cells(before, snapshot(demo_copy))


@pytest.mark.parametrize("command", [["validate", "--auto-fix"], ["defaults"]])
def test_cli_autofix_and_defaults_are_revertible(
    command: list[str], demo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(demo_copy)
    main([*command, "--source", str(demo_copy), "--rows", "all", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["changes"] and doc["run_id"]
    assert changed_cells(before, snapshot(demo_copy))
    assert main(["revert", doc["run_id"], "--json"]) == 0
    reverted = json.loads(capsys.readouterr().out)
    assert len(reverted["reverted"]) == len({(c["row"], c["column"]) for c in doc["changes"]})
    assert not changed_cells(before, snapshot(demo_copy))
