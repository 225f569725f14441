"""Which ways of asking for JSON the fake chat server accepts, and how it refuses the others — as real
OpenAI-compatible servers do:

- ``openai()``: ``json_schema``, ``json_object`` and plain text (the real API).
- ``llama_cpp()``: llama-cpp-python's server. ``json_schema`` is answered HTTP 500 with its pydantic
  validation error ("Input should be 'text' or 'json_object'"); ``json_object`` with a ``schema`` is
  followed; ``max_completion_tokens`` is ignored (it reads ``max_tokens``). A ``\\d`` in a schema
  pattern makes its grammar fail to parse and the server process die: the connection drops unanswered.
- ``text_only(status)``: a server that refuses both ``json_schema`` and ``json_object`` (400 in the
  OpenAI error shape, or 422 in FastAPI's ``detail`` shape); with the schema in the prompt its model
  answers with a sentence and the JSON object in a code fence.
- ``no_json()``: like ``text_only`` but its model never writes JSON at all.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.openai_wire import Reply, error_reply

_SCHEMA_IN_PROMPT = re.compile(r"match this JSON schema:\s*(\{.*\})\s*$", re.DOTALL)


@dataclass
class FormatSupport:
    """The ``response_format`` types accepted (``text`` means no response format at all)."""

    accepts: frozenset[str] = frozenset({"text", "json_object", "json_schema"})
    refusal_status: int = 400
    style: str = "openai"  # how refusals and plain answers look: openai, llama_cpp, fastapi
    writes_json: bool = True  # False: the model answers plain requests without any JSON
    refused: list[str] = field(default_factory=list)  # response_format types refused so far

    @classmethod
    def openai(cls) -> FormatSupport:
        return cls()

    @classmethod
    def llama_cpp(cls) -> FormatSupport:
        return cls(frozenset({"text", "json_object"}), 500, "llama_cpp")

    @classmethod
    def text_only(cls, status: int = 400) -> FormatSupport:
        return cls(frozenset({"text"}), status, "fastapi" if status == 422 else "openai")

    @classmethod
    def no_json(cls) -> FormatSupport:
        return cls(frozenset({"text"}), 400, "openai", writes_json=False)

    def refusal(self, body: dict[str, Any]) -> Reply | None:
        """The error answer when ``body`` asks for JSON in a way this server does not accept."""
        fmt = body.get("response_format")
        kind = fmt.get("type") if isinstance(fmt, dict) else "text"
        if kind in self.accepts:
            return None
        self.refused.append(str(kind))
        if self.style == "llama_cpp":
            message = (
                "1 validation error for CreateChatCompletionRequest\nresponse_format.type\n"
                f"  Input should be 'text' or 'json_object' [type=literal_error, input_value='{kind}', "
                "input_type=str]"
            )
            return Reply(500, {"error": {"message": message, "type": "internal_server_error",
                                         "param": None, "code": None}})  # fmt: skip
        if self.style == "fastapi":
            detail = [{"type": "literal_error", "loc": ["body", "response_format", "type"],
                       "msg": "Input should be 'text'", "input": kind}]  # fmt: skip
            return Reply(self.refusal_status, {"detail": detail})
        return error_reply(
            self.refusal_status,
            f"Invalid parameter: 'response_format' of type '{kind}' is not supported by this server.",
            param="response_format",
        )

    def breaks(self, body: dict[str, Any]) -> bool:
        """True when ``body`` takes this server down (llama.cpp: ``\\d`` in a json_object schema)."""
        fmt = body.get("response_format")
        if self.style != "llama_cpp" or not isinstance(fmt, dict) or fmt.get("type") != "json_object":
            return False
        return "\\\\d" in json.dumps(fmt.get("schema"))

    def as_schema_request(self, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """``body`` with its schema moved into ``json_schema`` form (so one generator serves every mode),
        and whether the JSON was asked for in the prompt only."""
        fmt = body.get("response_format")
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
            return body, False
        schema: Any = fmt.get("schema") if isinstance(fmt, dict) else None
        in_prompt = not isinstance(fmt, dict)
        if in_prompt:
            schema = _schema_in_prompt(body.get("messages") or [])
        if not isinstance(schema, dict):
            return body, in_prompt
        normal = dict(body, response_format={"type": "json_schema", "json_schema": {"schema": schema}})
        return normal, in_prompt

    def plain_answer(self, content: str) -> str:
        """How this server's model words an answer when the JSON was asked for in the prompt."""
        if not self.writes_json:
            return "The patient is tachycardic and hypotensive; I would expect a heart rate near 120."
        return f"Here are the vitals you asked for:\n```json\n{content}\n```\nLet me know if you need more."


def _schema_in_prompt(messages: list[Any]) -> dict[str, Any] | None:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            match = _SCHEMA_IN_PROMPT.search(str(message.get("content") or ""))
            if match:
                try:
                    found = json.loads(match.group(1))
                except ValueError:
                    return None
                return found if isinstance(found, dict) else None
            return None
    return None


def models_list(models: list[str]) -> dict[str, Any]:
    """The ``GET /v1/models`` answer."""
    return {
        "object": "list",
        "data": [{"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "fake"} for m in models],
    }
