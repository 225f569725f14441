"""The one retry policy: what is retried, how long it waits, Retry-After, cancellation."""

from __future__ import annotations

import email.utils
import socket
import threading
from collections.abc import Callable

import httpx2
import openai
import pytest

from desktop.errors import CancelledError
from desktop.services.retry import RetryPolicy, cancellable_sleep, parse_retry_after

URL = "http://127.0.0.1:1/v1/chat/completions"


def api_error(status: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    request = httpx2.Request("POST", URL)
    response = httpx2.Response(status, headers=headers or {}, request=request)
    classes: dict[int, type[openai.APIStatusError]] = {
        400: openai.BadRequestError,
        401: openai.AuthenticationError,
        403: openai.PermissionDeniedError,
        404: openai.NotFoundError,
        422: openai.UnprocessableEntityError,
        429: openai.RateLimitError,
        500: openai.InternalServerError,
    }
    cls = classes.get(status, openai.APIStatusError)
    return cls(f"status {status}", response=response, body=None)


class FakeSleeper:
    """Records requested waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float, cancel: threading.Event | None) -> None:
        self.waits.append(seconds)


def policy(**kwargs: object) -> tuple[RetryPolicy, FakeSleeper]:
    sleeper = FakeSleeper()
    base: dict[str, object] = {
        "max_attempts": 6,
        "base": 0.5,
        "cap": 30.0,
        "jitter": False,
        "sleeper": sleeper,
    }
    base.update(kwargs)
    return RetryPolicy(**base), sleeper  # type: ignore[arg-type]


def failing(errors: list[BaseException], result: str = "ok") -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def fn() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return result

    return calls, fn


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried(status: int) -> None:
    p, sleeper = policy()
    calls, fn = failing([api_error(status), api_error(status)])
    assert p.call(fn) == "ok"
    assert len(calls) == 3
    assert sleeper.waits == [0.5, 1.0]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_not_retried(status: int) -> None:
    p, sleeper = policy()
    calls, fn = failing([api_error(status)])
    with pytest.raises(openai.APIStatusError):
        p.call(fn)
    assert len(calls) == 1
    assert sleeper.waits == []


def test_timeouts_and_connection_errors_are_retried() -> None:
    request = httpx2.Request("POST", URL)
    p, _ = policy()
    errors: list[BaseException] = [
        openai.APITimeoutError(request=request),
        openai.APIConnectionError(request=request),
        TimeoutError("slow"),
        ConnectionResetError("reset"),
        socket.gaierror("dns"),
    ]
    calls, fn = failing(errors)
    assert p.call(fn) == "ok"
    assert len(calls) == 6


def test_unknown_exceptions_are_not_retried() -> None:
    p, _ = policy()
    calls, fn = failing([ValueError("bug")])
    with pytest.raises(ValueError):
        p.call(fn)
    assert len(calls) == 1


def test_gives_up_after_max_attempts_and_reraises_last_error() -> None:
    p, sleeper = policy(max_attempts=3)
    calls, fn = failing([api_error(503) for _ in range(5)])
    with pytest.raises(openai.APIStatusError):
        p.call(fn)
    assert len(calls) == 3
    assert len(sleeper.waits) == 2


def test_backoff_is_exponential_and_capped() -> None:
    p, _ = policy(base=1.0, cap=5.0)
    assert [p.backoff(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_jitter_stays_between_half_and_full_delay() -> None:
    low, _ = policy(jitter=True, rng=lambda: 0.0, base=2.0)
    high, _ = policy(jitter=True, rng=lambda: 0.999999, base=2.0)
    assert low.backoff(2) == pytest.approx(2.0)
    assert high.backoff(2) == pytest.approx(4.0, rel=1e-5)


def test_retry_after_seconds_header_is_honoured() -> None:
    p, sleeper = policy(cap=0.05)
    _calls, fn = failing([api_error(429, {"retry-after": "7"})])
    assert p.call(fn) == "ok"
    assert sleeper.waits == [7.0]


def test_retry_after_ms_wins_over_retry_after() -> None:
    p, sleeper = policy()
    _calls, fn = failing([api_error(429, {"retry-after-ms": "250", "retry-after": "9"})])
    p.call(fn)
    assert sleeper.waits == [0.25]


def test_retry_after_is_capped() -> None:
    p, sleeper = policy(retry_after_cap=10.0)
    _calls, fn = failing([api_error(503, {"retry-after": "3600"})])
    p.call(fn)
    assert sleeper.waits == [10.0]


def test_retry_after_http_date() -> None:
    now = 1_800_000_000.0
    date = email.utils.formatdate(now + 12, usegmt=True)
    assert parse_retry_after({"retry-after": date}, now=now) == pytest.approx(12.0)
    assert parse_retry_after({"retry-after": "garbage"}, now=now) is None
    assert parse_retry_after({}, now=now) is None


def test_custom_classifier_is_asked_first() -> None:
    class SheetsQuotaError(Exception):
        pass

    p, _ = policy()
    p = p.with_classifier(lambda exc: True if isinstance(exc, SheetsQuotaError) else None)
    calls, fn = failing([SheetsQuotaError(), SheetsQuotaError()])
    assert p.call(fn) == "ok"
    assert len(calls) == 3


def test_googleapiclient_http_error_statuses() -> None:
    import httplib2
    from googleapiclient.errors import HttpError

    p, _ = policy()
    quota = HttpError(httplib2.Response({"status": 429, "retry-after": "2"}), b"{}")
    forbidden = HttpError(httplib2.Response({"status": 403}), b"{}")
    assert p.is_retryable(quota)
    assert not p.is_retryable(forbidden)
    assert p.wait_for(quota, 1) == 2.0


def test_on_retry_hook_sees_each_failure() -> None:
    p, _ = policy()
    seen: list[tuple[str, float, int]] = []
    _calls, fn = failing([api_error(500), api_error(429, {"retry-after": "1"})])
    p.run(fn, on_retry=lambda exc, delay, n: seen.append((type(exc).__name__, delay, n)))
    assert seen == [("InternalServerError", 0.5, 1), ("RateLimitError", 1.0, 2)]


def test_cancel_aborts_the_wait() -> None:
    cancel = threading.Event()
    cancel.set()
    p = RetryPolicy(base=10.0, cap=10.0)
    calls, fn = failing([api_error(500)])
    with pytest.raises(CancelledError):
        p.run(fn, cancel=cancel)
    assert len(calls) == 1


def test_cancellable_sleep_returns_when_not_cancelled() -> None:
    cancellable_sleep(0.0, threading.Event())
    cancellable_sleep(0.0, None)
