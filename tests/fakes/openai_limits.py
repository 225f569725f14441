"""Sliding 60-second request and token windows, as the fake OpenAI server enforces them, and the
``x-ratelimit-*`` headers that report them."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

WINDOW_SECONDS = 60.0
#: Limits reported when the fake is not asked to enforce one (large, like a high usage tier).
DEFAULT_RPM = 10_000
DEFAULT_TPM = 10_000_000


def format_reset(seconds: float) -> str:
    """A duration in the real API's header style: ``"20ms"``, ``"1s"``, ``"17.5s"``, ``"6m0s"``."""
    if seconds <= 0:
        return "0s"
    if seconds < 1:
        return f"{max(1, round(seconds * 1000))}ms"
    minutes, secs = divmod(seconds, 60.0)
    text = f"{secs:.3f}".rstrip("0").rstrip(".")
    return f"{int(minutes)}m{text}s" if minutes else f"{text}s"


@dataclass(frozen=True)
class Verdict:
    """Outcome of one admission: ``kind`` is ``None`` when admitted, else ``"requests"``/``"tokens"``
    with the seconds to wait and the numbers for the error message."""

    kind: str | None
    retry_after: float = 0.0
    limit: int = 0
    used: int = 0
    requested: int = 0


class SlidingLimiter:
    """Requests-per-minute and tokens-per-minute over sliding 60-second windows. Rejected requests do
    not count."""

    def __init__(self, rpm_limit: int | None, tpm_limit: int | None) -> None:
        self.rpm_limit = rpm_limit
        self.tpm_limit = tpm_limit
        self._events: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()

    def _prune(self, now: float) -> None:
        while self._events and self._events[0][0] <= now - WINDOW_SECONDS:
            self._events.popleft()

    def _wait_for_tokens(self, now: float, needed: int) -> float:
        """Seconds until at least ``needed`` tokens have left the window."""
        freed = 0
        for stamp, tokens in self._events:
            freed += tokens
            if freed >= needed:
                return stamp + WINDOW_SECONDS - now
        return WINDOW_SECONDS

    def admit(self, tokens: int) -> Verdict:
        """Count a request of ``tokens`` if both windows have room; otherwise say which limit it hit."""
        now = time.monotonic()
        with self._lock:
            self._prune(now)
            used_requests = len(self._events)
            if self.rpm_limit is not None and used_requests + 1 > self.rpm_limit:
                wait = self._events[0][0] + WINDOW_SECONDS - now if self._events else WINDOW_SECONDS
                return Verdict("requests", max(wait, 0.001), self.rpm_limit, used_requests, 1)
            used_tokens = sum(t for _, t in self._events)
            if self.tpm_limit is not None and used_tokens + tokens > self.tpm_limit:
                wait = self._wait_for_tokens(now, used_tokens + tokens - self.tpm_limit)
                return Verdict("tokens", max(wait, 0.001), self.tpm_limit, used_tokens, tokens)
            self._events.append((now, tokens))
            return Verdict(None)

    def headers(self) -> dict[str, str]:
        """The six ``x-ratelimit-*`` headers for the windows as they are now. ``reset`` is the time
        until the oldest counted request (and its tokens) leaves the window."""
        now = time.monotonic()
        with self._lock:
            self._prune(now)
            used_requests = len(self._events)
            used_tokens = sum(t for _, t in self._events)
            reset = self._events[0][0] + WINDOW_SECONDS - now if self._events else 0.0
        rpm = self.rpm_limit if self.rpm_limit is not None else DEFAULT_RPM
        tpm = self.tpm_limit if self.tpm_limit is not None else DEFAULT_TPM
        return {
            "x-ratelimit-limit-requests": str(rpm),
            "x-ratelimit-remaining-requests": str(max(0, rpm - used_requests)),
            "x-ratelimit-reset-requests": format_reset(reset),
            "x-ratelimit-limit-tokens": str(tpm),
            "x-ratelimit-remaining-tokens": str(max(0, tpm - used_tokens)),
            "x-ratelimit-reset-tokens": format_reset(reset),
        }
