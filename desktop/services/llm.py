"""The live LLM client: the only module that talks to the chat completions endpoint.

One ``generate`` call produces the requested vitals columns for one scenario row. Requests use the
structured-output schema, the static system prompt (for the provider's prompt cache) and the shared
rate limiter; transport failures go through the one retry policy (the SDK's own retries are off).
Each reply is judged by the domain's reply policy; an unusable one is followed by a message saying what
was wrong with it, at most ``MAX_FOLLOW_UPS`` times. The usage of every attempt is counted. The API
key never appears in messages or logs.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

import openai

from desktop.domain.enrichment import as_plan
from desktop.domain.llm_schema import ReplyError, vitals_response_format
from desktop.domain.models import Scenario
from desktop.domain.pricing import PriceTable
from desktop.domain.prompts import (
    build_messages,
    estimate_request_tokens,
    max_output_tokens,
    messages_tokens,
    prompt_cache_key,
)
from desktop.domain.reply_policy import MAX_FOLLOW_UPS, Verdict, follow_up, issue_text, judge_reply
from desktop.errors import AuthError, CancelledError, ServiceError, SimBatchError
from desktop.logs import mask_secrets
from desktop.services.generation import Generation, LLMRequestError, ReplyRejected, Usage
from desktop.services.ratelimit import RateLimiter
from desktop.services.retry import RetryPolicy, headers_of, parse_retry_after
from desktop.services.secrets import get_openai_key

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.openai.com/v1"
TEMPERATURE = 0.2
KEY_REFUSED = "The OpenAI API key was refused; check it in Settings or OPENAI_API_KEY."


class _HasLLMSettings(Protocol):
    """What ``from_settings`` reads (``desktop.settings.Settings`` has it)."""

    @property
    def model(self) -> str: ...
    @property
    def openai_base_url(self) -> str | None: ...
    @property
    def requests_per_minute(self) -> int: ...
    @property
    def tokens_per_minute(self) -> int: ...
    @property
    def price_overrides(self) -> Mapping[str, Any]: ...


class _Rejected(Exception):
    """One reply failed the checks (internal: triggers asking again)."""

    def __init__(self, reason: str, reply: str | None) -> None:
        super().__init__(reason)
        self.reply = reply


class LLMClient:
    """Generates vitals for scenario rows through an OpenAI-compatible chat completions endpoint."""

    def __init__(
        self,
        base_url: str | None,
        api_key: str,
        model: str,
        *,
        limiter: RateLimiter,
        retry: RetryPolicy,
        prices: PriceTable,
        timeout: float = 60.0,
        max_reply_attempts: int = 1 + MAX_FOLLOW_UPS,
    ) -> None:
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.model = model
        self.limiter = limiter
        self.retry = retry
        self.prices = prices
        self.max_reply_attempts = max(1, max_reply_attempts)
        self._api_key = api_key
        self._client = openai.OpenAI(base_url=self.base_url, api_key=api_key, max_retries=0, timeout=timeout)
        self.host = urlsplit(self.base_url).netloc or self.base_url
        self._cache_key = prompt_cache_key(model)

    def __repr__(self) -> str:
        return f"LLMClient(base_url={self.base_url!r}, model={self.model!r})"

    # -- public ----------------------------------------------------------------------------------

    def estimate_request_tokens(
        self, scenario: Scenario, columns: Sequence[str] | Mapping[str, Sequence[str]]
    ) -> tuple[int, int]:
        """Estimated (input, output) tokens of the request for this row."""
        return estimate_request_tokens(scenario, columns)

    def generate(
        self,
        scenario: Scenario,
        columns: Sequence[str] | Mapping[str, Sequence[str]],
        cancel: threading.Event | None = None,
    ) -> Generation:
        """Generate ``columns`` (a field plan, or columns generated whole) for ``scenario``.

        A rejected reply is answered with what was wrong with it and asked again. Raises
        ``ReplyRejected`` when every reply was unusable, ``AuthError`` when the key is refused,
        ``LLMRequestError`` for other refused requests, ``ServiceError`` when the endpoint cannot be
        reached or keeps failing, and ``CancelledError`` when ``cancel`` is set.
        """
        plan = as_plan(columns if isinstance(columns, Mapping) else list(dict.fromkeys(columns)))
        messages = build_messages(scenario, plan)
        response_format = vitals_response_format(plan)
        max_out = max_output_tokens(plan)
        usage = Usage()
        sent = [0]
        reason = ""
        for reply_attempt in range(1, self.max_reply_attempts + 1):
            if cancel is not None and cancel.is_set():
                raise CancelledError("The job was cancelled.")
            estimated_in = messages_tokens(messages)  # counted from what is sent, not built again
            completion = self._request(messages, response_format, max_out, estimated_in, sent, cancel)
            usage = usage + _usage_of(completion)
            try:
                verdict = self._check(completion, scenario, plan)
            except _Rejected as exc:
                reason = str(exc)
                log.info("Row %s: reply %d rejected: %s", scenario.row, reply_attempt, reason)
                messages = [*messages, *follow_up(exc.reply, reason)]
                continue
            cost, cost_warnings = self._cost(usage)
            notes = [issue_text(w) for w in verdict.warnings] + cost_warnings
            return Generation(
                verdict.cells, usage, cost, sent[0], notes, verdict.generated, list(verdict.warnings)
            )
        cost, _ = self._cost(usage)
        tries = "once" if self.max_reply_attempts == 1 else f"{self.max_reply_attempts} times"
        raise ReplyRejected(f"The model's reply was rejected {tries}; last: {reason}", usage, cost, sent[0])

    # -- one request, under the retry policy -----------------------------------------------------------

    def _request(
        self,
        messages: Sequence[Mapping[str, str]],
        response_format: dict[str, Any],
        max_out: int,
        estimated_in: int,
        sent: list[int],
        cancel: threading.Event | None,
    ) -> Any:
        budget = estimated_in + max_out  # providers count the output cap against tokens/min
        request: dict[str, Any] = {
            "model": self.model,
            "messages": list(messages),
            "response_format": response_format,
            "temperature": TEMPERATURE,
            "max_completion_tokens": max_out,
            "prompt_cache_key": self._cache_key,
        }

        def once() -> Any:
            self.limiter.acquire(budget, cancel)
            sent[0] += 1
            raw = self._client.chat.completions.with_raw_response.create(**request)
            self.limiter.update_from_headers(raw.headers)
            completion = raw.parse()
            prompt_tokens = getattr(completion.usage, "prompt_tokens", None)
            if isinstance(prompt_tokens, int):
                self.limiter.settle(budget, prompt_tokens + max_out)
            return completion

        def on_retry(exc: BaseException, delay: float, attempt: int) -> None:
            headers = headers_of(exc)
            if headers:
                self.limiter.update_from_headers(headers)
            if getattr(exc, "status_code", None) == 429:
                hinted = parse_retry_after(headers)
                self.limiter.penalize(hinted if hinted is not None else delay)
            log.warning(
                "Request to %s failed (%s); retry %d in %.2f s.", self.host, failure_kind(exc), attempt, delay
            )

        try:
            return self.retry.run(once, cancel=cancel, on_retry=on_retry)
        except SimBatchError:
            raise
        except openai.OpenAIError as exc:
            raise self._translate(exc, sent[0]) from None

    def _translate(self, exc: openai.OpenAIError, attempts: int) -> SimBatchError:
        """A typed, key-free error for an SDK failure that the retry policy gave up on or never retried."""
        if isinstance(exc, openai.APIConnectionError):  # includes timeouts
            return ServiceError(f"The LLM service at {self.host} could not be reached.")
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            if status in (401, 403):
                return AuthError(KEY_REFUSED)
            if status == 429 or status >= 500:
                return ServiceError(
                    f"The LLM service at {self.host} kept failing (HTTP {status}) after {attempts} attempts."
                )
            detail = redact(api_error_message(exc), self._api_key).rstrip(".")
            return LLMRequestError(f"The LLM service refused the request (HTTP {status}): {detail}.", status)
        detail = redact(str(exc), self._api_key).rstrip(".")
        return ServiceError(f"The LLM service at {self.host} failed: {detail}.")

    # -- checking a reply ------------------------------------------------------------------------

    def _check(self, completion: Any, scenario: Scenario, plan: Mapping[str, Sequence[str]]) -> Verdict:
        choices = getattr(completion, "choices", None) or []
        if not choices:
            raise _Rejected("The reply had no answer in it.", None)
        choice = choices[0]
        message = choice.message
        refusal = getattr(message, "refusal", None)
        try:
            return judge_reply(message.content, choice.finish_reason, refusal, scenario, plan)
        except ReplyError as exc:
            raise _Rejected(exc.reason, message.content or refusal) from None

    def _cost(self, usage: Usage) -> tuple[float, list[str]]:
        if not self.prices.knows(self.model):
            return 0.0, [f"No price is known for the model {self.model}; its cost is counted as $0."]
        usd = self.prices.cost(self.model, usage.input_tokens, usage.cached_tokens, usage.output_tokens)
        return usd, []


def _usage_of(completion: Any) -> Usage:
    usage = getattr(completion, "usage", None)
    if usage is None:
        return Usage()
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or 0
    return Usage(int(usage.prompt_tokens or 0), int(cached), int(usage.completion_tokens or 0))


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


def require_openai_key() -> str:
    """The OpenAI API key (``OPENAI_API_KEY`` or the keyring); ``AuthError`` when none is set."""
    key = get_openai_key()
    if not key:
        raise AuthError("No OpenAI API key is set; enter it in Settings or set OPENAI_API_KEY.")
    return key


def resolve_base_url(configured: str | None) -> str:
    """The endpoint: the settings value, else ``OPENAI_BASE_URL``, else the OpenAI default."""
    for candidate in (configured, os.environ.get("OPENAI_BASE_URL")):
        if candidate and candidate.strip():
            return candidate.strip()
    return DEFAULT_BASE_URL


def from_settings(
    settings: _HasLLMSettings,
    *,
    limiter: RateLimiter | None = None,
    retry: RetryPolicy | None = None,
    timeout: float = 60.0,
) -> LLMClient:
    """A client configured from the user's settings, the environment and the keyring."""
    return LLMClient(
        resolve_base_url(settings.openai_base_url),
        require_openai_key(),
        settings.model,
        limiter=limiter or RateLimiter(settings.requests_per_minute, settings.tokens_per_minute),
        retry=retry or RetryPolicy(),
        prices=PriceTable.load(settings.price_overrides),
        timeout=timeout,
    )
