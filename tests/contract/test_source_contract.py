"""What every Source implementation must do, whatever stores the workbook."""

from __future__ import annotations

import json

import pytest

from desktop.errors import InputError
from desktop.services.source import PROGRESS_COLUMNS, PROGRESS_TAB, CellRef
from tests.contract.conftest import ReadTab, SourceFactory, Tabs

TAB = "Master Scenario Convert"
HEADERS = ["Case_ID", "Case_Title", "Diagnosis", "Initial_Vitals", "State1_Vitals", "State2_Vitals"]
V1 = json.dumps({"HR": 88, "BP": "120/80", "SpO2": 98, "RR": 16, "waveform": "sinus_ecg"})
V2 = json.dumps({"HR": 130, "BP": "90/60", "SpO2": 91, "RR": 26, "waveform": "sinus_tachycardia_ecg"})


def standard_tabs(banner: bool = True) -> Tabs:
    """Banner, headers, three data rows with an empty row between, and an unrelated tab."""
    rows: list[list[object]] = [["Scenario library"]] if banner else []
    rows += [
        HEADERS,
        ["CARD-001", "Chest pain", "STEMI", V1, V2, None],
        [None, None, None, None, None, None],
        ["RESP-002", "Asthma", "Status asthmaticus", V1, None, ""],
        ["SEP-003", "Fever", "Urosepsis", None, None, None],
    ]
    return {TAB: rows, "Notes": [["free text"], [1, 2.5, True]]}  # type: ignore[dict-item]


def test_header_in_row_two_below_banner(make_source: SourceFactory) -> None:
    table = make_source(standard_tabs()).read_scenarios()
    assert table.layout.header_row == 2
    assert [s.row for s in table.scenarios] == [3, 5, 6]  # the sheet's own row numbers, row 4 empty
    assert [s.case_id for s in table.scenarios] == ["CARD-001", "RESP-002", "SEP-003"]
    assert table.last_row == 6


def test_header_in_row_one(make_source: SourceFactory) -> None:
    table = make_source(standard_tabs(banner=False)).read_scenarios()
    assert table.layout.header_row == 1
    assert [s.row for s in table.scenarios] == [2, 4, 5]


def test_scenario_fields(make_source: SourceFactory) -> None:
    first = make_source(standard_tabs()).read_scenarios([3]).scenarios[0]
    assert first.title == "Chest pain"
    assert first.vitals == {"Initial_Vitals": V1, "State1_Vitals": V2, "State2_Vitals": None}
    assert first.context == {"Diagnosis": "STEMI"}


def test_headers_match_case_and_separator_insensitively(make_source: SourceFactory) -> None:
    tabs: Tabs = {
        TAB: [["case id", "TITLE", "initial-vitals", "STATE 1 VITALS", "Notes"], ["7", "x", V1, V2, "n"]]
    }
    source = make_source(tabs)
    layout = source.read_layout()
    assert layout.case_id.index == 1
    assert layout.title is not None and layout.title.index == 2
    assert list(layout.vitals) == ["Initial_Vitals", "State1_Vitals"]
    scenario = source.read_scenarios().scenarios[0]
    assert scenario.vitals == {"Initial_Vitals": V1, "State1_Vitals": V2}
    assert scenario.context == {"Notes": "n"}


def test_missing_case_id_names_found_headers(make_source: SourceFactory) -> None:
    source = make_source({TAB: [["Title", "Initial_Vitals"], ["x", V1]]})
    with pytest.raises(InputError) as info:
        source.read_scenarios()
    assert "Case_ID" in str(info.value)
    assert "Title" in str(info.value) and "Initial_Vitals" in str(info.value)


def test_missing_scenario_tab_lists_tabs(make_source: SourceFactory) -> None:
    source = make_source({"Sheet One": [["Case_ID"], ["1"]]}, scenario_tab="Scenarios")
    with pytest.raises(InputError) as info:
        source.read_layout()
    assert "Scenarios" in str(info.value) and "Sheet One" in str(info.value)


def test_requested_rows_past_end_and_empty_rows(make_source: SourceFactory) -> None:
    table = make_source(standard_tabs()).read_scenarios([4, 5, 7, 40])
    assert [s.row for s in table.scenarios] == [5]  # row 4 is empty inside the range: skipped
    assert table.skipped_rows == [7, 40]
    assert table.last_row == 6


def test_no_data_rows(make_source: SourceFactory) -> None:
    table = make_source({TAB: [HEADERS]}).read_scenarios([2])  # type: ignore[dict-item]
    assert table.scenarios == [] and table.last_row == 0 and table.skipped_rows == [2]


def test_numeric_case_ids_are_text(make_source: SourceFactory) -> None:
    tabs: Tabs = {TAB: [["Case_ID", "Title"], [101, "int"], [102.0, "float"], [3.5, "fraction"]]}
    ids = [s.case_id for s in make_source(tabs).read_scenarios().scenarios]
    assert ids == ["101", "102", "3.5"]


def test_numbers_and_booleans_keep_their_type(make_source: SourceFactory) -> None:
    tabs: Tabs = {TAB: [["Case_ID", "Age", "Weight", "Flag"], ["A", 54, 71.5, True]]}
    context = make_source(tabs).read_scenarios().scenarios[0].context
    assert context == {"Age": 54, "Weight": 71.5, "Flag": True}


