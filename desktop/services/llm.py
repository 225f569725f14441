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
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from desktop.domain.enrichment import as_plan
from desktop.domain.llm_schema import vitals_response_format
from desktop.domain.models import Scenario
from desktop.domain.output_modes import OutputMode, shape_request
from desktop.domain.pricing import PriceTable
from desktop.domain.prompts import (
    build_messages,
    estimate_request_tokens,
    max_output_tokens,
    messages_tokens,
    prompt_cache_key,
)
from desktop.domain.reply_policy import MAX_FOLLOW_UPS, follow_up, issue_text
from desktop.errors import CancelledError, InputError, SimBatchError, short_text
from desktop.org_config import OPENAI_ENDPOINT
from desktop.services.generation import Generation, ReplyRejected, Usage
from desktop.services.llm_access import LOCAL_KEY, openai_client, require_openai_key, resolve_base_url
from desktop.services.llm_errors import translate_error
from desktop.services.llm_wire import (
    CHAT_COMPLETIONS_PATH,
    UnusableReply,
    api_error_message,
    classify_format_refusal,
    completion_from,
    extract_reply_json,
    failure_kind,
    is_format_refusal,
    judge_completion,
    redact,
    usage_of,
)
from desktop.services.output_memory import OutputMemory
from desktop.services.output_probe import FormatRefused, OutputModeProbe
from desktop.services.ratelimit import RateLimiter
from desktop.services.retry import RetryPolicy, headers_of, parse_retry_after

if TYPE_CHECKING:
    # The SDK takes about 2 s to import: it is imported where it is used, never at start-up
    # (tests/gui/test_startup_imports.py).
    pass

log = logging.getLogger(__name__)

TEMPERATURE = 0.2
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
        self.free = free  # a local model: replies cost nothing
        self.prices = prices
        self.max_reply_attempts = max(1, max_reply_attempts)
        self._api_key = api_key
        self._client = openai_client(self.base_url, api_key, timeout)
        self.host = urlsplit(self.base_url).netloc or self.base_url
        #: How this endpoint accepts being asked for JSON (remembered, or found by the first request).
        self.output_modes = OutputModeProbe(self.base_url, model, self.host, memory)
        self._cache_key = prompt_cache_key(model)

    def __repr__(self) -> str:
        return f"LLMClient(base_url={self.base_url!r}, model={self.model!r})"

    @property
    def output_mode(self) -> OutputMode | None:
        """The JSON output mode known to work at this endpoint, None before it is found."""
        return self.output_modes.mode

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
            usage = usage + usage_of(completion)
            try:
                verdict = judge_completion(completion, scenario, plan)
            except UnusableReply as exc:
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
        reason = self.output_modes.explain(reason)
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

        def send(mode: OutputMode) -> Any:
            return self._send(request, response_format, mode, budget, sent, cancel)

        return self.output_modes.send(send)

    def _send(
        self,
        request: dict[str, Any],
        response_format: dict[str, Any],
        mode: OutputMode,
        budget: int,
        sent: list[int],
        cancel: threading.Event | None,
    ) -> Any:
        import httpx2
        import openai

        shaped = shape_request(request, response_format, mode)
        max_out = int(request["max_completion_tokens"])

        def once() -> Any:
            self.limiter.acquire(budget, cancel)
            sent[0] += 1
            # Posted as it is, the SDK's documented way for a body it need not check: its typed
            # ``create`` walks every request through the parameter types first, 1 ms of interpreter
            # time per request that the window's thread waited for (bench/gui_latency.py).
            response = self._client.post(CHAT_COMPLETIONS_PATH, cast_to=httpx2.Response, body=shaped)
            self.limiter.update_from_headers(response.headers)
            completion = completion_from(response)
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
                raise FormatRefused(mode, exc.status_code, short_text(detail, 160)) from None
            raise translate_error(exc, self.host, self._api_key, sent[0]) from None
        except openai.OpenAIError as exc:
            raise translate_error(exc, self.host, self._api_key, sent[0]) from None
        if mode.tolerant:
            extract_reply_json(completion)
        return completion

    # -- checking a reply ------------------------------------------------------------------------

    def _cost(self, usage: Usage) -> tuple[float, list[str]]:
        if self.free:
            return 0.0, []
        if not self.prices.knows(self.model):
            return 0.0, [f"No price is known for the model {self.model}; its cost is counted as $0."]
        usd = self.prices.cost(self.model, usage.input_tokens, usage.cached_tokens, usage.output_tokens)
        return usd, []


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
