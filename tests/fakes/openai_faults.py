"""Fault settings of the fake OpenAI server, the record kept of each request, and the seeded dice that
decide which request or batch line a fault hits."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Faults:
    """What the fake gets wrong. Rates are probabilities 0..1, drawn from the fake's seeded generator.

    Transport faults (live chat completions only): ``rate_429``, ``rate_5xx`` (500 or 503),
    ``rate_timeout`` (hold the connection ``timeout_hold`` seconds, then close unanswered),
    ``rate_drop`` (close at once, no answer). Content faults (live replies and batch output lines):
    ``rate_malformed`` (not JSON), ``rate_truncated`` (cut mid-JSON, finish_reason ``length``),
    ``rate_refusal`` (``message.refusal`` set, content null), ``rate_invalid_vitals`` (valid JSON,
    HR 500). In a batch ``rate_5xx`` fails single lines into the error file.

    The "imperfect model" (live replies and batch output lines): ``rate_warning_vitals`` answers usable
    vitals that ``validate`` warns about (sinus_ecg at 101–110 bpm and the like), ``rate_critical_vitals``
    unusable ones (SpO2 140, HR left out). ``imperfect_model()`` sets the usual 20 % / 5 %.

    ``force_401`` and ``fail_next`` apply to every request on every endpoint: ``fail_next`` holds status
    codes answered to the next requests, in order. ``retry_after`` (seconds) is sent as ``retry-after``
    and ``retry-after-ms`` on injected 429 and 503 answers."""

    rate_429: float = 0.0
    rate_5xx: float = 0.0
    rate_timeout: float = 0.0
    rate_drop: float = 0.0
    rate_malformed: float = 0.0
    rate_truncated: float = 0.0
    rate_refusal: float = 0.0
    rate_invalid_vitals: float = 0.0
    rate_warning_vitals: float = 0.0
    rate_critical_vitals: float = 0.0
    force_401: bool = False
    fail_next: list[int] = field(default_factory=list)
    retry_after: float = 1.0
    timeout_hold: float = 5.0

    def imperfect_model(self, warnings: float = 0.20, criticals: float = 0.05) -> None:
        """Behave like a plausible but imperfect model: ``warnings`` of the replies carry values that
        ``validate`` warns about, ``criticals`` carry impossible ones."""
        self.rate_warning_vitals = warnings
        self.rate_critical_vitals = criticals


@dataclass
class RequestRecord:
    """One request the fake received. ``status`` is 0 when the fake answered nothing (timeout or drop
    faults); ``time`` is ``time.monotonic()`` on arrival; ``row``/``case_id`` come from the prompt's
    ``Sheet row:`` and ``Case ID:`` lines; token counts are those reported (0 when not a 200 chat)."""

    method: str
    path: str
    status: int
    body: dict[str, Any] | None
    row: int | None
    case_id: str | None
    time: float
    prompt_tokens: int = 0
    cached_tokens: int = 0
    fault: str | None = None  # the content fault of the reply, if any


class Dice:
    """Seeded, lock-protected draws: the same seed and request order give the same faults."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def pick(self, options: list[tuple[str, float]]) -> str | None:
        """One uniform draw against cumulative probabilities; the first option whose band it lands in,
        or ``None``."""
        with self._lock:
            draw = self._rng.random()
        edge = 0.0
        for name, rate in options:
            edge += max(0.0, rate)
            if draw < edge:
                return name
        return None

    def shuffle(self, items: list[Any]) -> None:
        """Shuffle ``items`` in place."""
        with self._lock:
            self._rng.shuffle(items)


def transport_fault(faults: Faults, dice: Dice) -> str | None:
    """``"429"``, ``"500"``, ``"503"``, ``"timeout"``, ``"drop"`` or ``None`` for one live request."""
    half = faults.rate_5xx / 2
    return dice.pick(
        [
            ("429", faults.rate_429),
            ("500", half),
            ("503", faults.rate_5xx - half),
            ("timeout", faults.rate_timeout),
            ("drop", faults.rate_drop),
        ]
    )


def content_fault(faults: Faults, dice: Dice) -> str | None:
    """``"malformed"``, ``"truncated"``, ``"refusal"``, ``"invalid_vitals"``, ``"warning_vitals"``,
    ``"critical_vitals"`` or ``None``."""
    return dice.pick(
        [
            ("malformed", faults.rate_malformed),
            ("truncated", faults.rate_truncated),
            ("refusal", faults.rate_refusal),
            ("invalid_vitals", faults.rate_invalid_vitals),
            ("warning_vitals", faults.rate_warning_vitals),
            ("critical_vitals", faults.rate_critical_vitals),
        ]
    )
