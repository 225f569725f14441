"""What a generation request returns or raises, without the HTTP client behind it.

The run engine and the batch mode use these types; keeping them apart from the live client means
importing them does not load the OpenAI SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop.domain.models import Issue
from desktop.errors import ServiceError, SimBatchError


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens one or more requests used; ``cached_tokens`` is the cached part of ``input_tokens``."""

    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.cached_tokens + other.cached_tokens,
            self.output_tokens + other.output_tokens,
        )

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens (what the progress sheet shows as OpenAI_Tokens)."""
        return self.input_tokens + self.output_tokens


@dataclass(slots=True)
class Generation:
    """The vitals generated for one row, what they cost, and how many requests it took.

    ``values`` are the cells to write (the author's kept fields plus the generated ones); ``generated``
    names the generated fields per column; ``flags`` are the warnings of the written cells (the row is
    flagged for review when there are any); ``warnings`` are every note for the progress sheet.
    """

    values: dict[str, dict[str, object]]
    usage: Usage
    cost_usd: float
    attempts: int  # requests sent, including transport retries and replies asked for again
    warnings: list[str] = field(default_factory=list)
    generated: dict[str, list[str]] = field(default_factory=dict)
    flags: list[Issue] = field(default_factory=list)


class ReplyRejected(SimBatchError):
    """Every reply for a row was rejected; the row is FAILED with ``reason``. Carries the usage spent."""

    def __init__(self, reason: str, usage: Usage, cost_usd: float, attempts: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.usage = usage
        self.cost_usd = cost_usd
        self.attempts = attempts


class LLMRequestError(ServiceError):
    """The endpoint refused the request itself (400, 404, 422 …): retrying the same request cannot help."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code
