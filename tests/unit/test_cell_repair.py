"""Safe JSON repair in auto-fix: broken syntax is repaired when no key or value changes; anything else
is left alone and reported."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.domain.autofix import auto_fix
from desktop.domain.cell_repair import repair_vitals_text
from desktop.domain.models import CellChange, Fix, IssueCode, Severity
from desktop.domain.vitals import CellKind, parse_cell
from tests.unit.vitals_strategies import GOOD, cells_row

GOOD_TEXT = json.dumps(GOOD)


@pytest.mark.parametrize(
    "broken",
    [
        GOOD_TEXT[:-1],  # missing closing brace
        GOOD_TEXT[:-1] + ",}",  # trailing comma
        GOOD_TEXT.replace('"', "'"),  # single quotes
        "{HR: 88, BP: '120/80', SpO2: 98, RR: 16, Temp: 37.0, EtCO2: 35, waveform: 'sinus_ecg'}",  # keys
        "{HR: 88, BP: 120/80, SpO2: 98, RR: 16, Temp: 37.0, EtCO2: 35, waveform: sinus_ecg}",  # values
        "{'HR': 88, 'BP': '120/80', 'SpO2': 98, 'RR': 16, 'Temp': 37.0, 'EtCO2': 35, "
        "'waveform': 'sinus_ecg',",
    ],
)
def test_syntax_only_breakage_is_repaired_to_the_same_values(broken: str) -> None:
    assert parse_cell(broken).kind is CellKind.INVALID_JSON
    repair = repair_vitals_text(broken)
    assert repair.reason is None and repair.data == GOOD


@pytest.mark.parametrize(
    ("broken", "said"),
    [
        ('{"HR": 88 bpm, "BP": "120/80"}', "'88 bpm' would become '88'"),  # a unit would be lost
        ('{"HR": 88, "BP": "120/80"} then 92 after fluids', "'then 92 after fluids' would be dropped"),
        ('{"HR": 88, "HR": 90, "BP": "120/80"', "would be dropped"),  # duplicate key: one value lost
        ('{"HR": 88,, "RR": 12}', "'88' would become '88,'"),
        ('{"HR": 88, "SpO2": }', "'' would be added"),  # a value invented for an empty slot
        ('{"HR": 8 8}', "'8 8' would become '8'"),
        ("{HR: 88, BP: 120 / 80 mmHg}", "'120 / 80 mmHg' would become '120'"),  # the library cuts it
        ("HR 88, BP 120/80", "could not be read as one vitals object"),
        ('[{"HR": 88}', "could not be read as one vitals object"),
        ('{"HR": NaN}', "NaN or Infinity"),
    ],
)
def test_a_repair_that_would_change_a_value_is_refused(broken: str, said: str) -> None:
    repair = repair_vitals_text(broken)
    assert repair.data is None
    assert repair.reason is not None and said in repair.reason


def test_auto_fix_repairs_then_fixes_and_shows_old_and_new() -> None:
    broken = "{hr: '88 bpm', BP: '120 / 80 mmHg', SpO2: 98, RR: 16, waveform: NSR,}"
    result = auto_fix(cells_row(broken, GOOD, row=30, case_id="PAED-004"))
    repaired = '{"hr": "88 bpm", "BP": "120 / 80 mmHg", "SpO2": 98, "RR": 16, "waveform": "NSR"}'
    assert result.fixes[0] == Fix("Initial_Vitals", broken, repaired)
    final = '{"HR": 88, "BP": "120/80", "SpO2": 98, "RR": 16, "waveform": "sinus_ecg"}'
    assert result.changes == [CellChange(30, "Initial_Vitals", broken, final)]
    assert {f.field for f in result.fixes[1:]} == {
        "Initial_Vitals.HR", "Initial_Vitals.BP", "Initial_Vitals.waveform"
    }  # fmt: skip
    assert result.left_alone == []
    assert auto_fix(result.scenario).changes == []  # settled


def test_auto_fix_leaves_an_unsafe_cell_alone_and_reports_it() -> None:
    broken = '{"HR": 88, "BP": "120/80"} recheck in 5 min'
    result = auto_fix(cells_row(GOOD, broken, row=9, case_id="C-9"))
    assert result.changes == [] and result.fixes == []
    assert result.scenario.vitals["State1_Vitals"] == broken
    [issue] = result.left_alone
    assert issue.severity is Severity.INFO and issue.code is IssueCode.INVALID_JSON
    assert issue.field == "State1_Vitals" and "'recheck in 5 min' would be dropped" in issue.message


KEYS = st.sampled_from(["HR", "BP", "SpO2", "RR", "Temp", "EtCO2", "waveform", "Pain"])
VALUES = st.one_of(
    st.integers(0, 300),
    st.floats(20, 45, allow_nan=False).map(lambda t: round(t, 1)),
    st.sampled_from(["120/80", "sinus_ecg", "Normal Sinus Rhythm", "n/a"]),
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(KEYS, VALUES, min_size=1), st.sampled_from(["brace", "comma", "quotes", "bare"]))
def test_any_syntax_breakage_repairs_to_the_original_object(data: dict[str, object], how: str) -> None:
    text = json.dumps(data)
    if how == "brace":
        text = text[:-1]
    elif how == "comma":
        text = text[:-1] + ",}"
    elif how == "quotes":
        text = text.replace('"', "'")
    else:
        text = text.replace('"', "")
    if parse_cell(text).kind is not CellKind.INVALID_JSON:
        return
    repair = repair_vitals_text(text)
    if repair.data is not None:  # whatever is accepted keeps every key and value
        assert repair.data == data
    elif how != "bare":  # quoting keys and values back is the only lossy case (e.g. "n/a" vs n/a)
        pytest.fail(f"{text!r} was refused: {repair.reason}")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='{}[]:,"\' HRBP0123456789.abn/', max_size=30))
def test_accepted_repairs_never_lose_a_written_value(text: str) -> None:
    repair = repair_vitals_text(text)
    if repair.data is None:
        return
    written = set(text.replace("'", '"').replace('"', " ").replace(",", " ").replace(":", " ").split())
    for key, value in repair.data.items():
        assert key in text
        if isinstance(value, str) and value:
            assert value in text
    assert written  # something was there to keep
