"""The structured-output contract with the LLM: the strict JSON schema sent with each request and
the pydantic model that checks each reply against it.

One reply is a JSON object whose keys are exactly the vitals columns asked for (``Initial_Vitals``,
``State2_Vitals`` …); each value is an object with exactly the vitals fields asked for that column (all
seven for a cell generated whole, only the missing or invalid ones otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, create_model

from desktop.domain.enrichment import FieldPlan, as_plan
from desktop.domain.models import CANONICAL_ORDER
from desktop.domain.waveforms import all_waveforms, is_canonical

SCHEMA_NAME = "scenario_vitals"
BP_PATTERN = r"^\d{2,3}/\d{2,3}$"


class ReplyError(ValueError):
    """A reply that is not the JSON the schema asks for; ``reason`` is one sentence for the run log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def canonical_waveform_names() -> list[str]:
    """The waveform names the model may answer with, in resource order."""
    return [w.name for w in all_waveforms()]


def _field_schemas() -> dict[str, dict[str, Any]]:
    return {
        "HR": {"type": "integer", "description": "Heart rate, beats per minute."},
        "BP": {"type": "string", "pattern": BP_PATTERN, "description": "Systolic/diastolic, mmHg."},
        "SpO2": {"type": "integer", "description": "Oxygen saturation, percent."},
        "RR": {"type": "integer", "description": "Respiratory rate, breaths per minute."},
        "Temp": {"type": "number", "description": "Temperature, degrees Celsius."},
        "EtCO2": {"type": "integer", "description": "End-tidal CO2, mmHg."},
        "waveform": {"type": "string", "enum": canonical_waveform_names()},
    }


def vitals_object_schema(fields: Sequence[str] = CANONICAL_ORDER) -> dict[str, Any]:
    """JSON schema of one generated vitals object with ``fields`` (strict: every property required,
    nothing else allowed)."""
    every = _field_schemas()
    names = [name for name in CANONICAL_ORDER if name in fields]
    return {
        "type": "object",
        "properties": {name: every[name] for name in names},
        "required": names,
        "additionalProperties": False,
    }


def vitals_response_format(columns: Sequence[str] | Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The ``response_format`` for a request that generates ``columns`` (OpenAI strict json_schema).

    ``columns`` is a field plan (column → fields) or a list of columns generated whole.
    """
    plan = as_plan(columns)
    return {
        "type": "json_schema",
        "json_schema": {
            "name": SCHEMA_NAME,
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {name: vitals_object_schema(fields) for name, fields in plan.items()},
                "required": list(plan),
                "additionalProperties": False,
            },
        },
    }


def _canonical_waveform(value: str) -> str:
    if not is_canonical(value):
        raise ValueError(f"{value!r} is not a canonical waveform name")
    return value


#: The strict type of each generated field (no strings for numbers; BP as "120/80"; canonical rhythm).
FIELD_TYPES: dict[str, Any] = {
    "HR": int,
    "BP": Annotated[str, Field(pattern=BP_PATTERN)],
    "SpO2": int,
    "RR": int,
    "Temp": float,
    "EtCO2": int,
    "waveform": Annotated[str, AfterValidator(_canonical_waveform)],
}


@lru_cache(maxsize=256)
def _fields_model(fields: tuple[str, ...]) -> type[BaseModel]:
    """A strict model of one generated vitals object with exactly ``fields``."""
    chosen: dict[str, Any] = {name: (FIELD_TYPES[name], ...) for name in fields}
    return create_model(  # type: ignore[call-overload, no-any-return]
        "VitalsFields", __config__=ConfigDict(strict=True, extra="forbid"), **chosen
    )


@lru_cache(maxsize=256)
def _reply_model(plan: tuple[tuple[str, tuple[str, ...]], ...]) -> type[BaseModel]:
    fields: dict[str, Any] = {name: (_fields_model(names), ...) for name, names in plan}
    return create_model(  # type: ignore[call-overload, no-any-return]
        "ScenarioVitalsReply", __config__=ConfigDict(strict=True, extra="forbid"), **fields
    )


def parse_reply(
    content: str, columns: Sequence[str] | Mapping[str, Sequence[str]]
) -> dict[str, dict[str, object]]:
    """Check a reply against the schema for ``columns`` (a field plan or whole columns);
    ``{column: {field: value}}`` in canonical field order, or ``ReplyError``."""
    plan = _checked_plan(columns)
    names = tuple(plan)
    try:
        data = json.loads(content)
    except (TypeError, ValueError) as exc:
        raise ReplyError("The reply was not valid JSON.") from exc
    if not isinstance(data, dict):
        raise ReplyError("The reply was not a JSON object.")
    missing = [name for name in names if name not in data]
    if missing:
        raise ReplyError(f"The reply is missing {', '.join(missing)}.")
    extra = [key for key in data if key not in names]
    if extra:
        raise ReplyError(f"The reply has columns that were not asked for: {', '.join(map(str, extra))}.")
    try:
        parsed = _reply_model(tuple(plan.items())).model_validate(data)
    except ValidationError as exc:
        raise ReplyError(f"The reply does not match the vitals schema: {_first_error(exc)}.") from exc
    result: dict[str, dict[str, object]] = {}
    for name, fields in plan.items():
        values = getattr(parsed, name).model_dump()
        result[name] = {key: values[key] for key in fields}
    return result


def _checked_plan(columns: Sequence[str] | Mapping[str, Sequence[str]]) -> FieldPlan:
    if not isinstance(columns, Mapping):
        columns = list(dict.fromkeys(columns))
    return as_plan(columns)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(part) for part in err.get("loc", ()))
    return f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid"))
