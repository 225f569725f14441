"""Parsing and formatting of vitals cells and their values."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.vitals import (
    CellKind,
    canonical_key,
    field_keys,
    format_vitals,
    is_placeholder,
    parse_bp,
    parse_cell,
    parse_number,
    split_bp_keys,
)

CANONICAL = (
    '{"HR": 88, "BP": "120/80", "SpO2": 98, "RR": 16, "Temp": 37.0, "EtCO2": 35, "waveform": "sinus_ecg"}'
)


def test_parse_object_text_and_dict() -> None:
    parsed = parse_cell(CANONICAL)
    assert parsed.kind is CellKind.OBJECT and parsed.error is None
    assert parsed.data is not None and parsed.data["HR"] == 88
    assert parse_cell({"HR": 70}).data == {"HR": 70}


@pytest.mark.parametrize("raw", [None, "", "   ", "\n\t"])
def test_empty_cells(raw: object) -> None:
    assert parse_cell(raw).kind is CellKind.EMPTY


@pytest.mark.parametrize("raw", ["N/A", "n/a", "-", "NA", "null", "none", "?", "--", " None "])
def test_placeholder_cells(raw: str) -> None:
    assert parse_cell(raw).kind is CellKind.PLACEHOLDER


@pytest.mark.parametrize("raw", ['{"HR": 88', "{'HR': 88}", "HR 88", '{"HR": NaN}', "[" * 100_000])
def test_broken_json_has_a_reason(raw: str) -> None:
    parsed = parse_cell(raw)
    assert parsed.kind is CellKind.INVALID_JSON
    assert parsed.error and len(parsed.error) < 200


@pytest.mark.parametrize("raw", ["[1, 2]", '"text"', "42", 42, 3.5, True])
def test_json_that_is_not_an_object(raw: object) -> None:
    parsed = parse_cell(raw)
    assert parsed.kind is CellKind.NOT_OBJECT
    assert parsed.error


@given(st.one_of(st.text(), st.none(), st.integers(), st.floats(), st.booleans(), st.binary()))
def test_parse_cell_never_raises(raw: object) -> None:
    parsed = parse_cell(raw)
    assert isinstance(parsed.kind, CellKind)
    assert (parsed.data is not None) == (parsed.kind is CellKind.OBJECT)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(json_values)
def test_parse_cell_reads_any_json_text(value: object) -> None:
    text = json.dumps(value)
    parsed = parse_cell(text)
    if isinstance(value, dict):
        assert parsed.kind is CellKind.OBJECT and parsed.data == value
    elif value is None:
        assert parsed.kind is CellKind.PLACEHOLDER  # the text "null"
    else:
        assert parsed.kind is CellKind.NOT_OBJECT


def test_format_vitals_puts_canonical_keys_first() -> None:
    data = {"note": "x", "waveform": "sinus_ecg", "HR": 88, "EtCO2": 35, "BP": "120/80", "Temp": 37.0,
            "RR": 16, "SpO2": 98, "extra": "ü"}  # fmt: skip
    text = format_vitals(data)
    assert text == CANONICAL[:-1] + ', "note": "x", "extra": "ü"}'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120/80", (120, 80)),
        ("120 / 80 mmHg", (120, 80)),
        (" 90/60mmHg ", (90, 60)),
        ("0/0", (0, 0)),
        ({"sys": 120, "dia": 80}, (120, 80)),
        ({"systolic": "110", "diastolic": 70}, (110, 70)),
        ({"SBP": 100, "DBP": 60}, (100, 60)),
        ([130, 85], (130, 85)),
        ("120", None),
        ("high", None),
        ({"sys": 120}, None),
        (120, None),
        ("-120/80", None),
        (None, None),
    ],
)
def test_parse_bp(value: object, expected: tuple[int, int] | None) -> None:
    assert parse_bp(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (88, 88.0),
        ("88", 88.0),
        ("88 bpm", 88.0),
        ("98%", 98.0),
        ("37.2 °C", 37.2),
        ("98.6°F", 98.6),
        ("35 mmHg", 35.0),
        ("16/min", 16.0),
        (37.5, 37.5),
        (True, None),
        (False, None),
        ("fast", None),
        ("120/80", None),
        ("88 apples", None),
        (float("nan"), None),
        (float("inf"), None),
        (None, None),
        ([88], None),
    ],
)
def test_parse_number(value: object, expected: float | None) -> None:
    assert parse_number(value) == expected


@pytest.mark.parametrize("value", ["N/A", "n/a", "-", "", "NA", "null", "none", "?", "--", " n/a "])
def test_placeholders(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("value", [None, 0, "0", "88", "sinus_ecg", "not applicable really"])
def test_not_placeholders(value: object) -> None:
    assert not is_placeholder(value)


def test_field_keys_in_other_case() -> None:
    assert canonical_key("hr") == "HR"
    assert canonical_key("SPO2") == "SpO2"
    assert canonical_key("etco2") == "EtCO2"
    assert canonical_key("temp") == "Temp"
    assert canonical_key("Rhythm") == "waveform"
    assert canonical_key("notes") is None
    # An exact canonical key wins over another spelling.
    assert field_keys({"hr": 1, "HR": 2, "spo2": 98}) == {"HR": "HR", "SpO2": "spo2"}
    assert split_bp_keys({"SBP": 120, "dbp": 80}) == ("SBP", "dbp")
    assert split_bp_keys({"SBP": 120}) is None
