"""The .xlsx workbook source: preservation, atomic saves, file errors, formulas, speed, the demo."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName

from desktop.errors import InputError
from desktop.services import workbook_file
from desktop.services.source import PROGRESS_COLUMNS, PROGRESS_TAB, CellRef
from desktop.services.workbook import XlsxSource
from tests.concurrency import run_in_threads
from tests.conftest import DEMO_WORKBOOK, REPO_ROOT

TAB = "Master Scenario Convert"
VITALS = json.dumps({"HR": 80, "BP": "120/80", "SpO2": 98, "RR": 16, "waveform": "sinus_ecg"})


def snapshot(path: Path) -> dict[str, object]:
    """Every cell (value or formula) and its visible style, plus widths, merges and defined names."""
    wb = load_workbook(path)
    result: dict[str, object] = {"names": sorted((n, d.attr_text) for n, d in wb.defined_names.items())}
    for ws in wb.worksheets:
        result[ws.title] = {
            "cells": {
                c.coordinate: (c.value, c.font.b, c.fill.fgColor.rgb, c.number_format)
                for row in ws.iter_rows()
                for c in row
                if c.value is not None or c.has_style
            },
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "freeze": ws.freeze_panes,
        }
    wb.close()
    return result


@pytest.fixture
def rich_workbook(tmp_path: Path) -> Path:
    """A workbook with a banner, styles, formulas, widths, a date, another tab and a defined name."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = TAB
    ws["A1"] = "Banner"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:D1")
    for col, name in enumerate(["Case_ID", "Title", "Initial_Vitals", "State1_Vitals", "Weight"], start=1):
        ws.cell(row=2, column=col, value=name).font = Font(bold=True)
    ws.append(["C-1", "First", VITALS, None, 70])
    ws.append(["C-2", "Second", None, None, 82.5])
    ws["E5"] = "=SUM(E3:E4)"
    ws["E3"].fill = PatternFill("solid", fgColor="FFFF00")
    ws["F3"] = openpyxl.utils.datetime.from_excel(45000)
    ws["F3"].number_format = "yyyy-mm-dd"
    ws.column_dimensions["C"].width = 55
    ws.freeze_panes = "A3"
    other = wb.create_sheet("Lookup")
    other["A1"] = "count"
    other["B1"] = f"=COUNTA('{TAB}'!A3:A100)"
    wb.defined_names["Cases"] = DefinedName("Cases", attr_text=f"'{TAB}'!$A$3:$A$100")
    path = tmp_path / "books" / "rich.xlsx"
    path.parent.mkdir()
    wb.save(path)
    return path


def test_write_preserves_everything_else(rich_workbook: Path) -> None:
    before = snapshot(rich_workbook)
    source = XlsxSource(rich_workbook)
    source.write_cells({CellRef(3, "State1_Vitals"): VITALS, CellRef(4, "Initial_Vitals"): VITALS})
    source.write_progress([["b1", 3, "C-1", "COMPLETED"]])
    after = snapshot(rich_workbook)
    changed = after[TAB]["cells"]  # type: ignore[index]
    assert changed.pop("D3")[0] == VITALS and changed.pop("C4")[0] == VITALS
    expected = before[TAB]["cells"]  # type: ignore[index]
    expected.pop("D3", None)
    expected.pop("C4", None)
    assert changed == expected
    for key in ("widths", "merged", "freeze"):
        assert after[TAB][key] == before[TAB][key]  # type: ignore[index]
    assert after["Lookup"] == before["Lookup"]
    assert after["names"] == before["names"]
    assert load_workbook(rich_workbook).sheetnames == [TAB, "Lookup", PROGRESS_TAB]


def test_saves_from_two_threads_of_one_app_lose_nothing(rich_workbook: Path) -> None:
    """Each save loads the whole file and writes it back: two source objects saving at once (a run's
    write-back and anything else in the app) must not drop each other's cells."""

    def writer(row: int, column: str) -> None:
        source = XlsxSource(rich_workbook)
        for n in range(4):
            source.write_cells({CellRef(row, column): f"{column} {n}"})
            source.write_progress([[f"b-{column}-{n}", row, "C", "COMPLETED"]])

    errors = run_in_threads(writer, [(3, "State1_Vitals"), (4, "Initial_Vitals")], timeout=60)
    assert errors == []
    refs = [CellRef(3, "State1_Vitals"), CellRef(4, "Initial_Vitals")]
    cells = XlsxSource(rich_workbook).read_cells(refs)
    assert cells == {ref: f"{ref.column} 3" for ref in refs}
    batch_ids = {line[0] for line in XlsxSource(rich_workbook).read_progress()}
    assert batch_ids == {f"b-{ref.column}-{n}" for ref in refs for n in range(4)}


