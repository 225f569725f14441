"""The structured-output schema and the reply parser."""

from __future__ import annotations

import json
import re

import pytest

from desktop.domain.llm_schema import (
    BP_PATTERN,
    ReplyError,
    canonical_waveform_names,
    parse_reply,
    vitals_response_format,
)
from desktop.domain.models import CANONICAL_ORDER
from tests.unit.vitals_strategies import GOOD


def walk(schema: object) -> list[dict[str, object]]:
    """Every object schema inside ``schema``."""
    found: list[dict[str, object]] = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            found.append(schema)
        for value in schema.values():
            found.extend(walk(value))
    elif isinstance(schema, list):
        for value in schema:
            found.extend(walk(value))
    return found


def test_response_format_is_strict_and_names_exactly_the_columns() -> None:
    fmt = vitals_response_format(["Initial_Vitals", "State2_Vitals"])
    assert fmt["type"] == "json_schema"
    spec = fmt["json_schema"]
    assert spec["name"] == "scenario_vitals"
    assert spec["strict"] is True
    schema = spec["schema"]
    assert list(schema["properties"]) == ["Initial_Vitals", "State2_Vitals"]
    # OpenAI strict mode: every object forbids extra keys and requires all of its properties.
    for obj in walk(schema):
        assert obj["additionalProperties"] is False
        assert sorted(obj["required"]) == sorted(obj["properties"])  # type: ignore[call-overload]
    vitals = schema["properties"]["State2_Vitals"]
    assert vitals["required"] == list(CANONICAL_ORDER)
    assert vitals["properties"]["HR"]["type"] == "integer"
    assert vitals["properties"]["Temp"]["type"] == "number"
    assert vitals["properties"]["BP"]["pattern"] == BP_PATTERN
    assert vitals["properties"]["waveform"]["enum"] == canonical_waveform_names()
    assert all(name.endswith("_ecg") for name in canonical_waveform_names())
    json.dumps(fmt)  # serialisable as sent


def test_parse_good_reply_in_canonical_order() -> None:
    reply = {"State1_Vitals": dict(reversed(list(GOOD.items()))), "Initial_Vitals": GOOD}
    values = parse_reply(json.dumps(reply), ["Initial_Vitals", "State1_Vitals"])
    assert values["Initial_Vitals"] == GOOD
    assert list(values["State1_Vitals"]) == list(CANONICAL_ORDER)


def test_integer_temperature_is_accepted_as_a_number() -> None:
    values = parse_reply(json.dumps({"Initial_Vitals": {**GOOD, "Temp": 37}}), ["Initial_Vitals"])
    assert values["Initial_Vitals"]["Temp"] == 37.0


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("Sure! {HR: 88}", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({}), "missing Initial_Vitals"),
        (json.dumps({"Initial_Vitals": GOOD, "State9_Vitals": GOOD}), "not asked for"),
        (json.dumps({"Initial_Vitals": {**GOOD, "HR": "88"}}), "HR"),
        (json.dumps({"Initial_Vitals": {**GOOD, "HR": True}}), "HR"),
        (json.dumps({"Initial_Vitals": {**GOOD, "BP": "120 / 80"}}), "BP"),
        (json.dumps({"Initial_Vitals": {**GOOD, "waveform": "NSR"}}), "waveform"),
        (json.dumps({"Initial_Vitals": {**GOOD, "note": "x"}}), "note"),
        (json.dumps({"Initial_Vitals": {k: v for k, v in GOOD.items() if k != "SpO2"}}), "SpO2"),
    ],
)
def test_bad_replies_raise_reply_error(content: str, reason: str) -> None:
    with pytest.raises(ReplyError) as info:
        parse_reply(content, ["Initial_Vitals"])
    assert reason in info.value.reason
    assert re.match(r"^The reply .*\.$", info.value.reason)


def test_no_columns_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        vitals_response_format([])
