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
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from desktop.domain.enrichment import as_plan
from desktop.domain.llm_schema import ReplyError, vitals_response_format
from desktop.domain.models import Scenario
from desktop.domain.output_modes import OutputMode, modes_from, next_mode, shape_request
from desktop.domain.pricing import PriceTable
from desktop.domain.prompts import (
    build_messages,
    estimate_request_tokens,
    max_output_tokens,
    messages_tokens,
    prompt_cache_key,
)
from desktop.domain.reply_policy import MAX_FOLLOW_UPS, Verdict, follow_up, issue_text, judge_reply
from desktop.errors import AuthError, CancelledError, InputError, ServiceError, SimBatchError, short_text
from desktop.org_config import OPENAI_ENDPOINT
from desktop.services.generation import Generation, LLMRequestError, ReplyRejected, Usage
from desktop.services.llm_wire import (
    api_error_message,
    classify_format_refusal,
    extract_reply_json,
    failure_kind,
    is_format_refusal,
    redact,
)
from desktop.services.output_memory import OutputMemory
from desktop.services.ratelimit import RateLimiter
from desktop.services.retry import RetryPolicy, headers_of, parse_retry_after
from desktop.services.secrets import get_openai_key

if TYPE_CHECKING:
    # The SDK takes about 2 s to import: it is imported where it is used, never at start-up
    # (tests/gui/test_startup_imports.py).
    import openai

log = logging.getLogger(__name__)

TEMPERATURE = 0.2
KEY_REFUSED = "The OpenAI API key was refused; check it in Settings or OPENAI_API_KEY."
#: Sent as the key to a local server (the SDK needs one; the user's OpenAI key never goes there).
LOCAL_KEY = "local-no-key"
#: A local model on a CPU may need minutes for its first request (the long system prompt is evaluated
#: once, then reused from its cache) and requests wait in the server's queue one after another.
LOCAL_TIMEOUT_SEC = 600.0


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
    @property
    def llm_provider(self) -> str: ...
    @property
    def local_base_url(self) -> str: ...
    @property
    def local_model(self) -> str: ...


class _Rejected(Exception):
    """One reply failed the checks (internal: triggers asking again)."""

    def __init__(self, reason: str, reply: str | None) -> None:
        super().__init__(reason)
        self.reply = reply