def test_formula_cached_value_or_text(rich_workbook: Path, tmp_path: Path) -> None:
    source = XlsxSource(rich_workbook)
    # openpyxl stores no cached results, so the formula text is what a read can give.
    assert source.read_cells([CellRef(5, "Weight")]) == {CellRef(5, "Weight"): "=SUM(E3:E4)"}
    cached = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(rich_workbook) as src, zipfile.ZipFile(cached, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(
                    rb"<f>SUM\(E3:E4\)</f><v\s*/?>(</v>)?", b"<f>SUM(E3:E4)</f><v>152.5</v>", data
                )
                assert count == 1
            dst.writestr(item, data)
    rows = XlsxSource(cached).read_scenarios().scenarios
    assert rows[-1].row == 5 and rows[-1].context["Weight"] == 152.5
    assert list(rows[0].context) == ["Weight"]  # column F has no header, so it is not context
    assert XlsxSource(cached).read_cells([CellRef(3, "Weight")]) == {CellRef(3, "Weight"): 70}


def test_dates_read_as_iso_text(rich_workbook: Path) -> None:
    wb = load_workbook(rich_workbook)
    wb[TAB]["F2"] = "Seen"
    wb.save(rich_workbook)
    scenario = XlsxSource(rich_workbook).read_scenarios([3]).scenarios[0]
    assert scenario.context["Seen"] == "2023-03-15T00:00:00"


def test_failed_replace_leaves_original_and_no_temp(
    rich_workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = rich_workbook.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(InputError, match="could not be saved"):  # the save itself, in this process
        workbook_file.modify_file(rich_workbook, "rich.xlsx", set_first_vitals)
    assert rich_workbook.read_bytes() == original
    assert sorted(p.name for p in rich_workbook.parent.iterdir()) == ["rich.xlsx"]


def test_crash_during_save_leaves_original_and_no_temp(
    rich_workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = rich_workbook.read_bytes()
    real_save = Workbook.save

    def crashing_save(self: Workbook, target: object) -> None:
        real_save(self, target)  # type: ignore[arg-type]
        raise KeyboardInterrupt  # the process is stopped half-way through the save

    monkeypatch.setattr(Workbook, "save", crashing_save)
    with pytest.raises(KeyboardInterrupt):  # the save itself, in this process
        workbook_file.modify_file(rich_workbook, "rich.xlsx", set_first_vitals)
    assert rich_workbook.read_bytes() == original
    assert sorted(p.name for p in rich_workbook.parent.iterdir()) == ["rich.xlsx"]


def test_save_keeps_file_permissions(rich_workbook: Path) -> None:
    rich_workbook.chmod(0o640)
    XlsxSource(rich_workbook).write_cells({CellRef(3, "State1_Vitals"): VITALS})
    assert stat.S_IMODE(rich_workbook.stat().st_mode) == 0o640


def test_missing_file(tmp_path: Path) -> None:
    source = XlsxSource(tmp_path / "nope.xlsx")
    assert source.locator == str(tmp_path / "nope.xlsx") and source.display_name == "nope.xlsx"
    with pytest.raises(InputError, match=r"nope\.xlsx does not exist"):
        source.read_scenarios()
    with pytest.raises(InputError, match="does not exist"):
        source.write_cells({CellRef(3, "Initial_Vitals"): VITALS})


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("renamed.xlsx", b"Case_ID,Title\n1,Chest pain\n"),
        ("cases.csv", b"Case_ID,Title\n1,Chest pain\n"),
        ("empty.xlsx", b""),
    ],
)
def test_not_a_workbook(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=re.escape(name) + ".*not an Excel workbook"):
        XlsxSource(path).read_scenarios()


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(InputError, match="not an Excel workbook"):
        XlsxSource(path).read_layout()


def test_folder_is_not_a_workbook(tmp_path: Path) -> None:
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    with pytest.raises(InputError, match="is a folder"):
        XlsxSource(folder).read_layout()


def test_read_only_file_even_for_root(rich_workbook: Path) -> None:
    original = rich_workbook.read_bytes()
    rich_workbook.chmod(0o444)
    try:
        source = XlsxSource(rich_workbook)
        assert len(source.read_scenarios().scenarios) == 3  # reading still works
        with pytest.raises(InputError, match="read-only"):
            source.check_writable()
        with pytest.raises(InputError, match="read-only"):
            source.write_cells({CellRef(3, "State1_Vitals"): VITALS})
        with pytest.raises(InputError, match="read-only"):
            source.ensure_progress_tab()
        assert rich_workbook.read_bytes() == original
    finally:
        rich_workbook.chmod(0o644)


@pytest.mark.skipif(os.name == "nt", reason="folder permission bits are POSIX")
def test_read_only_folder(rich_workbook: Path) -> None:
    folder = rich_workbook.parent
    folder.chmod(0o555)
    try:
        with pytest.raises(InputError, match=r"folder .* is read-only"):
            XlsxSource(rich_workbook).write_cells({CellRef(3, "State1_Vitals"): VITALS})
    finally:
        folder.chmod(0o755)


def test_file_locked_by_another_program(rich_workbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def locked(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "The process cannot access the file because it is being used")

    monkeypatch.setattr(workbook_file, "load_workbook", locked)
    with pytest.raises(InputError, match="open in another program") as info:  # in this process
        workbook_file.read_tab(rich_workbook, TAB, "rich.xlsx")
    assert str(rich_workbook) in str(info.value)


def test_reads_and_saves_run_in_the_helper_process(
    rich_workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openpyxl never runs in the app's own interpreter: a 1,000-row save there kept the window's
    thread waiting for the interpreter lock."""

    def not_here(*args: object, **kwargs: object) -> None:
        raise AssertionError("a workbook was opened in the app's own process")

    monkeypatch.setattr(workbook_file, "load_workbook", not_here)
    monkeypatch.setattr(Workbook, "save", not_here)
    source = XlsxSource(rich_workbook)
    source.write_cells({CellRef(3, "State1_Vitals"): VITALS})
    assert source.ensure_progress_tab()
    source.write_progress([["b1", 3, "C-1", "PENDING"]])
    assert source.read_scenarios([3]).scenarios[0].vitals["State1_Vitals"] == VITALS
    assert source.read_progress()[0][:4] == ["b1", 3, "C-1", "PENDING"]
    assert source.read_cells([CellRef(3, "State1_Vitals")]) == {CellRef(3, "State1_Vitals"): VITALS}


def test_errors_in_the_helper_arrive_as_the_same_sentence(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match=r"not an Excel workbook \(\.xlsx\) or is damaged"):
        XlsxSource(damaged).read_scenarios()


def set_first_vitals(wb: Workbook) -> None:
    """A change for ``modify_file``: the first data row's State1 vitals (column D of the rich
    workbook)."""
    wb[TAB]["D3"] = VITALS


def test_text_longer_than_an_excel_cell_is_refused(rich_workbook: Path) -> None:
    original = rich_workbook.read_bytes()
    with pytest.raises(InputError, match="32,767"):
        XlsxSource(rich_workbook).write_cells({CellRef(3, "State1_Vitals"): "x" * 40_000})
    assert rich_workbook.read_bytes() == original


def test_header_row_cannot_be_written(rich_workbook: Path) -> None:
    with pytest.raises(InputError, match="not a data row"):
        XlsxSource(rich_workbook).write_cells({CellRef(2, "Initial_Vitals"): VITALS})


def open_handles(path: Path) -> int:
    fd_dir = Path("/proc/self/fd")
    count = 0
    for fd in fd_dir.iterdir():
        try:
            if os.readlink(fd) == str(path):
                count += 1
        except OSError:
            continue
    return count


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_file_is_closed_between_operations(rich_workbook: Path) -> None:
    source = XlsxSource(rich_workbook)
    source.read_scenarios()
    source.read_cells([CellRef(3, "Initial_Vitals")])
    source.read_progress()
    assert open_handles(rich_workbook) == 0
    source.write_cells({CellRef(3, "State1_Vitals"): VITALS})
    source.ensure_progress_tab()
    assert open_handles(rich_workbook) == 0


def test_ten_thousand_rows_are_read(tmp_path: Path) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(TAB)
    ws.append(["Case_ID", "Title", "Diagnosis", "Initial_Vitals", "State1_Vitals", "State2_Vitals"])
    for n in range(10_000):
        ws.append([n + 1, f"Case {n}", "Sepsis " * 10, VITALS, VITALS, None])
    path = tmp_path / "big.xlsx"
    wb.save(path)
    table = XlsxSource(path).read_scenarios()  # how fast: bench/table_scale.py
    assert len(table.scenarios) == 10_000 and table.last_row == 10_001
    assert table.scenarios[-1].case_id == "10000"


def test_progress_tab_has_bold_headers_and_existing_one_is_untouched(rich_workbook: Path) -> None:
    source = XlsxSource(rich_workbook)
    assert source.ensure_progress_tab() is True
    ws = load_workbook(rich_workbook)[PROGRESS_TAB]
    assert [c.value for c in ws[1]] == list(PROGRESS_COLUMNS) and ws["A1"].font.b
    mtime = rich_workbook.stat().st_mtime_ns
    content = rich_workbook.read_bytes()
    assert source.ensure_progress_tab() is False
    assert rich_workbook.read_bytes() == content and rich_workbook.stat().st_mtime_ns == mtime


# ------------------------------------------------------------------------------------- demo


def test_demo_workbook_reads(demo_copy: Path) -> None:
    source = XlsxSource(demo_copy)
    table = source.read_scenarios()
    assert table.layout.header_row == 2
    assert len(table.scenarios) >= 44
    assert list(table.layout.vitals) == ["Initial_Vitals", "State1_Vitals", "State2_Vitals", "State3_Vitals"]
    categories = {s.context["Category"] for s in table.scenarios}
    assert categories == {
        "Cardiac",
        "Respiratory",
        "Sepsis",
        "Trauma",
        "Paediatric",
        "Obstetric",
        "Neurological",
        "Toxicology",
    }
    ids = [s.case_id for s in table.scenarios]
    assert len(set(ids)) == len(ids)
    assert load_workbook(demo_copy).sheetnames == [TAB, "Instructions"]


def test_demo_planted_rows_match_the_workbook(demo_copy: Path) -> None:
    planted = (DEMO_WORKBOOK.parent / "PLANTED.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| (\d+) \| ([A-Z]+-\d+) \|", planted, flags=re.MULTILINE))
    scenarios = {str(s.row): s for s in XlsxSource(demo_copy).read_scenarios().scenarios}
    assert len(set(listed)) >= 20
    for row, case_id in listed.items():
        assert scenarios[row].case_id == case_id
    empty_state = [s for s in scenarios.values() if any(v is None for v in s.vitals.values())]
    assert len(empty_state) >= 3
    broken = 0
    for scenario in scenarios.values():
        for value in scenario.vitals.values():
            if isinstance(value, str):
                try:
                    json.loads(value)
                except ValueError:
                    broken += 1
    assert broken >= 2


def test_demo_generator_is_deterministic(tmp_path: Path) -> None:
    out = tmp_path / "demo.xlsx"
    script = REPO_ROOT / "scripts" / "make_demo_workbook.py"
    subprocess.run([sys.executable, str(script), str(out)], check=True, capture_output=True, timeout=60)
    assert out.read_bytes() == DEMO_WORKBOOK.read_bytes()
    assert (tmp_path / "PLANTED.md").read_text() == (DEMO_WORKBOOK.parent / "PLANTED.md").read_text()


def test_a_write_leaves_no_cycles_of_cells_for_the_collector(tmp_path: Path) -> None:
    """A discarded full workbook is freed by reference counting as soon as it is saved, not left as
    thousands of sheet↔cell cycles for the cyclic collector (in the app's own process, where the
    saves once ran, freeing them stalled the window after every write; the helper process that saves
    now keeps its memory low the same way). The save itself, measured in this process."""
    import gc

    from tests.torture.helpers import make_workbook

    path = make_workbook(tmp_path / "bank.xlsx", 300)
    gc.collect()
    gc.disable()
    try:
        workbook_file.modify_file(path, path.name, set_first_vitals_of_bank)
        left_for_the_collector = gc.collect()
    finally:
        gc.enable()
    assert left_for_the_collector < 1_500, left_for_the_collector  # about 4,000 with the cells in cycles


def set_first_vitals_of_bank(wb: Workbook) -> None:
    """A change for ``modify_file`` on a torture workbook: one cell of its first data row."""
    wb.worksheets[0]["C3"] = json.dumps({"HR": 80})
