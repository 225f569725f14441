"""Clinical defaults: only missing fields are filled, adjusted to the cell's rhythm."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.domain.defaults import DEFAULTS, apply_defaults, defaults_for_waveform
from desktop.domain.models import CellChange, Scenario
from desktop.domain.validate import validate_scenario
from desktop.domain.vitals import field_keys, is_missing, parse_cell, split_bp_keys
from tests.unit.vitals_strategies import GOOD, cells, cells_row


def scenario(*cells: object) -> Scenario:
    return cells_row(*cells, row=5, case_id="C-5")


def test_defaults_table() -> None:
    assert DEFAULTS == {"HR": 80, "BP": "120/80", "SpO2": 98, "RR": 16, "Temp": 37.0, "EtCO2": 35,
                        "waveform": "sinus_ecg"}  # fmt: skip
    assert defaults_for_waveform(None) == DEFAULTS
    assert defaults_for_waveform("banana") == DEFAULTS


@pytest.mark.parametrize(
    ("wave", "expected"),
    [
        ("sinus_tachycardia_ecg", {"HR": 120, "waveform": "sinus_tachycardia_ecg"}),
        ("Sinus Tach", {"HR": 120, "waveform": "sinus_tachycardia_ecg"}),
        ("sinus_bradycardia_ecg", {"HR": 45}),
        ("asystole_ecg", {"HR": 0, "BP": "0/0", "SpO2": 0, "RR": 0, "EtCO2": 10}),
        ("VF", {"HR": 0, "BP": "0/0", "waveform": "ventricular_fibrillation_ecg"}),
    ],
)
def test_defaults_follow_the_rhythm(wave: str, expected: dict[str, object]) -> None:
    values = defaults_for_waveform(wave)
    for key, value in expected.items():
        assert values[key] == value
    assert values["Temp"] == 37.0


def test_missing_fields_are_filled_and_counted() -> None:
    result = apply_defaults(scenario({"HR": 130, "waveform": "sinus_tachycardia_ecg"}))
    data = json.loads(str(result.scenario.vitals["Initial_Vitals"]))
    assert data == {"HR": 130, "BP": "120/80", "SpO2": 98, "RR": 16, "Temp": 37.0, "EtCO2": 35,
                    "waveform": "sinus_tachycardia_ecg"}  # fmt: skip
    assert result.added == 5
    assert result.added_fields == [f"Initial_Vitals.{k}" for k in ("BP", "SpO2", "RR", "Temp", "EtCO2")]
    [change] = result.changes
    assert change == CellChange(5, "Initial_Vitals", '{"HR": 130, "waveform": "sinus_tachycardia_ecg"}',
                                result.scenario.vitals["Initial_Vitals"])  # fmt: skip


def test_rhythm_defaults_fill_a_missing_heart_rate() -> None:
    result = apply_defaults(scenario({"waveform": "asystole_ecg"}))
    data = json.loads(str(result.scenario.vitals["Initial_Vitals"]))
    assert data["HR"] == 0 and data["BP"] == "0/0" and data["SpO2"] == 0
    assert not [i for i in validate_scenario(result.scenario).issues if i.severity.value != "info"]


def test_null_and_placeholder_fields_are_filled() -> None:
    result = apply_defaults(scenario(dict(GOOD, HR=None, SpO2="N/A", EtCO2="")))
    data = json.loads(str(result.scenario.vitals["Initial_Vitals"]))
    assert (data["HR"], data["SpO2"], data["EtCO2"]) == (80, 98, 35)
    assert result.added == 3


def test_present_fields_are_never_overwritten() -> None:
    cell = dict(GOOD, HR=400, BP="high", waveform="banana")
    result = apply_defaults(scenario(cell, GOOD))
    assert result.changes == [] and result.added == 0
    assert result.scenario.vitals == scenario(cell, GOOD).vitals


def test_other_spellings_count_as_present() -> None:
    cell = {"hr": 70, "SBP": 110, "DBP": 70, "spo2": 97, "rr": 14, "temp": 36.8, "etco2": 38, "rhythm": "NSR"}
    result = apply_defaults(scenario(cell))
    assert result.added == 0


def test_empty_key_in_another_spelling_gives_way_to_the_canonical_key() -> None:
    result = apply_defaults(scenario(dict({k: v for k, v in GOOD.items() if k != "HR"}, hr=None)))
    data = json.loads(str(result.scenario.vitals["Initial_Vitals"]))
    assert data["HR"] == 80 and "hr" not in data


@pytest.mark.parametrize("cell", ["", None, "N/A", '{"HR": 80,', "[1, 2]"])
def test_empty_broken_and_placeholder_cells_are_left_alone(cell: object) -> None:
    result = apply_defaults(scenario(cell))
    assert result.changes == [] and result.added == 0


def test_each_state_uses_its_own_rhythm() -> None:
    cells = ({"waveform": "sinus_tachycardia_ecg"}, {"waveform": "sinus_bradycardia_ecg"}, {"HR": 70})
    result = apply_defaults(scenario(*cells))
    hrs = [json.loads(str(v))["HR"] for v in result.scenario.vitals.values()]
    assert hrs == [120, 45, 70]
    assert json.loads(str(result.scenario.vitals["State2_Vitals"]))["waveform"] == "sinus_ecg"
    assert result.added == 6 + 6 + 6


@settings(max_examples=300, deadline=None)
@given(st.lists(cells(), min_size=1, max_size=4))
def test_defaults_never_change_a_present_field(raw_cells: list[object]) -> None:
    original = scenario(*raw_cells)
    result = apply_defaults(original)
    assert result.added == len(result.added_fields)
    changed = {c.column for c in result.changes}
    for column, raw in original.vitals.items():
        before = parse_cell(raw)
        after = result.scenario.vitals[column]
        if column not in changed:
            assert after == raw
            continue
        assert before.data is not None
        now = parse_cell(after).data
        assert now is not None
        for key, value in before.data.items():
            if not is_missing(value):
                assert now[key] == value, key
        keys = field_keys(now)
        for name in DEFAULTS:
            filled = name in keys and not is_missing(now[keys[name]])
            assert filled or (name == "BP" and split_bp_keys(now) is not None), name
    again = apply_defaults(result.scenario)
    assert again.added == 0
