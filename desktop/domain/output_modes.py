"""The ways of asking a chat endpoint for JSON, from the strictest to the most tolerant.

OpenAI and vLLM take ``response_format: {"type": "json_schema", ...}`` (strict structured output).
llama.cpp's servers refuse that but take ``{"type": "json_object", "schema": {...}}`` and constrain the
model with a grammar built from the schema. Other servers take neither; there the schema goes into the
prompt and the reply is read tolerantly (code fences and prose around the object are ignored). Every
mode ends in the same schema check of the reply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

import json_repair


class OutputMode(StrEnum):
    """How a request asks for JSON; ``ORDER`` is the order in which they are tried."""

    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"
    PROMPT = "prompt"

    @property
    def label(self) -> str:
        """How the mode is named to a user."""
        return _LABELS[self]

    @property
    def tolerant(self) -> bool:
        """True when the reply is not guaranteed to be bare JSON and is read tolerantly."""
        return self is not OutputMode.JSON_SCHEMA


_LABELS = {
    OutputMode.JSON_SCHEMA: "structured output (json_schema)",
    OutputMode.JSON_OBJECT: "JSON mode with a schema (json_object)",
    OutputMode.PROMPT: "JSON asked for in the prompt",
}

#: The order of the fallback: strict first, the prompt last.
ORDER: tuple[OutputMode, ...] = (OutputMode.JSON_SCHEMA, OutputMode.JSON_OBJECT, OutputMode.PROMPT)


def next_mode(mode: OutputMode) -> OutputMode | None:
    """The mode to try after ``mode`` was refused, or None after the last."""
    index = ORDER.index(mode)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def schema_of(response_format: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON schema inside a strict ``json_schema`` response format."""
    inner = response_format.get("json_schema")
    schema = inner.get("schema") if isinstance(inner, Mapping) else None
    if not isinstance(schema, dict):
        raise ValueError("the response format carries no JSON schema")
    return schema


def json_instruction(schema: Mapping[str, Any]) -> str:
    """The text added to the user message when the schema can only be given in the prompt."""
    return (
        "\n\nAnswer with one JSON object and nothing else (no prose, no code fence). "
        "It must match this JSON schema:\n" + json.dumps(schema, ensure_ascii=False, separators=(",", ":"))
    )


def shape_request(
    request: Mapping[str, Any], response_format: Mapping[str, Any], mode: OutputMode
) -> dict[str, Any]:
    """The chat request for ``mode``, from the request body and its strict ``json_schema`` format.

    The non-strict modes are what local servers speak, so they also carry the output cap as
    ``max_tokens`` (llama.cpp ignores ``max_completion_tokens``).
    """
    shaped = dict(request)
    if mode is OutputMode.JSON_SCHEMA:
        shaped["response_format"] = dict(response_format)
        return shaped
    schema = portable_schema(schema_of(response_format))
    cap = shaped.pop("max_completion_tokens", None)
    if cap is not None:
        shaped["max_tokens"] = cap
    if mode is OutputMode.JSON_OBJECT:
        shaped["response_format"] = {"type": "json_object", "schema": schema}
        return shaped
    shaped.pop("response_format", None)
    messages = [dict(m) for m in shaped["messages"]]
    last = max(i for i, m in enumerate(messages) if m.get("role") == "user")
    messages[last]["content"] = str(messages[last].get("content") or "") + json_instruction(schema)
    shaped["messages"] = messages
    return shaped


def portable_schema(schema: Any) -> Any:
    """``schema`` with ``\\d`` in patterns written ``[0-9]``.

    llama-cpp-python's schema-to-grammar converter copies ``\\d`` into the grammar, which then fails to
    parse ("unknown escape") and takes the server down with it; ``[0-9]`` means the same digits.
    """
    if isinstance(schema, dict):
        return {
            key: value.replace("\\d", "[0-9]") if key == "pattern" and isinstance(value, str)
            else portable_schema(value)
            for key, value in schema.items()
        }  # fmt: skip
    if isinstance(schema, list):
        return [portable_schema(item) for item in schema]
    return schema


def extract_json_object(text: str) -> str | None:
    """The JSON object in a reply that may wrap it in a code fence or prose; None when there is none.

    A syntax slip inside the object (a trailing comma, a missing closing brace) is repaired; the schema
    check that follows decides whether the content is usable.
    """
    start = text.find("{")
    if start < 0:
        return None
    end = text.rfind("}")
    candidate = text[start : end + 1] if end > start else text[start:]
    try:
        value = json.loads(candidate)
    except ValueError:
        try:
            value = json_repair.loads(candidate)
        except (ValueError, RecursionError):
            return None
    if not isinstance(value, dict) or not value:
        return None
    return json.dumps(value, ensure_ascii=False)


def modes_from(start: OutputMode | None) -> Sequence[OutputMode]:
    """The modes to try, beginning with a remembered one (or the strictest)."""
    return ORDER[ORDER.index(start) :] if start is not None else ORDER
