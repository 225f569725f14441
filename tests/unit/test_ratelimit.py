"""The shared limiter: smooth spacing, token budgets, learnt headers, 429 pauses, cancellation."""

from __future__ import annotations

import threading
import time

import pytest

from desktop.errors import CancelledError
from desktop.services.ratelimit import RateLimiter, parse_reset


class FakeTime:
    """A clock that only moves when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float, cancel: threading.Event | None) -> None:
        if cancel is not None and cancel.is_set():
            raise CancelledError("The job was cancelled.")
        self.sleeps.append(seconds)
        self.now += seconds


def limiter(rpm: float | None = None, tpm: float | None = None) -> tuple[RateLimiter, FakeTime]:
    t = FakeTime()
    return RateLimiter(rpm, tpm, clock=t.clock, sleeper=t.sleep), t


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("20ms", 0.02),
        ("1h2m3.5s", 3723.5),
        ("0.5", 0.5),
        ("", None),
        ("x", None),
    ],
)
def test_parse_reset(text: str, seconds: float | None) -> None:
    assert parse_reset(text) == (pytest.approx(seconds) if seconds is not None else None)


def test_unlimited_never_waits() -> None:
    rl, t = limiter()
    for _ in range(100):
        rl.acquire(10_000)
    assert t.sleeps == []


def test_requests_are_spread_evenly_just_under_the_limit() -> None:
    rl, t = limiter(rpm=60)
    start = t.now
    for _ in range(61):
        rl.acquire(1)
    elapsed = t.now - start
    # 60 intervals at 97 % of 60/min: a little over a minute, never a burst.
    assert elapsed == pytest.approx(60 / 0.97, rel=1e-6)
    assert max(t.sleeps) == pytest.approx(1 / 0.97)


def test_token_budget_spaces_big_requests() -> None:
    rl, t = limiter(tpm=10_000)
    rl.acquire(5_000)
    rl.acquire(5_000)
    rl.acquire(5_000)
    # Two requests of 5,000 tokens use a minute of a 10,000/min budget (at 97 %).
    assert t.now - 1000.0 == pytest.approx(60 / 0.97, rel=1e-6)


def test_settle_corrects_estimates() -> None:
    rl, _ = limiter(tpm=6_000)
    rl.acquire(100)
    rl.settle(100, 1_000)  # the request really used 1,000 tokens
    assert rl.delay_for(1) == pytest.approx(60 * 1_000 / (6_000 * 0.97))


def test_headers_teach_the_limits() -> None:
    rl, _ = limiter()
    rl.update_from_headers(
        {
            "x-ratelimit-limit-requests": "120",
            "x-ratelimit-remaining-requests": "119",
            "x-ratelimit-reset-requests": "500ms",
            "x-ratelimit-limit-tokens": "200000",
            "x-ratelimit-remaining-tokens": "199000",
            "x-ratelimit-reset-tokens": "6m0s",
        }
    )
    assert rl.requests_per_minute == 120
    assert rl.tokens_per_minute == 200_000
    rl.acquire(10)
    assert rl.delay_for(10) == pytest.approx(60 / (120 * 0.97))


def test_the_providers_limit_replaces_the_starting_one_both_ways() -> None:
    rl, _ = limiter(rpm=30, tpm=200_000)
    rl.update_from_headers({"X-RateLimit-Limit-Requests": "500", "x-ratelimit-limit-tokens": "2000000"})
    assert rl.requests_per_minute == 500 and rl.tokens_per_minute == 2_000_000
    rl.update_from_headers({"x-ratelimit-limit-requests": "20"})
    assert rl.requests_per_minute == 20


def test_exhausted_remaining_waits_for_reset() -> None:
    rl, t = limiter(rpm=10_000)
    rl.update_from_headers({"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "2s"})
    rl.acquire(1)
    assert t.now - 1000.0 == pytest.approx(2.0)


def test_penalize_pauses_everyone() -> None:
    rl, t = limiter()
    rl.penalize(3.5)
    assert rl.delay_for(1) == pytest.approx(3.5)
    rl.acquire(1)
    assert t.now - 1000.0 == pytest.approx(3.5)


def test_cancel_while_waiting() -> None:
    rl, _ = limiter(rpm=1)
    rl.acquire(1)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CancelledError):
        rl.acquire(1, cancel)


def test_threads_share_the_budget_without_bursting() -> None:
    """Real clock, real threads: 4 workers x 3 requests at 1,200/min take at least 11 intervals."""
    rl = RateLimiter(1200, None)
    begin = time.monotonic()

    def worker() -> None:
        for _ in range(3):
            rl.acquire(1)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.monotonic() - begin
    interval = 60 / (1200 * 0.97)
    assert 11 * interval * 0.95 <= elapsed < 11 * interval + 2.0
