"""Client-side rate limits: requests and tokens per minute for the model endpoint (``RateLimiter``),
and calls per window for Google Sheets (``SlidingWindowLimiter``); each is shared by all workers.

Model requests are spread evenly instead of bursting: each request reserves an interval on a requests
timeline (60 s / RPM) and on a tokens timeline (its tokens / TPM), scheduled at ``headroom``
(97 %) of the limits, so a long run stays just under both. Limits are learnt from the
``x-ratelimit-*`` response headers; ``penalize`` after a 429 pauses every worker.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping

from desktop.services.retry import Sleeper, cancellable_sleep

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


def parse_reset(value: str) -> float | None:
    """Seconds in an OpenAI reset header: ``"1s"``, ``"6m0s"``, ``"20ms"``, ``"1h2m3.5s"`` or ``"0.5"``."""
    text = value.strip().lower()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    factor = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    return sum(float(number) * factor[unit] for number, unit in parts)


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return int(float(str(raw).strip()))
    except ValueError:
        return None


class RateLimiter:
    """Thread-safe requests/min and tokens/min limiter; ``None`` for a limit means "not limited"."""

    def __init__(
        self,
        requests_per_minute: float | None = None,
        tokens_per_minute: float | None = None,
        *,
        headroom: float = 0.97,
        clock: Callable[[], float] = time.monotonic,
        sleeper: Sleeper = cancellable_sleep,
    ) -> None:
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self.headroom = headroom
        self._clock = clock
        self._sleeper = sleeper
        self._lock = threading.Lock()
        self._next_request = 0.0  # earliest time the next request may start
        self._next_tokens = 0.0  # time when the tokens already sent are "paid off"
        self._paused_until = 0.0
        self._last_tokens = 0

    # -- waiting ---------------------------------------------------------------------------------

    def acquire(self, tokens: int, cancel: threading.Event | None = None) -> None:
        """Block until one request of ``tokens`` tokens fits both budgets, then reserve it.

        Raises ``CancelledError`` when ``cancel`` is set while waiting.
        """
        tokens = max(0, int(tokens))
        while True:
            with self._lock:
                now = self._clock()
                start = self._earliest_start(now)
                if start <= now:
                    self._reserve(now, tokens)
                    return
                delay = start - now
            self._sleeper(delay, cancel)

    def delay_for(self, tokens: int) -> float:
        """How long a request of ``tokens`` tokens would wait now (no reservation made)."""
        del tokens  # the wait depends on what was already sent, not on this request's size
        with self._lock:
            now = self._clock()
            return max(0.0, self._earliest_start(now) - now)

    def _earliest_start(self, now: float) -> float:
        start = max(now, self._paused_until)
        if self.requests_per_minute:
            start = max(start, self._next_request)
        if self.tokens_per_minute:
            start = max(start, self._next_tokens)
        return start

    def _reserve(self, now: float, tokens: int) -> None:
        self._last_tokens = tokens
        if self.requests_per_minute:
            interval = 60.0 / (self.requests_per_minute * self.headroom)
            self._next_request = max(now, self._next_request) + interval
        if self.tokens_per_minute:
            self._next_tokens = max(now, self._next_tokens) + self._token_seconds(tokens)

    def _token_seconds(self, tokens: int) -> float:
        assert self.tokens_per_minute
        return 60.0 * tokens / (self.tokens_per_minute * self.headroom)

    # -- learning --------------------------------------------------------------------------------

    def settle(self, estimated_tokens: int, actual_tokens: int) -> None:
        """Correct the tokens timeline once the real usage of a request is known."""
        with self._lock:
            if self.tokens_per_minute and actual_tokens != estimated_tokens:
                self._next_tokens += self._token_seconds(actual_tokens - estimated_tokens)

    def update_from_headers(self, headers: Mapping[str, str]) -> None:
        """Learn limits and remaining budgets from ``x-ratelimit-*`` headers of a response."""
        lowered = {str(k).lower(): str(v) for k, v in headers.items()}
        with self._lock:
            now = self._clock()
            for kind in ("requests", "tokens"):
                limit = _int_header(lowered, f"x-ratelimit-limit-{kind}")
                remaining = _int_header(lowered, f"x-ratelimit-remaining-{kind}")
                reset_raw = lowered.get(f"x-ratelimit-reset-{kind}")
                reset = parse_reset(reset_raw) if reset_raw is not None else None
                if limit and limit > 0:
                    self._learn_limit(kind, limit)
                if remaining is not None and reset is not None:
                    self._respect_remaining(kind, remaining, now + reset)

    def _learn_limit(self, kind: str, limit: int) -> None:
        # The provider's own figure replaces the starting value from settings, up or down: settings
        # only guess the account's tier, and staying under the real limit is the point.
        if kind == "requests":
            self.requests_per_minute = float(limit)
        else:
            self.tokens_per_minute = float(limit)

    def _respect_remaining(self, kind: str, remaining: int, reset_at: float) -> None:
        if kind == "requests" and remaining <= 0:
            self._next_request = max(self._next_request, reset_at)
        elif kind == "tokens" and remaining < max(1, self._last_tokens):
            self._next_tokens = max(self._next_tokens, reset_at)

    def penalize(self, retry_after: float) -> None:
        """After a 429: nobody sends anything for ``retry_after`` seconds."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + max(0.0, retry_after))


class SlidingWindowLimiter:
    """At most ``limit`` calls in any ``window`` seconds; callers over the limit wait their turn.

    A call counts from when it starts until ``window`` seconds after it finished (``finish``), so
    the server, which sees it a little later than we send it, never counts more than ``limit``.
    """

    def __init__(
        self,
        limit: int,
        window: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleeper: Sleeper = cancellable_sleep,
    ) -> None:
        self.limit = max(1, limit)
        self.window = window
        self._clock = clock
        self._sleeper = sleeper
        self._lock = threading.Lock()
        self._times: dict[int, float] = {}  # call number -> start, then finish time
        self._next = 0

    def acquire(self) -> int:
        """Block until one more call fits in the window, record it and return its number."""
        while True:
            with self._lock:
                now = self._clock()
                for number, when in list(self._times.items()):
                    if when <= now - self.window:
                        del self._times[number]
                if len(self._times) < self.limit:
                    self._next += 1
                    self._times[self._next] = now
                    return self._next
                delay = min(self._times.values()) + self.window - now
            self._sleeper(max(delay, 0.001), None)

    def finish(self, number: int) -> None:
        """The call ``number`` is over: its window runs from now."""
        with self._lock:
            if number in self._times:
                self._times[number] = self._clock()
