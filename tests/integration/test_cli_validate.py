"""``simbatch validate`` end to end on real .xlsx workbooks: reports, JSON shape, auto-fix, exit codes,
and bad input that must give one sentence on stderr and never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from desktop import __version__
from desktop.cli import main

TAB = "Master Scenario Convert"
HEADERS = ["Case_ID", "Case_Title", "Diagnosis", "Initial_Vitals", "State1_Vitals"]
GOOD = {"HR": 88, "BP": "120/80", "SpO2": 98, "RR": 16, "Temp": 37.0, "EtCO2": 35, "waveform": "sinus_ecg"}
REPO = Path(__file__).resolve().parents[2]


def good_row(case_id: str, **initial_overrides: Any) -> list[Any]:
    """A data row whose vitals are complete and in range, with optional changes to Initial_Vitals."""
    initial = {**GOOD, **initial_overrides}
    return [case_id, f"Title of {case_id}", "Chest pain", json.dumps(initial), json.dumps(GOOD)]


def make_workbook(path: Path, rows: list[list[Any]], headers: list[str] | None = None) -> Path:
    """A workbook in the standard layout: a banner in row 1, headers in row 2, data from row 3."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = TAB
    ws.append(["Scenario vitals — banner row"])
    ws.append(headers or HEADERS)
    for row in rows:
        ws.append(row)
    other = wb.create_sheet("Notes")
    other.append(["keep me", 42])
    wb.save(path)
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``simbatch`` in-process and return (exit code, stdout, stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_process(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m desktop`` as a separate process, as a user would."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=REPO,
        check=False,
    )


def assert_one_sentence(err: str) -> None:
    """The error output is exactly one line, plain words, no traceback."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("simbatch: error: ")
    assert lines[0].rstrip().endswith(".")


def all_cells(path: Path) -> dict[tuple[str, int, int], Any]:
    """Every non-empty cell of every sheet (formulas as written), keyed by (sheet, row, column)."""
    wb = openpyxl.load_workbook(path)
    cells = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    cells[(ws.title, cell.row, cell.column)] = cell.value
    return cells


# ----------------------------------------------------------------------------- framework


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0
    assert out.strip() == f"simbatch {__version__}"


def test_version_and_help_in_a_process() -> None:
    result = run_process("--version")
    assert result.returncode == 0
    assert result.stdout.strip().startswith("simbatch ")
    helped = run_process("validate", "--help")
    assert helped.returncode == 0
    for option in ("--source", "--rows", "--tab", "--auto-fix", "--verbose", "--json"):
        assert option in helped.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["validate", "--source", "x.xlsx"],
        ["validate", "--rows", "3"],
        ["validate", "--source", "x.xlsx", "--rows", "3", "--bogus"],
        ["frobnicate"],
        ["defaults", "--source", "x.xlsx"],
    ],
)
def test_argument_mistakes_are_usage_errors(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, out, err = run_cli(capsys, *args)
    assert code == 2
    assert out == ""
    assert_one_sentence(err)


def test_no_command_opens_the_desktop_app(monkeypatch: pytest.MonkeyPatch) -> None:
    app = pytest.importorskip("desktop.gui.app")
    opened: list[str | None] = []

    def fake_run_app(source: str | None = None) -> int:
        opened.append(source)
        return 0

    monkeypatch.setattr(app, "run_app", fake_run_app)
    assert main([]) == 0
    assert main(["--source", "gsheet:abcdefghijkl"]) == 0
    assert opened == [None, "gsheet:abcdefghijkl"]


# ----------------------------------------------------------------------------- clean and bad rows


def test_clean_rows_exit_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = make_workbook(tmp_path / "ok.xlsx", [good_row("OK-1"), good_row("OK-2")])
    code, out, err = run_cli(capsys, "validate", "--source", str(book), "--rows", "all", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert [r["case_id"] for r in document["rows"]] == ["OK-1", "OK-2"]
    assert [r["score"] for r in document["rows"]] == [130, 130]
    assert document["summary"] == {"rows": 2, "critical": 0, "warnings": 0, "average_score": 130}


def test_human_report_and_verbose(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = make_workbook(tmp_path / "b.xlsx", [good_row("OK-1"), good_row("HOT-1", HR=400)])
    code, out, _ = run_cli(capsys, "validate", "--source", str(book), "--rows", "3-4")
    assert code == 1
    assert "OK-1" in out and "HOT-1" in out
    assert "Initial_Vitals.HR" not in out  # details only with --verbose
    assert "--verbose" in out
    code, out, _ = run_cli(capsys, "validate", "--source", str(book), "--rows", "3-4", "--verbose")
    assert code == 1
    assert "critical" in out and "Initial_Vitals.HR" in out


def test_json_document_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = make_workbook(tmp_path / "b.xlsx", [good_row("A-1", HR=400), good_row("A-2", waveform="NSR")])
    code, out, _ = run_cli(capsys, "validate", "--source", str(book), "--rows", "3,4", "--json")
    assert code == 1
    document = json.loads(out)  # exactly one JSON document on stdout
    assert set(document) >= {"rows", "summary"}
    assert set(document["summary"]) == {"rows", "critical", "warnings", "average_score"}
    for row in document["rows"]:
        assert set(row) == {"row", "case_id", "score", "issues", "fixes"}
        assert isinstance(row["row"], int) and isinstance(row["score"], int)
        for issue in row["issues"]:
            assert set(issue) == {"severity", "code", "field", "message"}
            assert issue["severity"] in {"critical", "warning", "info"}
        assert row["fixes"] == []  # no --auto-fix
    first, second = document["rows"]
    assert (first["row"], first["case_id"], second["row"]) == (3, "A-1", 4)
    assert {"severity": "critical", "code": "out_of_range", "field": "Initial_Vitals.HR"} in [
        {k: i[k] for k in ("severity", "code", "field")} for i in first["issues"]
    ]
    assert "noncanonical_waveform" in {i["code"] for i in second["issues"]}
    assert document["summary"]["rows"] == 2
    assert document["summary"]["critical"] >= 1


def test_broken_json_long_text_formulas_unicode_duplicates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        ["BAD-1", "Broken", "x", '{"HR": 88, "BP": "120/80",', json.dumps(GOOD)],
        ["LONG-1", "x" * 50_000, "y" * 50_000, "z" * 50_000, json.dumps(GOOD)],
        ["FORM-1", '=CONCAT("a","b")', "=1+1", json.dumps(GOOD), "=A3"],
        good_row("Ünïcødé-✓-心"),
        good_row("DUP-1"),
        good_row("DUP-1"),
    ]
    book = make_workbook(tmp_path / "weird.xlsx", rows)
    code, out, err = run_cli(capsys, "validate", "--source", str(book), "--rows", "all", "--json")
    assert "Traceback" not in err
    assert code == 1
    by_row = {r["row"]: r for r in json.loads(out)["rows"]}
    assert set(by_row) == {3, 4, 5, 6, 7, 8}
    assert "invalid_json" in {i["code"] for i in by_row[3]["issues"]}
    assert "invalid_json" in {i["code"] for i in by_row[4]["issues"]}
    assert by_row[6]["case_id"] == "Ünïcødé-✓-心"
    assert by_row[6]["score"] == 130
    assert "duplicate_case_id" in {i["code"] for r in (by_row[7], by_row[8]) for i in r["issues"]}
    # The human report copes with the same rows.
    code, out, err = run_cli(capsys, "validate", "--source", str(book), "--rows", "all", "--verbose")
    assert code == 1 and "Traceback" not in err
    assert "Ünïcødé-✓-心" in out


def test_rows_past_the_end_are_noted_not_fatal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = make_workbook(tmp_path / "b.xlsx", [good_row("A-1"), good_row("A-2")])
    code, out, err = run_cli(capsys, "validate", "--source", str(book), "--rows", "3,90-95", "--json")
    assert code == 0
    assert err.strip() == "Rows 90-95 are past the last data row (4) and were skipped."
    document = json.loads(out)
    assert [r["row"] for r in document["rows"]] == [3]
    assert document["skipped_rows"] == [90, 91, 92, 93, 94, 95]


@pytest.mark.parametrize("spec", ["", "abc", "20-10", "1-2", "0", "3-", "-4", "3,,x"])
def test_garbage_row_specs(tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str) -> None:
    book = make_workbook(tmp_path / "b.xlsx", [good_row("A-1")])
    before = book.read_bytes()
    code, out, err = run_cli(capsys, "validate", "--source", str(book), "--rows", spec)
    assert code == 2
    assert out == ""
    assert_one_sentence(err)
    assert book.read_bytes() == before


def test_missing_case_id_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    headers = ["Case Number", "Case_Title", "Diagnosis", "Initial_Vitals", "State1_Vitals"]
    book = make_workbook(tmp_path / "b.xlsx", [good_row("A-1")], headers=headers)
    code, _, err = run_cli(capsys, "validate", "--source", str(book), "--rows", "all")
    assert code == 2
    assert_one_sentence(err)
    assert "Case_ID" in err and "Case Number" in err


def test_missing_tab(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = make_workbook(tmp_path / "b.xlsx", [good_row("A-1")])
    code, _, err = run_cli(capsys, "validate", "--source", str(book), "--rows", "all", "--tab", "Nope")
    assert code == 2
    assert_one_sentence(err)


def test_missing_file_and_wrong_kinds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "notes.xlsx"
    fake.write_text("just some text, not a workbook\n", encoding="utf-8")
    csv = tmp_path / "cases.csv"
    csv.write_text("Case_ID\nA-1\n", encoding="utf-8")
    for source in (str(tmp_path / "missing.xlsx"), str(fake), str(csv), str(tmp_path)):
        code, out, err = run_cli(capsys, "validate", "--source", source, "--rows", "all")
        assert code == 2, source
        assert out == ""
        assert_one_sentence(err)


def test_errors_in_a_process_have_no_traceback(tmp_path: Path) -> None:
    fake = tmp_path / "renamed.xlsx"
    fake.write_text("plain text renamed to .xlsx", encoding="utf-8")
    result = run_process("validate", "--source", str(fake), "--rows", "3-5")
    assert result.returncode == 2
    assert result.stdout == ""
    assert_one_sentence(result.stderr)
    result = run_process("validate", "--source", str(tmp_path / "none.xlsx"), "--rows", "abc", "--json")
    assert result.returncode == 2
    assert_one_sentence(result.stderr)


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    fake = tmp_path / "renamed.xlsx"
    fake.write_text("plain text renamed to .xlsx", encoding="utf-8")
    result = run_process("--debug", "validate", "--source", str(fake), "--rows", "3")
    assert result.returncode == 2
    assert "Traceback" in result.stderr


# ----------------------------------------------------------------------------- auto-fix


def test_auto_fix_changes_only_fixable_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        good_row("FIX-1", waveform="NSR"),
        good_row("FIX-2", HR="88 bpm", SpO2="98%"),
        good_row("KEEP-1"),
        good_row("HOT-1", HR=400),
    ]
    book = make_workbook(tmp_path / "b.xlsx", rows)
    before = all_cells(book)
    code, out, _ = run_cli(capsys, "validate", "--source", str(book), "--rows", "all", "--auto-fix", "--json")
    document = json.loads(out)
    by_case = {r["case_id"]: r for r in document["rows"]}
    assert {"field": "Initial_Vitals.waveform", "old": "NSR", "new": "sinus_ecg"} in by_case["FIX-1"]["fixes"]
    assert {f["field"] for f in by_case["FIX-2"]["fixes"]} == {"Initial_Vitals.HR", "Initial_Vitals.SpO2"}
    assert by_case["KEEP-1"]["fixes"] == [] and by_case["HOT-1"]["fixes"] == []
    # The report is on the fixed rows: what was fixed is no longer an issue; the guess-free one remains.
    assert by_case["FIX-1"]["issues"] == [] and by_case["FIX-1"]["score"] == 130
    assert by_case["FIX-2"]["issues"] == []
    assert "out_of_range" in {i["code"] for i in by_case["HOT-1"]["issues"]}
    assert code == 1
    assert {(c["row"], c["column"]) for c in document["changes"]} == {
        (3, "Initial_Vitals"),
        (4, "Initial_Vitals"),
    }

    after = all_cells(book)
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    initial_column = HEADERS.index("Initial_Vitals") + 1
    assert changed == {(TAB, 3, initial_column), (TAB, 4, initial_column)}
    assert json.loads(after[(TAB, 3, initial_column)])["waveform"] == "sinus_ecg"
    assert json.loads(after[(TAB, 4, initial_column)])["HR"] == 88

    # Validating again without --auto-fix sees the fixes in the file.
    code, out, _ = run_cli(capsys, "validate", "--source", str(book), "--rows", "3-4", "--json")
    assert code == 0
    assert all(r["issues"] == [] for r in json.loads(out)["rows"])


# ----------------------------------------------------------------------------- the demo workbook

#: Planted problems from resources/demo/PLANTED.md: row -> issue codes that must be reported.
#: (Rows 8, 13, 25 and 26 hold formats only auto-fix handles; see FIXABLE.)
PLANTED = {
    6: {"noncanonical_waveform"},
    12: {"placeholder_value"},
    14: {"missing_field"},
    18: {"out_of_range"},
    19: {"out_of_range"},
    24: {"inconsistent_state"},
    30: {"invalid_json"},
    31: {"noncanonical_waveform"},
    32: {"missing_field"},
    37: {"invalid_waveform"},
    43: {"out_of_range"},
    44: {"noncanonical_waveform"},
    48: {"inconsistent_state"},
    49: {"invalid_waveform", "noncanonical_waveform"},
    50: {"invalid_json"},
}
#: Rows whose planted problems auto-fix repairs completely (aliases, BP formats, units, °F).
FIXABLE = {
    6: "waveform",
    8: "BP",
    13: "HR",
    18: "Temp",
    25: "BP",
    26: "BP",
    31: "waveform",
    36: "Temp",
    44: "waveform",
}
CLEAN = [3, 4, 5, 9, 10, 11, 15, 16, 17, 21, 22, 23, 27, 28, 29, 33, 34, 35, 39, 40, 41, 45, 46, 47]


def demo_report(capsys: pytest.CaptureFixture[str], book: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run_cli(capsys, "validate", "--source", str(book), "--rows", "all", "--json", *extra)
    assert "Traceback" not in err
    return code, json.loads(out)


def test_demo_planted_problems_are_found(demo_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = demo_copy.read_bytes()
    code, document = demo_report(capsys, demo_copy)
    assert code == 1
    assert demo_copy.read_bytes() == before  # validation alone never writes
    by_row = {r["row"]: r for r in document["rows"]}
    assert sorted(by_row) == list(range(3, 51))
    for row, codes in PLANTED.items():
        found = {i["code"] for i in by_row[row]["issues"]}
        assert codes <= found, (row, found)
    critical = {row for row, r in by_row.items() if any(i["severity"] == "critical" for i in r["issues"])}
    assert {14, 18, 19, 30, 32, 36, 37, 43, 49, 50} <= critical
    assert not critical & set(CLEAN)
    assert document["summary"]["rows"] == 48
    assert document["summary"]["critical"] == sum(
        1 for r in document["rows"] for i in r["issues"] if i["severity"] == "critical"
    )


def test_demo_auto_fix_fixes_only_what_is_fixable(
    demo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = all_cells(demo_copy)
    code, document = demo_report(capsys, demo_copy, "--auto-fix")
    assert code == 1  # out-of-range values and broken JSON are not guessed
    by_row = {r["row"]: r for r in document["rows"]}
    for row, name in FIXABLE.items():
        fixes = by_row[row]["fixes"]
        assert fixes, row
        assert any(f["field"].endswith("." + name) for f in fixes), (row, fixes)
        remaining = {(i["code"], i["field"]) for i in by_row[row]["issues"] if i["severity"] != "info"}
        assert not {c for c, _ in remaining} & {"noncanonical_waveform", "placeholder_value", "out_of_range"}
    for row in (19, 37, 43):  # nothing to guess: reported, not changed
        assert by_row[row]["fixes"] == []
    assert "out_of_range" in {i["code"] for i in by_row[19]["issues"]}
    # Broken JSON syntax is repaired without changing a value (missing brace; unquoted keys and values).
    for row, column in ((30, "Initial_Vitals"), (50, "State1_Vitals")):
        repair = by_row[row]["fixes"][0]
        written = {value for (_, r, _), value in before.items() if r == row}
        assert repair["field"] == column and repair["old"] in written
        assert "invalid_json" not in {i["code"] for i in by_row[row]["issues"]}
    assert json.loads(by_row[30]["fixes"][0]["new"]) == {
        "HR": 150, "BP": "95/60", "SpO2": 93, "RR": 40, "Temp": 38.1, "waveform": "sinus_tachycardia_ecg"
    }  # fmt: skip
    assert json.loads(by_row[50]["fixes"][0]["new"]) == {
        "HR": 126, "BP": "118/72", "SpO2": 97, "RR": 34, "Temp": 38.2, "EtCO2": 20,
        "waveform": "sinus_tachycardia_ecg",
    }  # fmt: skip

    # Cell by cell, on every sheet: only vitals cells of rows with fixes changed, as the output says.
    after = all_cells(demo_copy)
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    assert {sheet for sheet, _, _ in changed} == {TAB}
    reported = {(c["row"], c["column"]) for c in document["changes"]}
    assert len(changed) == len(reported) == len(document["changes"])
    assert (
        {row for _, row, _ in changed}
        == {r for r, _ in reported}
        == {row for row, r in by_row.items() if r["fixes"]}
    )
    headers = {col: before[(TAB, 2, col)] for (sheet, r, col) in before if sheet == TAB and r == 2}
    assert all(headers[col].endswith("_Vitals") for _, _, col in changed)
    for change in document["changes"]:
        col = next(c for c, h in headers.items() if h == change["column"])
        assert before.get((TAB, change["row"], col)) == change["old"]
        assert after[(TAB, change["row"], col)] == change["new"]

    # A second auto-fix finds nothing more to do and leaves the file alone.
    settled = demo_copy.read_bytes()
    _, again = demo_report(capsys, demo_copy, "--auto-fix")
    assert again["changes"] == [] and all(r["fixes"] == [] for r in again["rows"])
    assert demo_copy.read_bytes() == settled


def test_demo_json_in_a_process(demo_copy: Path) -> None:
    result = run_process("validate", "--source", str(demo_copy), "--rows", "3-5,30", "--json")
    assert result.returncode == 1
    assert result.stderr == ""
    document = json.loads(result.stdout)
    assert [r["row"] for r in document["rows"]] == [3, 4, 5, 30]
    assert document["rows"][0]["case_id"] == "CARD-001"
    clean = run_process("validate", "--source", str(demo_copy), "--rows", "3,4")
    assert clean.returncode == 0
    assert "CARD-001" in clean.stdout


def test_auto_fix_writes_once(
    demo_copy: Path, capsys: pytest.CaptureFixture[str], write_batches: list[int]
) -> None:
    batches = write_batches
    _, document = demo_report(capsys, demo_copy, "--auto-fix")
    assert batches == [len(document["changes"])]
    assert len(document["changes"]) > 5


@pytest.mark.parametrize(
    ("raised", "code", "words"),
    [
        (KeyboardInterrupt(), 130, "interrupted"),
        (RuntimeError("disk on fire\nsecond line"), 1, "Unexpected error: RuntimeError: disk on fire;"),
    ],
)
def test_interrupts_and_unexpected_errors(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    raised: BaseException,
    code: int,
    words: str,
    simbatch_home: Path,
) -> None:
    app = pytest.importorskip("desktop.gui.app")

    def failing_run_app(source: str | None = None) -> int:
        raise raised

    monkeypatch.setattr(app, "run_app", failing_run_app)
    result, out, err = run_cli(capsys, "--source", "x.xlsx")
    assert result == code
    assert out == ""
    assert words in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    if code == 1:
        assert "run again with --debug for details." in err
        (report,) = (simbatch_home / "logs").glob("crash-*.txt")
        text = report.read_text()
        assert str(report) in err and "disk on fire" in text and "Traceback" in text
        result, _, err = run_cli(capsys, "--debug", "--source", "x.xlsx")
        assert result == 1 and "Traceback" in err