def test_round_trip_changes_only_the_written_cells(make_source: SourceFactory, tab_reader: ReadTab) -> None:
    source = make_source(standard_tabs())
    before = {tab: tab_reader(source, tab) for tab in (TAB, "Notes")}
    refs = [CellRef(3, "State2_Vitals"), CellRef(6, "Initial_Vitals"), CellRef(5, "State1_Vitals")]
    assert source.read_cells(refs) == dict.fromkeys(refs)
    new = {refs[0]: V2, refs[1]: V1, refs[2]: V2}
    source.write_cells(new)
    assert source.read_cells(refs) == new
    after = {tab: tab_reader(source, tab) for tab in (TAB, "Notes")}
    assert after["Notes"] == before["Notes"]
    expected = [list(row) for row in before[TAB]]
    for ref, value in new.items():
        row = expected[ref.row - 1]
        column = HEADERS.index(ref.column)
        row.extend([None] * (column + 1 - len(row)))
        row[column] = value
    assert after[TAB] == expected
    assert PROGRESS_TAB not in after


def test_read_cells_by_any_known_column(make_source: SourceFactory) -> None:
    source = make_source(standard_tabs())
    refs = [CellRef(3, "Case_ID"), CellRef(3, "Case_Title"), CellRef(5, "Diagnosis"), CellRef(99, "Case_ID")]
    assert list(source.read_cells(refs).values()) == ["CARD-001", "Chest pain", "Status asthmaticus", None]


def test_write_to_unknown_column_is_an_input_error(make_source: SourceFactory) -> None:
    source = make_source(standard_tabs())
    with pytest.raises(InputError):
        source.write_cells({CellRef(3, "State9_Vitals"): V1})


def test_text_starting_with_equals_stays_text(make_source: SourceFactory) -> None:
    source = make_source(standard_tabs())
    ref = CellRef(3, "State2_Vitals")
    source.write_cells({ref: "=1+1"})
    assert source.read_cells([ref]) == {ref: "=1+1"}


def test_long_and_unicode_cells(make_source: SourceFactory) -> None:
    long_text = ("Anamnèse — 患者 🚑 " * 3000)[:50_000]
    tabs: Tabs = {
        TAB: [["Case_ID", "Title", "History", "Initial_Vitals"], ["Ü-1", "Œdème aigu", long_text, None]]
    }
    source = make_source(tabs)
    scenario = source.read_scenarios().scenarios[0]
    assert scenario.case_id == "Ü-1" and scenario.title == "Œdème aigu"
    assert scenario.context["History"] == long_text
    ref = CellRef(2, "Initial_Vitals")
    # Writable everywhere: below the smallest cell limit of the stores (Excel: 32,767 characters).
    value = json.dumps({"note": long_text[:30_000], "waveform": "sinus_ecg"}, ensure_ascii=False)
    source.write_cells({ref: value})
    assert source.read_cells([ref]) == {ref: value}


def test_tab_name_with_spaces_and_apostrophes(make_source: SourceFactory, tab_reader: ReadTab) -> None:
    tab = "Dr. O'Brien's cases"
    source = make_source({tab: [["Case_ID", "Initial_Vitals"], ["OB-1", None]]}, scenario_tab=tab)
    assert [s.case_id for s in source.read_scenarios().scenarios] == ["OB-1"]
    source.write_cells({CellRef(2, "Initial_Vitals"): V1})
    assert tab_reader(source, tab) == [["Case_ID", "Initial_Vitals"], ["OB-1", V1]]
    assert source.ensure_progress_tab() is True
    assert tab_reader(source, PROGRESS_TAB) == [list(PROGRESS_COLUMNS)]


def progress_row(batch: str, row: int, status: str, tokens: int | None = None) -> list[object]:
    cells: list[object] = [batch, row, f"C-{row}", status] + [None] * 11
    cells[9] = tokens
    return cells


def test_progress_tab_created_then_left_alone(make_source: SourceFactory, tab_reader: ReadTab) -> None:
    source = make_source(standard_tabs())
    scenario_tab = tab_reader(source, TAB)
    assert source.read_progress() == []
    assert source.ensure_progress_tab() is True
    assert tab_reader(source, PROGRESS_TAB) == [list(PROGRESS_COLUMNS)]
    source.write_progress([progress_row("b1", 3, "PENDING")])  # type: ignore[list-item]
    assert source.ensure_progress_tab() is False
    assert tab_reader(source, PROGRESS_TAB)[1][:4] == ["b1", 3, "C-3", "PENDING"]
    assert tab_reader(source, TAB) == scenario_tab


def test_progress_upsert(make_source: SourceFactory, tab_reader: ReadTab) -> None:
    source = make_source(standard_tabs())
    before = tab_reader(source, TAB)
    source.write_progress([progress_row("b1", 3, "PENDING"), progress_row("b1", 5, "PENDING")])  # type: ignore[list-item]
    source.write_progress(
        [progress_row("b1", 5, "COMPLETED", 1200), progress_row("b2", 3, "PENDING")]  # type: ignore[list-item]
    )
    rows = source.read_progress()
    assert all(len(row) == len(PROGRESS_COLUMNS) for row in rows)
    assert [(r[0], r[1], r[3], r[9]) for r in rows] == [
        ("b1", 3, "PENDING", None),
        ("b1", 5, "COMPLETED", 1200),  # updated in place, not appended
        ("b2", 3, "PENDING", None),
    ]
    table = tab_reader(source, PROGRESS_TAB)
    assert table[0] == list(PROGRESS_COLUMNS) and len(table) == 4
    assert tab_reader(source, TAB) == before


def test_progress_upsert_matches_row_number_given_as_text(make_source: SourceFactory) -> None:
    source = make_source(standard_tabs())
    source.write_progress([progress_row("b1", 3, "PENDING")])  # type: ignore[list-item]
    source.write_progress([["b1", "3", "C-3", "FAILED"]])
    rows = source.read_progress()
    assert len(rows) == 1 and rows[0][3] == "FAILED"
