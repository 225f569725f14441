"""Auto-fix (SPEC section 4): exactly the listed fixes, reported and idempotent."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.domain.autofix import auto_fix
from desktop.domain.models import CellChange, Fix, Scenario
from desktop.domain.validate import validate_scenario
from desktop.domain.vitals import CellKind, parse_cell
from tests.unit.vitals_strategies import GOOD, cells, cells_row


def scenario(*cells: object) -> Scenario:
    return cells_row(*cells, row=7, case_id="C-1")


def fixed_initial(data: dict[str, object]) -> tuple[dict[str, object], list[Fix]]:
    result = auto_fix(scenario(data))
    raw = result.scenario.vitals["Initial_Vitals"]
    assert isinstance(raw, str)
    return json.loads(raw), result.fixes


def test_clean_row_has_no_changes() -> None:
    original = scenario(GOOD, '{"HR":88,"BP":"120/80","SpO2":98,"RR":16,"waveform":"sinus_ecg"}', "")
    result = auto_fix(original)
    assert result.changes == [] and result.fixes == []
    assert result.scenario.vitals == original.vitals
    assert result.scenario is not original


@pytest.mark.parametrize("placeholder", ["N/A", "n/a", "-", ""])
def test_placeholders_become_null_and_are_then_missing(placeholder: str) -> None:
    data, fixes = fixed_initial(dict(GOOD, SpO2=placeholder))
    assert data["SpO2"] is None
    assert fixes == [Fix("Initial_Vitals.SpO2", placeholder, None)]
    report = validate_scenario(auto_fix(scenario(dict(GOOD, SpO2=placeholder))).scenario)
    assert [i.code.value for i in report.issues if i.field == "Initial_Vitals.SpO2"] == ["missing_field"]


def test_waveform_alias_becomes_canonical() -> None:
    data, fixes = fixed_initial(dict(GOOD, waveform="NSR"))
    assert data["waveform"] == "sinus_ecg"
    assert fixes == [Fix("Initial_Vitals.waveform", "NSR", "sinus_ecg")]


def test_unknown_waveform_is_left_alone() -> None:
    result = auto_fix(scenario(dict(GOOD, waveform="banana")))
    assert result.changes == []


@pytest.mark.parametrize(
    "bp", [{"sys": 120, "dia": 80}, "120 / 80 mmHg", "120/80 mmHg", {"systolic": 120, "diastolic": 80}]
)
def test_blood_pressure_forms_become_text(bp: object) -> None:
    data, fixes = fixed_initial(dict(GOOD, BP=bp))
    assert data["BP"] == "120/80"
    assert fixes == [Fix("Initial_Vitals.BP", bp, "120/80")]


def test_separate_sbp_dbp_keys_become_bp() -> None:
    source = {k: v for k, v in GOOD.items() if k != "BP"} | {"SBP": 110, "DBP": 70}
    data, fixes = fixed_initial(source)
    assert data["BP"] == "110/70"
    assert "SBP" not in data and "DBP" not in data
    assert fixes == [Fix("Initial_Vitals.BP", {"SBP": 110, "DBP": 70}, "110/70")]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [("HR", "88 bpm", 88), ("SpO2", "98%", 98), ("RR", "16", 16), ("EtCO2", "35 mmHg", 35),
     ("Temp", "37.2 °C", 37.2), ("HR", "88.5", 88.5)],
)  # fmt: skip
def test_numbers_with_units_become_numbers(field: str, value: str, expected: float) -> None:
    data, fixes = fixed_initial(dict(GOOD, **{field: value}))
    assert data[field] == expected and type(data[field]) is type(expected)
    assert fixes == [Fix(f"Initial_Vitals.{field}", value, expected)]


@pytest.mark.parametrize(
    ("value", "expected"), [(98.6, 37.0), ("101.3 °F", 38.5), (86, 30.0), (113, 45.0), ("98.6", 37.0)]
)
def test_fahrenheit_temperature_becomes_celsius(value: object, expected: float) -> None:
    data, fixes = fixed_initial(dict(GOOD, Temp=value))
    assert data["Temp"] == expected
    assert fixes == [Fix("Initial_Vitals.Temp", value, expected)]


@pytest.mark.parametrize(
    ("field", "value"),
    [("HR", 350), ("HR", "350 bpm"), ("Temp", 120), ("Temp", 50), ("SpO2", "150%"), ("BP", "400/80"),
     ("Temp", 85.9)],
)  # fmt: skip
def test_values_outside_the_hard_range_are_not_guessed(field: str, value: object) -> None:
    result = auto_fix(scenario(dict(GOOD, **{field: value})))
    assert result.changes == []
    assert validate_scenario(result.scenario).critical_count == 1


def test_key_case_becomes_canonical() -> None:
    data, fixes = fixed_initial({"hr": 88, "bp": "120/80", "spo2": 98, "rr": 16, "temp": 37.0, "etco2": 35,
                                 "Waveform": "sinus_ecg", "notes": "kept"})  # fmt: skip
    assert data == dict(GOOD, notes="kept")
    assert list(data) == [*GOOD, "notes"]
    assert Fix("Initial_Vitals.SpO2", "spo2", "SpO2") in fixes
    assert len(fixes) == 7


def test_canonical_key_wins_and_the_other_spelling_is_kept() -> None:
    result = auto_fix(scenario(dict(GOOD, hr=90)))
    assert result.changes == []


def test_empty_cells_are_not_fixed() -> None:
    result = auto_fix(scenario(GOOD, "", None))
    assert result.changes == [] and result.fixes == [] and result.left_alone == []


def test_placeholder_cell_is_cleared() -> None:
    result = auto_fix(scenario(GOOD, "N/A"))
    assert result.changes == [CellChange(7, "State1_Vitals", "N/A", None)]
    assert result.fixes == [Fix("State1_Vitals", "N/A", None)]
    assert result.scenario.vitals["State1_Vitals"] is None


def test_one_change_per_cell_with_old_raw_and_new_text() -> None:
    raw = json.dumps({"hr": "88 bpm", "BP": {"sys": 120, "dia": 80}, "SpO2": "98%", "RR": 16,
                      "waveform": "V-fib", "Temp": 98.6})  # fmt: skip
    result = auto_fix(scenario(raw, GOOD, dict(GOOD, waveform="afib")))
    assert [c.column for c in result.changes] == ["Initial_Vitals", "State2_Vitals"]
    first = result.changes[0]
    assert first.row == 7 and first.old == raw
    assert first.new == (
        '{"HR": 88, "BP": "120/80", "SpO2": 98, "RR": 16, "Temp": 37.0, '
        '"waveform": "ventricular_fibrillation_ecg"}'
    )
    assert len(result.fixes) == 7  # rename, HR units, BP, SpO2 units, waveform, Temp, second waveform
    assert {f.field for f in result.fixes} >= {"Initial_Vitals.HR", "State2_Vitals.waveform"}


def test_original_scenario_is_not_modified() -> None:
    original = scenario(dict(GOOD, waveform="NSR"))
    before = dict(original.vitals)
    auto_fix(original)
    assert original.vitals == before


@settings(max_examples=300, deadline=None)
@given(st.lists(cells(), min_size=1, max_size=4))
def test_auto_fix_is_idempotent(raw_cells: list[object]) -> None:
    once = auto_fix(scenario(*raw_cells))
    twice = auto_fix(once.scenario)
    assert twice.changes == [] and twice.fixes == []
    assert len(once.changes) == len({c.column for c in once.changes})
    for change in once.changes:
        assert once.scenario.vitals[change.column] == change.new


@settings(max_examples=200, deadline=None)
@given(st.lists(cells(), min_size=1, max_size=3))
def test_auto_fix_never_adds_critical_issues(raw_cells: list[object]) -> None:
    original = scenario(*raw_cells)
    before = validate_scenario(original)
    fixed = auto_fix(original).scenario
    # A repaired JSON cell shows what it really holds (maybe missing fields): judged in test_cell_repair.
    for column, raw in original.vitals.items():
        if parse_cell(raw).kind is CellKind.INVALID_JSON:
            fixed.vitals[column] = raw
    after = validate_scenario(fixed)
    assert after.score >= before.score  # fixes never lower the score
    assert after.critical_count <= before.critical_count
