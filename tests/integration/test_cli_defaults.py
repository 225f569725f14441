"""``simbatch defaults`` end to end: dry run writes nothing, only missing fields are filled, one
batch write, and validation afterwards finds fewer missing fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from desktop.cli import main

TAB = "Master Scenario Convert"
HEADERS = ["Case_ID", "Case_Title", "Initial_Vitals", "State1_Vitals"]
FULL = {"HR": 88, "BP": "120/80", "SpO2": 98, "RR": 16, "Temp": 37.0, "EtCO2": 35, "waveform": "sinus_ecg"}


def make_workbook(path: Path, rows: list[list[Any]]) -> Path:
    """A banner in row 1, headers in row 2, data rows from row 3, and a second tab."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = TAB
    ws.append(["banner"])
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    wb.create_sheet("Notes").append(["untouched", 1])
    wb.save(path)
    return path


def sheet_cells(path: Path) -> dict[tuple[str, int, int], Any]:
    """Every non-empty cell of every sheet, keyed by (sheet, row, column)."""
    wb = openpyxl.load_workbook(path)
    return {
        (ws.title, c.row, c.column): c.value
        for ws in wb.worksheets
        for r in ws.iter_rows()
        for c in r
        if c.value is not None
    }


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def missing_fields(capsys: pytest.CaptureFixture[str], book: Path, rows: str = "all") -> int:
    """How many missing_field issues ``validate`` reports."""
    _, out, _ = run_cli(capsys, "validate", "--source", str(book), "--rows", rows, "--json")
    return sum(1 for r in json.loads(out)["rows"] for i in r["issues"] if i["code"] == "missing_field")


@pytest.fixture
def gappy(tmp_path: Path) -> Path:
    partial = {"HR": 130, "waveform": "sinus_tachycardia_ecg"}
    return make_workbook(
        tmp_path / "gappy.xlsx",
        [
            ["G-1", "Partial", json.dumps(partial), json.dumps(FULL)],
            ["G-2", "Complete", json.dumps(FULL), json.dumps(FULL)],
            ["G-3", "No HR", json.dumps({k: v for k, v in FULL.items() if k != "HR"}), json.dumps(FULL)],
        ],
    )


def test_dry_run_leaves_the_file_byte_identical(gappy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = gappy.read_bytes()
    code, out, err = run_cli(capsys, "defaults", "--source", str(gappy), "--rows", "all", "--dry-run")
    assert code == 0, err
    assert gappy.read_bytes() == before
    assert "would add" in out and "nothing was written" in out
    code, out, _ = run_cli(capsys, "defaults", "--source", str(gappy), "--rows", "all", "--dry-run", "--json")
    assert code == 0
    assert gappy.read_bytes() == before
    document = json.loads(out)
    assert document["dry_run"] is True
    assert document["summary"]["added"] > 0


def test_fills_only_missing_fields(gappy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = sheet_cells(gappy)
    missing_before = missing_fields(capsys, gappy)
    code, out, err = run_cli(capsys, "defaults", "--source", str(gappy), "--rows", "3-5", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert set(document) >= {"rows", "summary", "dry_run"}
    assert document["dry_run"] is False
    for row in document["rows"]:
        assert set(row) == {"row", "case_id", "added", "fields"}
        assert row["added"] == len(row["fields"])
    by_case = {r["case_id"]: r for r in document["rows"]}
    assert by_case["G-2"]["added"] == 0
    assert by_case["G-3"]["added"] == 1
    assert by_case["G-1"]["added"] == 5  # BP, SpO2, RR, Temp, EtCO2
    assert document["summary"] == {"rows": 3, "added": 6}

    after = sheet_cells(gappy)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert changed == {(TAB, 3, 3), (TAB, 5, 3)}  # Initial_Vitals of G-1 and G-3, nothing else
    g1 = json.loads(after[(TAB, 3, 3)])
    assert g1["HR"] == 130 and g1["waveform"] == "sinus_tachycardia_ecg"  # present values kept
    assert set(g1) >= {"BP", "SpO2", "RR", "Temp", "EtCO2"}
    g3 = json.loads(after[(TAB, 5, 3)])
    assert {k: v for k, v in g3.items() if k != "HR"} == {k: v for k, v in FULL.items() if k != "HR"}
    assert isinstance(g3["HR"], int | float)

    assert missing_fields(capsys, gappy) < missing_before
    # A second run has nothing left to add and writes nothing.
    settled = gappy.read_bytes()
    code, out, _ = run_cli(capsys, "defaults", "--source", str(gappy), "--rows", "all", "--json")
    assert code == 0 and json.loads(out)["summary"]["added"] == 0
    assert gappy.read_bytes() == settled


def test_human_output_names_each_added_field(gappy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "defaults", "--source", str(gappy), "--rows", "5")
    assert code == 0
    assert "Row 5 (G-3): added" in out and "HR" in out
    assert "Added 1 field in 1 row of 1." in out


def test_defaults_errors_are_one_sentence(gappy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--rows", "2"], ["--rows", "x"], ["--rows", "all", "--tab", "Missing tab"]):
        code, out, err = run_cli(capsys, "defaults", "--source", str(gappy), *args)
        assert code == 2
        assert out == "" and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1


def test_demo_defaults_dry_run_then_write(demo_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = demo_copy.read_bytes()
    code, _, _ = run_cli(capsys, "defaults", "--source", str(demo_copy), "--rows", "all", "--dry-run")
    assert code == 0
    assert demo_copy.read_bytes() == before
    missing_before = missing_fields(capsys, demo_copy)
    code, out, _ = run_cli(capsys, "defaults", "--source", str(demo_copy), "--rows", "all", "--json")
    assert code == 0
    assert json.loads(out)["summary"]["added"] > 0
    assert missing_fields(capsys, demo_copy) < missing_before


def test_all_changes_go_in_one_write(
    gappy: Path, capsys: pytest.CaptureFixture[str], write_batches: list[int]
) -> None:
    batches = write_batches
    code, _, _ = run_cli(capsys, "defaults", "--source", str(gappy), "--rows", "all", "--dry-run")
    assert code == 0 and batches == []
    code, _, _ = run_cli(capsys, "defaults", "--source", str(gappy), "--rows", "all")
    assert code == 0 and batches == [2]
    code, _, _ = run_cli(capsys, "validate", "--source", str(gappy), "--rows", "all", "--auto-fix")
    assert batches == [2]  # nothing to fix: no write at all
