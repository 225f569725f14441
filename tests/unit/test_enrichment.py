"""Field-level generation: which fields of a cell are generated, and how the answer merges in."""

from __future__ import annotations

import json

import pytest

from desktop.domain.enrichment import (
    WHOLE_CELL,
    as_plan,
    fields_added,
    fields_to_generate,
    kept_fields,
    merge_cell,
    plan_row,
)
from desktop.domain.models import Scenario
from desktop.domain.vitals import format_vitals

OBS_005 = (
    '{"HR": 112, "BP": "106/68", "SpO2": 98, "RR": 22, "Temp": 36.9, "EtCO2": 33,'
    ' "waveform": "maternal_tachy_trace"}'
)
GOOD = '{"HR": 88, "BP": "120/80", "SpO2": 97, "RR": 16, "Temp": 37.0, "EtCO2": 35, "waveform": "sinus_ecg"}'


@pytest.mark.parametrize(
    ("cell", "fields"),
    [
        (OBS_005, ("waveform",)),
        (GOOD, ()),
        (None, WHOLE_CELL),
        ("", WHOLE_CELL),
        ("N/A", WHOLE_CELL),
        ("{HR: 88", WHOLE_CELL),
        ('{"Pain": 7}', WHOLE_CELL),  # no vitals field at all: the whole cell
        ('{"HR": 88, "BP": "120/80", "waveform": "sinus_ecg"}', ("SpO2", "RR")),  # optional ones stay out
        ('{"HR": 88, "BP": "120/80", "SpO2": 140, "RR": 16, "waveform": "sinus_ecg"}', ("SpO2",)),
        ('{"HR": "N/A", "BP": "120/80", "SpO2": 97, "RR": 16, "EtCO2": "-", "waveform": "NSR"}',
         ("HR", "EtCO2")),
        # A pulse in a pulseless rhythm: the numbers that contradict the author's rhythm are generated.
        ('{"HR": 80, "BP": "120/80", "SpO2": 97, "RR": 16, "waveform": "asystole_ecg"}', ("HR", "BP")),
        ('{"HR": 80, "BP": "80/120", "SpO2": 97, "RR": 16, "waveform": "sinus_ecg"}', ("BP",)),
    ],
)
def test_only_missing_or_invalid_fields_are_generated(cell: str | None, fields: tuple[str, ...]) -> None:
    assert fields_to_generate(cell, "Initial_Vitals") == fields


def test_overwrite_regenerates_whole_cells() -> None:
    assert fields_to_generate(GOOD, "Initial_Vitals", overwrite=True) == WHOLE_CELL
    s = Scenario(3, "A", "t", vitals={"Initial_Vitals": GOOD, "State1_Vitals": OBS_005})
    assert plan_row(s, ["Initial_Vitals", "State1_Vitals"]) == {"State1_Vitals": ("waveform",)}
    assert plan_row(s, ["Initial_Vitals", "State1_Vitals"], overwrite=True) == {
        "Initial_Vitals": WHOLE_CELL,
        "State1_Vitals": WHOLE_CELL,
    }


def test_merge_keeps_the_authors_fields_byte_for_byte_and_extra_keys() -> None:
    cell = '{"Pain": 7, "rr": 22, "HR": 112, "BP": "106/68", "waveform": "maternal_tachy", "Temp": 36.90}'
    merged = merge_cell(cell, ("SpO2", "waveform"), {"SpO2": 97, "waveform": "sinus_tachycardia_ecg"})
    assert list(merged) == ["HR", "BP", "SpO2", "RR", "Temp", "waveform", "Pain"]
    original = json.loads(cell)
    assert merged["HR"] == original["HR"] and merged["BP"] == original["BP"] and merged["RR"] == 22
    assert json.dumps(merged["Temp"]) == json.dumps(original["Temp"])
    assert merged["Pain"] == 7 and merged["waveform"] == "sinus_tachycardia_ecg"
    assert format_vitals(merged).startswith('{"HR": 112, "BP": "106/68", "SpO2": 97, "RR": 22')


def test_whole_cell_keeps_only_keys_that_are_not_vitals() -> None:
    assert kept_fields('{"HR": 10, "Pain": 3, "sbp": 1}', WHOLE_CELL) == {"Pain": 3}
    assert kept_fields('{"HR": 90, "SBP": 120, "DBP": 80}', ("SpO2",)) == {"HR": 90, "SBP": 120, "DBP": 80}


def test_plans_and_counts() -> None:
    assert as_plan(["Initial_Vitals"]) == {"Initial_Vitals": WHOLE_CELL}
    assert as_plan({"State1_Vitals": ["waveform", "HR"]}) == {"State1_Vitals": ("HR", "waveform")}
    assert fields_added({"Initial_Vitals": ["waveform"], "State2_Vitals": list(WHOLE_CELL)}) == 8
    with pytest.raises(ValueError):
        as_plan([])
