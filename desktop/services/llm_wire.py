"""Reading what an OpenAI-compatible endpoint answered: its error sentence, whether an error is a refusal
of the requested JSON output format, and the JSON object inside a tolerantly read reply. Plus masking of
secrets in anything shown. Used by the live client and the Batch API client."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from desktop.domain.output_modes import extract_json_object
from desktop.logs import mask_secrets

if TYPE_CHECKING:
    # The SDK takes about 2 s to import: it is imported where it is used, never at start-up
    # (tests/gui/test_startup_imports.py).
    import openai


def is_format_refusal(exc: openai.APIStatusError) -> bool:
    """True when the endpoint refused how the request asked for JSON, not the request as such.

    OpenAI, vLLM and LM Studio answer 400 or 422; llama.cpp's Python server answers 500 with the
    validation error ("response_format.type: Input should be 'text' or 'json_object'"). Either way the
    error names the response format: a 400 about anything else (a wrong model name, a too long prompt)
    must not make the client give up structured output for good.
    """
    return exc.status_code in (400, 422, 500) and names_response_format(exc)


def classify_format_refusal(exc: BaseException) -> bool | None:
    """Retry classifier: a 500 that names ``response_format`` is a refusal, never an outage to retry."""
    import openai

    if isinstance(exc, openai.APIStatusError) and exc.status_code == 500 and names_response_format(exc):
        return False
    return None


def names_response_format(exc: openai.APIStatusError) -> bool:
    """True when an error's message or body is about the response format."""
    text = f"{api_error_message(exc)} {exc.body}".lower()
    return any(word in text for word in ("response_format", "json_schema", "json_object"))


def extract_reply_json(completion: Any) -> None:
    """Replace a tolerant mode's reply text by the JSON object found in it (left as is when none)."""
    for choice in getattr(completion, "choices", None) or []:
        message = getattr(choice, "message", None)
        content = getattr(message, "content", None)
        if message is not None and isinstance(content, str):
            found = extract_json_object(content)
            if found is not None:
                message.content = found


def api_error_message(exc: openai.APIStatusError) -> str:
    """The provider's own sentence in an error reply (``error.message``), else the SDK's text."""
    body = exc.body
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(body.get("message"), str):
            return str(body["message"])
    return getattr(exc, "message", None) or str(exc)


def failure_kind(exc: BaseException) -> str:
    """What failed, for a log line: ``HTTP 503`` or the exception's class name."""
    status = getattr(exc, "status_code", None)
    return f"HTTP {status}" if isinstance(status, int) else type(exc).__name__


def redact(text: str, api_key: str) -> str:
    """``text`` with the API key in use, and anything else that looks like a key or token, masked."""
    if api_key:
        text = text.replace(api_key, "[secret]")
    return mask_secrets(text)
