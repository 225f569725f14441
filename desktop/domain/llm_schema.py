"""The structured-output contract with the LLM: the strict JSON schema sent with each request and
the pydantic model that checks each reply against it.

One reply is a JSON object whose keys are exactly the vitals columns asked for (``Initial_Vitals``,
``State2_Vitals`` …); each value is one complete vitals object.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

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


def vitals_object_schema() -> dict[str, Any]:
    """JSON schema of one vitals object (strict: every property required, nothing else allowed)."""
    return {
        "type": "object",
        "properties": {
            "HR": {"type": "integer", "description": "Heart rate, beats per minute."},
            "BP": {"type": "string", "pattern": BP_PATTERN, "description": "Systolic/diastolic, mmHg."},
            "SpO2": {"type": "integer", "description": "Oxygen saturation, percent."},
            "RR": {"type": "integer", "description": "Respiratory rate, breaths per minute."},
            "Temp": {"type": "number", "description": "Temperature, degrees Celsius."},
            "EtCO2": {"type": "integer", "description": "End-tidal CO2, mmHg."},
            "waveform": {"type": "string", "enum": canonical_waveform_names()},
        },
        "required": list(CANONICAL_ORDER),
        "additionalProperties": False,
    }


def vitals_response_format(columns: Sequence[str]) -> dict[str, Any]:
    """The ``response_format`` for a request that generates ``columns`` (OpenAI strict json_schema)."""
    names = _checked_columns(columns)
    vitals = vitals_object_schema()
    return {
        "type": "json_schema",
        "json_schema": {
            "name": SCHEMA_NAME,
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {name: vitals for name in names},
                "required": list(names),
                "additionalProperties": False,
            },
        },
    }


class VitalsReply(BaseModel):
    """One generated vitals object, checked strictly (no strings for numbers, no extra keys)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    HR: int
    BP: Annotated[str, Field(pattern=BP_PATTERN)]
    SpO2: int
    RR: int
    Temp: float
    EtCO2: int
    waveform: str

    @field_validator("waveform")
    @classmethod
    def _canonical(cls, value: str) -> str:
        if not is_canonical(value):
            raise ValueError(f"{value!r} is not a canonical waveform name")
        return value

    def to_vitals(self) -> dict[str, object]:
        """The vitals object in canonical key order."""
        data = self.model_dump()
        return {key: data[key] for key in CANONICAL_ORDER}


@lru_cache(maxsize=64)
def _reply_model(columns: tuple[str, ...]) -> type[BaseModel]:
    fields: dict[str, Any] = {name: (VitalsReply, ...) for name in columns}
    return create_model(  # type: ignore[call-overload, no-any-return]
        "ScenarioVitalsReply", __config__=ConfigDict(strict=True, extra="forbid"), **fields
    )


def parse_reply(content: str, columns: Sequence[str]) -> dict[str, dict[str, object]]:
    """Check a reply against the schema for ``columns``; ``{column: vitals}`` or ``ReplyError``."""
    names = _checked_columns(columns)
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
        parsed = _reply_model(names).model_validate(data)
    except ValidationError as exc:
        raise ReplyError(f"The reply does not match the vitals schema: {_first_error(exc)}.") from exc
    return {name: getattr(parsed, name).to_vitals() for name in names}


def _checked_columns(columns: Sequence[str]) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(columns))
    if not names:
        raise ValueError("At least one vitals column must be requested.")
    return names


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(part) for part in err.get("loc", ()))
    return f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid"))
