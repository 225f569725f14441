"""How a live run treats its model endpoint: the session's first request goes out alone, and rows whose
requests keep failing stop the run only once the endpoint has clearly stopped answering."""

from __future__ import annotations

import threading

#: After the endpoint has answered once, a row whose requests keep failing (after the retry policy
#: gave up) goes back in the queue; this many such rows in a row stop the run with one message.
SERVICE_FAILURES_TO_STOP = 3


class EndpointGate:
    """Shared by a run's workers (any thread).

    The first request of a session goes out alone: a refused key or an unreachable endpoint then
    costs one request, not one per worker.
    """

    def __init__(self, stop: threading.Event, tick: float) -> None:
        self._stop = stop
        self._tick = tick
        self._first_reply = threading.Event()
        self._probe_lock = threading.Lock()
        self._probe_taken = False
        self._lock = threading.Lock()
        self._reached = False  # the endpoint answered at least once in this session
        self._failures = 0  # rows in a row whose requests kept failing

    def wait_turn(self) -> bool:
        """Let one worker send the session's first request and hold the others until ``first_done``.

        Returns False when the run was stopped meanwhile.
        """
        if self._first_reply.is_set():
            return not self._stop.is_set()
        with self._probe_lock:
            is_probe, self._probe_taken = not self._probe_taken, True
        if is_probe:
            return True
        while not self._first_reply.wait(self._tick):
            if self._stop.is_set():
                return False
        return not self._stop.is_set()

    def first_done(self) -> None:
        """A request has ended (after a fatal first reply has set the stop, so held workers see it)."""
        self._first_reply.set()

    def answered(self) -> None:
        """The endpoint answered a request."""
        with self._lock:
            self._reached = True
            self._failures = 0

    def tolerate_failure(self) -> bool:
        """Whether one more row whose requests kept failing goes back in the queue (True) or the run
        stops with one message (False): it stops at once when the endpoint never answered in this
        session, and after ``SERVICE_FAILURES_TO_STOP`` such rows in a row otherwise."""
        with self._lock:
            self._failures += 1
            return self._reached and self._failures < SERVICE_FAILURES_TO_STOP
