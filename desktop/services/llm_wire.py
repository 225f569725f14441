"""Reading what an OpenAI-compatible endpoint answered: its error sentence, whether an error is a refusal
of the requested JSON output format, the JSON object inside a tolerantly read reply, a chat completion's
verdict and the tokens it counted. Plus masking of secrets in anything shown. Used by the live client and
the Batch API client."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from desktop.domain.llm_schema import ReplyError
from desktop.domain.models import Scenario
from desktop.domain.output_modes import extract_json_object
from desktop.domain.reply_policy import Verdict, judge_reply
from desktop.logs import mask_secrets
from desktop.services.generation import Usage

if TYPE_CHECKING:
    # The SDK takes about 2 s to import: it is imported where it is used, never at start-up
    # (tests/gui/test_startup_imports.py).
    import httpx2
    import openai

#: Where chat completions are posted, below the endpoint's base URL.
CHAT_COMPLETIONS_PATH = "/chat/completions"


def completion_from(response: httpx2.Response) -> Any:
    """The chat completion in an endpoint's answer, read as the SDK reads one: leniently, so a local
    server's reply that lacks a field still reads. A body that is not JSON under a non-JSON content type
    is returned as its text (judged an unusable reply later); broken JSON under a JSON type raises."""
    from openai.types.chat import ChatCompletion

    try:
        data = response.json()
    except ValueError:
        if response.headers.get("content-type", "*").split(";")[0].endswith("json"):
            raise
        return response.text
    return ChatCompletion.construct(**data) if isinstance(data, Mapping) else data


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


def usage_of(completion: Any) -> Usage:
    """The tokens a chat completion counted (none when it says nothing)."""
    usage = getattr(completion, "usage", None)
    if usage is None:
        return Usage()
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or 0
    return Usage(int(usage.prompt_tokens or 0), int(cached), int(usage.completion_tokens or 0))


class UnusableReply(Exception):
    """A chat completion failed the reply policy; ``reply`` is what the model said (for the follow-up)."""

    def __init__(self, reason: str, reply: str | None) -> None:
        super().__init__(reason)
        self.reply = reply


def judge_completion(completion: Any, scenario: Scenario, plan: Mapping[str, Sequence[str]]) -> Verdict:
    """The reply policy's verdict on a chat completion for ``scenario``; ``UnusableReply`` when it fails."""
    choices = getattr(completion, "choices", None) or []
    if not choices:
        raise UnusableReply("The reply had no answer in it.", None)
    choice = choices[0]
    message = choice.message
    refusal = getattr(message, "refusal", None)
    try:
        return judge_reply(message.content, choice.finish_reason, refusal, scenario, plan)
    except ReplyError as exc:
        raise UnusableReply(exc.reason, message.content or refusal) from None