class _FormatRefused(Exception):
    """The endpoint refused the way the request asked for JSON (internal: try the next way)."""

    def __init__(self, mode: OutputMode, status: int, detail: str) -> None:
        super().__init__(f"{mode.value} (HTTP {status}: {detail})")
        self.mode = mode


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
        memory: OutputMemory | None = None,
        free: bool = False,
    ) -> None:
        self.base_url = (base_url or OPENAI_ENDPOINT).rstrip("/")
        self.model = model
        self.limiter = limiter
        self.retry = retry.with_classifier(classify_format_refusal)
        self.memory = memory
        self.free = free  # a local model: replies cost nothing
        #: The JSON output mode known to work here (remembered, or found by the first request).
        self.output_mode: OutputMode | None = memory.get(self.base_url, model) if memory else None
        self._probe_lock = threading.Lock()
        self.prices = prices
        self.max_reply_attempts = max(1, max_reply_attempts)
        self._api_key = api_key
        import openai

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
        reason = self._explain(reason)
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
            "temperature": TEMPERATURE,
            "max_completion_tokens": max_out,
            "prompt_cache_key": self._cache_key,
        }
        return self._adaptive(request, response_format, budget, sent, cancel)

    # -- asking for JSON the way the endpoint accepts ----------------------------------------------

    def _adaptive(
        self,
        request: dict[str, Any],
        response_format: dict[str, Any],
        budget: int,
        sent: list[int],
        cancel: threading.Event | None,
    ) -> Any:
        """Send with the known output mode; when none is known (or it stopped working) probe the modes
        in order, one request at a time, and remember the first that the endpoint accepts."""
        failed: OutputMode | None = None
        known = self.output_mode
        if known is not None:
            try:
                return self._send(request, response_format, known, budget, sent, cancel)
            except _FormatRefused:
                failed = known
        with self._probe_lock:
            current = self.output_mode
            if current is not None and current != failed:
                start: OutputMode | None = current  # found by another worker while this one waited
            else:
                start = next_mode(failed) if failed is not None else None
                if failed is OutputMode.PROMPT:
                    start = OutputMode.PROMPT
            refusals: list[_FormatRefused] = []
            for mode in modes_from(start):
                try:
                    completion = self._send(request, response_format, mode, budget, sent, cancel)
                except _FormatRefused as exc:
                    log.info("The LLM server at %s refused %s; trying the next way.", self.host, exc)
                    refusals.append(exc)
                    continue
                except LLMRequestError as exc:
                    if refusals:
                        raise self._unsupported(refusals, str(exc)) from None
                    raise
                self._learn(mode)
                return completion
            raise self._unsupported(refusals, None)  # pragma: no cover - PROMPT is never a format refusal

    def _send(
        self,
        request: dict[str, Any],
        response_format: dict[str, Any],
        mode: OutputMode,
        budget: int,
        sent: list[int],
        cancel: threading.Event | None,
    ) -> Any:
        import openai

        shaped = shape_request(request, response_format, mode)
        max_out = int(request["max_completion_tokens"])

        def once() -> Any:
            self.limiter.acquire(budget, cancel)
            sent[0] += 1
            raw = self._client.chat.completions.with_raw_response.create(**shaped)
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
            completion = self.retry.run(once, cancel=cancel, on_retry=on_retry)
        except SimBatchError:
            raise
        except openai.APIStatusError as exc:
            if mode is not OutputMode.PROMPT and is_format_refusal(exc):
                detail = redact(api_error_message(exc), self._api_key)
                raise _FormatRefused(mode, exc.status_code, short_text(detail, 160)) from None
            raise self._translate(exc, sent[0]) from None
        except openai.OpenAIError as exc:
            raise self._translate(exc, sent[0]) from None
        if mode.tolerant:
            extract_reply_json(completion)
        return completion

    def _learn(self, mode: OutputMode) -> None:
        if self.output_mode is mode:
            return
        self.output_mode = mode
        log.info("The LLM server at %s accepts %s; later requests use it.", self.host, mode.label)
        if self.memory is not None:
            self.memory.put(self.base_url, self.model, mode)

    def _unsupported(self, refusals: list[_FormatRefused], last: str | None) -> LLMRequestError:
        tried = " and ".join(str(r) for r in refusals)
        message = f"The LLM server at {self.host} does not support JSON output: it refused {tried}"
        if last:
            message += f"; a request with the schema in the prompt failed too: {last.rstrip('.')}"
        return LLMRequestError(message + ".", 400)

    def _explain(self, reason: str) -> str:
        """A rejection reason, with why when a server without JSON output answered without JSON."""
        if self.output_mode is OutputMode.PROMPT and "not valid JSON" in reason:
            return (
                f"{reason.rstrip('.')} (the server at {self.host} does not support JSON output, so the "
                "schema was given in the prompt, and the model did not answer with JSON)."
            )
        return reason

    def _translate(self, exc: openai.OpenAIError, attempts: int) -> SimBatchError:
        """A typed, key-free error for an SDK failure that the retry policy gave up on or never retried."""
        import openai

        if isinstance(exc, openai.APIConnectionError):  # includes timeouts
            return ServiceError(f"The LLM service at {self.host} could not be reached.")
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            if status in (401, 403) and self._api_key == LOCAL_KEY:
                return AuthError(
                    f"The server at {self.host} asks for an API key; enter it in Settings "
                    "or set OPENAI_API_KEY."
                )
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
        if self.free:
            return 0.0, []
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


def require_openai_key() -> str:
    """The OpenAI API key (``OPENAI_API_KEY`` or the keyring); ``AuthError`` when none is set."""
    key = get_openai_key()
    if not key:
        raise AuthError("No OpenAI API key is set; enter it in Settings or set OPENAI_API_KEY.")
    return key


def resolve_base_url(configured: str | None) -> str:
    """The endpoint: the settings value, else ``OPENAI_BASE_URL``, else the OpenAI default.

    The settings value is the organisation's when its file locks the endpoint (``load_settings``), so
    the environment never overrides a locked endpoint.
    """
    for candidate in (configured, os.environ.get("OPENAI_BASE_URL")):
        if candidate and candidate.strip():
            return candidate.strip()
    return OPENAI_ENDPOINT


def from_settings(
    settings: _HasLLMSettings,
    *,
    limiter: RateLimiter | None = None,
    retry: RetryPolicy | None = None,
    timeout: float = 60.0,
    memory: OutputMemory | None = None,
) -> LLMClient:
    """A client configured from the user's settings, the environment and the keyring.

    With the local provider the client talks to the user's own OpenAI-compatible server: no key is
    needed (none is sent), and its replies cost nothing.
    """
    local = settings.llm_provider == "local"
    if local and not settings.local_model.strip():
        raise InputError("Choose the local model in Settings (Local model → Model) first.")
    return LLMClient(
        settings.local_base_url if local else resolve_base_url(settings.openai_base_url),
        LOCAL_KEY if local else require_openai_key(),
        settings.local_model.strip() if local else settings.model,
        limiter=limiter or RateLimiter(settings.requests_per_minute, settings.tokens_per_minute),
        retry=retry or RetryPolicy(),
        prices=PriceTable.load(settings.price_overrides),
        timeout=max(timeout, LOCAL_TIMEOUT_SEC) if local else timeout,
        memory=memory if memory is not None else OutputMemory(),
        free=local,
    )
