"""The one retry policy for every outside call: capped, jittered exponential backoff on tenacity.

Retryable: HTTP 429 and 5xx, timeouts, connection failures. Not retryable: every other 4xx
(400, 401, 403, 404, 422 …) and anything unknown. A ``Retry-After`` / ``retry-after-ms`` header
on the failed response sets the wait (capped at ``retry_after_cap``). Waits are cancellable
through a ``threading.Event`` and both the clock and the sleep can be injected for tests.

Other services plug in their own exceptions with a *classifier*: a function that returns
``True`` (retry), ``False`` (do not) or ``None`` (no opinion) for an exception.
"""

from __future__ import annotations

import dataclasses
import email.utils
import http.client
import logging
import random
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import tenacity

from desktop.errors import CancelledError

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Returns True (retry), False (do not retry) or None (no opinion) for an exception.
Classifier = Callable[[BaseException], bool | None]
#: Waits ``seconds`` unless ``cancel`` is set first; raises ``CancelledError`` when cancelled.
Sleeper = Callable[[float, threading.Event | None], None]
#: Called before each wait: (exception, wait in seconds, number of the attempt that failed).
RetryHook = Callable[[BaseException, float, int], None]

RETRYABLE_STATUS_MIN = 500
NON_RETRYABLE_STATUSES = frozenset({400, 401, 403, 404, 405, 409, 410, 413, 415, 422})


def cancellable_sleep(seconds: float, cancel: threading.Event | None = None) -> None:
    """Sleep ``seconds``; when ``cancel`` is set during (or before) the wait, raise ``CancelledError``."""
    if cancel is None:
        if seconds > 0:
            time.sleep(seconds)
        return
    if cancel.wait(max(0.0, seconds)):
        raise CancelledError("The job was cancelled.")


def status_of(exc: BaseException) -> int | None:
    """The HTTP status carried by an exception, if any (openai, googleapiclient and similar)."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return status
    resp = getattr(exc, "resp", None)  # googleapiclient.errors.HttpError keeps an httplib2 response
    status = getattr(resp, "status", None)
    if isinstance(status, int):
        return status
    if isinstance(status, str) and status.isdigit():
        return int(status)
    return None


def headers_of(exc: BaseException) -> Mapping[str, str]:
    """The response headers carried by an exception (lower-case lookups work), else an empty mapping."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is not None and hasattr(headers, "get"):
        return headers  # type: ignore[no-any-return]
    resp = getattr(exc, "resp", None)
    if resp is not None and hasattr(resp, "get"):
        return resp  # type: ignore[no-any-return]
    return {}


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date), else None."""
    raw_ms = _header(headers, "retry-after-ms")
    if raw_ms is not None:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = _header(headers, "retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.title())
    return None if value is None else str(value).strip()


def classify_openai(exc: BaseException) -> bool | None:
    """Classifier for the openai SDK's exceptions."""
    openai = sys.modules.get("openai")
    if openai is None:  # nothing raised it then; importing the SDK (about 2 s) to find out would stall
        return None
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.RateLimitError | openai.InternalServerError):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= RETRYABLE_STATUS_MIN
    return None


def classify_http_status(exc: BaseException) -> bool | None:
    """Classifier for any exception that carries an HTTP status (e.g. googleapiclient's HttpError)."""
    status = status_of(exc)
    if status is None:
        return None
    return bool(status == 429 or status >= RETRYABLE_STATUS_MIN)


def classify_transport(exc: BaseException) -> bool | None:
    """Classifier for socket-level failures: timeouts, refused or reset connections, DNS, broken replies."""
    if isinstance(exc, TimeoutError | ConnectionError | socket.gaierror | http.client.HTTPException):
        return True
    try:
        import httplib2
    except ImportError:  # pragma: no cover - optional transport
        return None
    if isinstance(exc, httplib2.HttpLib2Error):
        return True
    return None


DEFAULT_CLASSIFIERS: tuple[Classifier, ...] = (classify_openai, classify_http_status, classify_transport)


@dataclass(frozen=True)
class RetryPolicy:
    """Capped, jittered exponential backoff that honours ``Retry-After``; see the module docstring.

    ``max_attempts`` counts the first try. The wait after failed attempt ``n`` is
    ``min(cap, base * 2**(n-1))``, with "equal jitter" (between half and all of it) when ``jitter``.
    """

    max_attempts: int = 6
    base: float = 0.5
    cap: float = 30.0
    jitter: bool = True
    retry_after_cap: float = 120.0
    classifiers: tuple[Classifier, ...] = DEFAULT_CLASSIFIERS
    sleeper: Sleeper = cancellable_sleep
    rng: Callable[[], float] = field(default=random.random, compare=False)
    wall_clock: Callable[[], float] = field(default=time.time, compare=False)

    def with_classifier(self, classifier: Classifier) -> RetryPolicy:
        """A copy of this policy that asks ``classifier`` first."""
        return dataclasses.replace(self, classifiers=(classifier, *self.classifiers))

    def is_retryable(self, exc: BaseException) -> bool:
        """True for 429, 5xx, timeouts and connection errors; False for everything else."""
        if isinstance(exc, CancelledError):
            return False
        for classifier in self.classifiers:
            verdict = classifier(exc)
            if verdict is not None:
                return verdict
        return False

    def backoff(self, failed_attempt: int) -> float:
        """The wait after failed attempt number ``failed_attempt`` (1-based) when no header says otherwise."""
        delay = min(self.cap, self.base * (2 ** max(0, failed_attempt - 1)))
        if self.jitter:
            delay = delay / 2 + self.rng() * delay / 2
        return delay

    def wait_for(self, exc: BaseException, failed_attempt: int) -> float:
        """The wait before the next attempt: the server's ``Retry-After`` when given, else the backoff."""
        hinted = parse_retry_after(headers_of(exc), now=self.wall_clock())
        if hinted is not None:
            return min(hinted, self.retry_after_cap)
        return self.backoff(failed_attempt)

    def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Call ``fn(*args, **kwargs)``, retrying retryable failures; the last failure is re-raised."""
        return self.run(lambda: fn(*args, **kwargs))

    def run(
        self,
        fn: Callable[[], T],
        *,
        cancel: threading.Event | None = None,
        on_retry: RetryHook | None = None,
    ) -> T:
        """Call ``fn()`` under this policy; waits stop early (``CancelledError``) when ``cancel`` is set."""

        def wait(state: tenacity.RetryCallState) -> float:
            exc = _exception(state)
            return self.wait_for(exc, state.attempt_number) if exc is not None else 0.0

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = _exception(state)
            delay = state.upcoming_sleep
            if exc is None:
                return
            log.info(
                "Attempt %d failed (%s); retrying in %.2f s.", state.attempt_number, type(exc).__name__, delay
            )
            if on_retry is not None:
                on_retry(exc, delay, state.attempt_number)

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(max(1, self.max_attempts)),
            wait=wait,
            retry=tenacity.retry_if_exception(self.is_retryable),
            sleep=lambda seconds: self.sleeper(float(seconds), cancel),
            before_sleep=before_sleep,
            reraise=True,
        )
        return retrying(fn)


def _exception(state: tenacity.RetryCallState) -> BaseException | None:
    outcome = state.outcome
    if outcome is None or not outcome.failed:
        return None
    return outcome.exception()
