"""What requests cost: a price table (shipped ``resources/prices.json`` plus the user's overrides) and
the cost estimate shown before a run.

Prices are US dollars per million tokens. Cached input tokens are part of the input tokens and are
charged at the cached rate; Batch API prices are half (``batch_discount``). A dated model name such as
``gpt-4o-mini-2024-07-18`` uses the price of its family (the longest known prefix).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.domain.models import Scenario
from desktop.domain.prompts import estimate_request_tokens, system_prompt_tokens
from desktop.errors import UsageError
from desktop.paths import resource

PER_TOKENS = 1_000_000
CACHE_BLOCK = 128
CACHE_MIN = 1024


class UnknownModelError(UsageError):
    """No price is known for a model (neither shipped nor overridden in Settings)."""


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """USD per 1M tokens for one model."""

    input: float
    cached_input: float
    output: float


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """The estimate for a set of rows: tokens in total and the cost live (with prompt caching) and batch."""

    model: str
    rows: int
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    live_usd: float
    batch_usd: float

    def to_json(self) -> dict[str, object]:
        """JSON-compatible form for ``simbatch estimate --json``."""
        return {
            "model": self.model,
            "rows": self.rows,
            "input_tokens": self.input_tokens,
            "cached_tokens": self.cached_tokens,
            "output_tokens": self.output_tokens,
            "live_usd": round(self.live_usd, 6),
            "batch_usd": round(self.batch_usd, 6),
        }


def _field(entry: object, name: str) -> Any:
    """One rate of a price override, given as a mapping or as a settings model."""
    if isinstance(entry, Mapping):
        return entry.get(name)
    return getattr(entry, name, None)


class PriceTable:
    """Prices per model; build it with ``PriceTable.load``."""

    def __init__(self, prices: Mapping[str, ModelPrice], batch_discount: float = 0.5) -> None:
        self._prices = dict(prices)
        self.batch_discount = batch_discount

    @classmethod
    def load(cls, overrides: Mapping[str, object] | None = None, path: Path | None = None) -> PriceTable:
        """The shipped table with ``overrides`` (model → {input, cached_input?, output}) on top.

        An override without ``cached_input`` keeps the shipped cached rate when the model is known,
        else charges cached tokens at the full input rate.
        """
        raw = json.loads((path or resource("prices.json")).read_text(encoding="utf-8"))
        prices = {
            name: ModelPrice(float(p["input"]), float(p["cached_input"]), float(p["output"]))
            for name, p in raw["models"].items()
        }
        for name, entry in (overrides or {}).items():
            input_rate = float(_field(entry, "input"))
            cached = _field(entry, "cached_input")
            if cached is None:
                cached = prices[name].cached_input if name in prices else input_rate
            prices[name] = ModelPrice(input_rate, float(cached), float(_field(entry, "output")))
        return cls(prices, float(raw.get("batch_discount", 0.5)))

    def models(self) -> list[str]:
        """Every model with a price, sorted."""
        return sorted(self._prices)

    def knows(self, model: str) -> bool:
        """True when ``model`` (or its family) has a price."""
        return self._lookup(model) is not None

    def _lookup(self, model: str) -> ModelPrice | None:
        if model in self._prices:
            return self._prices[model]
        family = [name for name in self._prices if model.startswith(name + "-")]
        return self._prices[max(family, key=len)] if family else None

    def price(self, model: str) -> ModelPrice:
        """The price of ``model``; ``UnknownModelError`` when neither it nor its family is listed."""
        found = self._lookup(model)
        if found is None:
            raise UnknownModelError(
                f"No price is known for the model {model!r}; add one under prices in Settings."
            )
        return found

    def cost(
        self, model: str, input_tokens: int, cached_tokens: int, output_tokens: int, *, batch: bool = False
    ) -> float:
        """USD for one request's usage; ``cached_tokens`` is the cached part of ``input_tokens``."""
        p = self.price(model)
        cached = min(max(0, cached_tokens), max(0, input_tokens))
        fresh = max(0, input_tokens) - cached
        usd = (fresh * p.input + cached * p.cached_input + max(0, output_tokens) * p.output) / PER_TOKENS
        return usd * self.batch_discount if batch else usd

    def estimate(
        self,
        model: str,
        rows: Sequence[Scenario],
        columns_per_row: Sequence[Sequence[str] | Mapping[str, Sequence[str]]],
    ) -> CostEstimate:
        """Cost of generating ``columns_per_row[i]`` for ``rows[i]``, from the real prompt lengths."""
        if len(rows) != len(columns_per_row):
            raise ValueError("rows and columns_per_row must have the same length")
        requests = (
            estimate_request_tokens(scenario, columns)
            for scenario, columns in zip(rows, columns_per_row, strict=True)
            if columns
        )
        return self.estimate_requests(model, requests)

    def estimate_requests(self, model: str, requests: Iterable[tuple[int, int]]) -> CostEstimate:
        """Cost of requests with these estimated (input, output) tokens, in the order they are sent.

        Live: after the first request the static system prompt is served from the prompt cache (in
        128-token blocks from 1,024 tokens). Batch: half price, counted without cache hits.
        """
        self.price(model)  # fail early and clearly for an unknown model
        prefix = system_prompt_tokens()
        cacheable = prefix // CACHE_BLOCK * CACHE_BLOCK if prefix >= CACHE_MIN else 0
        total_in = total_cached = total_out = 0
        live = batch = 0.0
        count = 0
        for tokens_in, tokens_out in requests:
            cached = min(cacheable, tokens_in) if count else 0
            count += 1
            total_in += tokens_in
            total_cached += cached
            total_out += tokens_out
            live += self.cost(model, tokens_in, cached, tokens_out)
            batch += self.cost(model, tokens_in, 0, tokens_out, batch=True)
        return CostEstimate(model, count, total_in, total_cached, total_out, live, batch)
