"""Prices: per-model rates, cached input, batch discount, overrides, and the run estimate."""

from __future__ import annotations

import pytest

from desktop.domain.models import Scenario
from desktop.domain.pricing import PriceTable, UnknownModelError
from desktop.domain.prompts import estimate_request_tokens
from desktop.errors import UsageError

SHIPPED = {
    "gpt-4o-mini": (0.15, 0.075, 0.60),
    "gpt-4o": (2.50, 1.25, 10.00),
    "gpt-4.1": (2.00, 0.50, 8.00),
    "gpt-4.1-mini": (0.40, 0.10, 1.60),
    "gpt-4.1-nano": (0.10, 0.025, 0.40),
}


@pytest.mark.parametrize(("model", "rates"), list(SHIPPED.items()))
def test_shipped_prices(model: str, rates: tuple[float, float, float]) -> None:
    p = PriceTable.load().price(model)
    assert (p.input, p.cached_input, p.output) == rates


def test_cost_charges_cached_tokens_at_the_cached_rate() -> None:
    table = PriceTable.load()
    # 1M input of which 400k cached, 100k output on gpt-4o-mini.
    usd = table.cost("gpt-4o-mini", 1_000_000, 400_000, 100_000)
    assert usd == pytest.approx(0.6 * 0.15 + 0.4 * 0.075 + 0.1 * 0.60)
    assert table.cost("gpt-4o-mini", 1_000_000, 400_000, 100_000, batch=True) == pytest.approx(usd / 2)


def test_cached_tokens_never_exceed_input() -> None:
    table = PriceTable.load()
    assert table.cost("gpt-4o", 1000, 5000, 0) == pytest.approx(1000 * 1.25 / 1e6)


def test_dated_model_names_use_their_family() -> None:
    table = PriceTable.load()
    assert table.price("gpt-4o-mini-2024-07-18") == table.price("gpt-4o-mini")
    assert table.price("gpt-4.1-mini-2025-04-14") == table.price("gpt-4.1-mini")


def test_unknown_model_is_a_clear_usage_error() -> None:
    table = PriceTable.load()
    assert not table.knows("llama-3-local")
    with pytest.raises(UsageError, match=r"No price is known for the model 'llama-3-local'"):
        table.cost("llama-3-local", 10, 0, 10)
    assert issubclass(UnknownModelError, UsageError)


def test_overrides_replace_and_add_models() -> None:
    table = PriceTable.load(
        {
            "gpt-4o-mini": {"input": 1.0, "output": 2.0},  # cached rate kept from the shipped table
            "llama-3-local": {"input": 0.0, "cached_input": None, "output": 0.0},
        }
    )
    p = table.price("gpt-4o-mini")
    assert (p.input, p.cached_input, p.output) == (1.0, 0.075, 2.0)
    assert table.cost("llama-3-local", 1000, 0, 1000) == 0.0


def test_overrides_accept_settings_models() -> None:
    from desktop.settings import PriceOverride

    table = PriceTable.load({"gpt-4o": PriceOverride(input=3.0, cached_input=1.5, output=12.0)})
    assert table.cost("gpt-4o", 1_000_000, 0, 0) == pytest.approx(3.0)


def rows(n: int) -> list[Scenario]:
    return [
        Scenario(row=3 + i, case_id=f"C-{i}", title="Sepsis", context={"Diagnosis": "Urosepsis " * (i + 1)})
        for i in range(n)
    ]


def test_estimate_uses_real_prompt_lengths() -> None:
    table = PriceTable.load()
    scenarios = rows(4)
    columns = [["Initial_Vitals"], ["State1_Vitals", "State2_Vitals"], [], ["Initial_Vitals"]]
    est = table.estimate("gpt-4o-mini", scenarios, columns)
    expected = [estimate_request_tokens(s, c) for s, c in zip(scenarios, columns, strict=True) if c]
    assert est.rows == 3
    assert est.input_tokens == sum(i for i, _ in expected)
    assert est.output_tokens == sum(o for _, o in expected)
    # The first request fills the cache; the two later ones read the static prefix from it.
    assert est.cached_tokens > 0
    assert est.cached_tokens % 128 == 0
    assert est.batch_usd == pytest.approx(
        table.cost("gpt-4o-mini", est.input_tokens, 0, est.output_tokens) / 2
    )
    assert est.batch_usd < est.live_usd
    uncached = table.cost("gpt-4o-mini", est.input_tokens, 0, est.output_tokens)
    assert est.live_usd < uncached
    assert est.to_json()["rows"] == 3


def test_estimate_of_unknown_model_fails_early() -> None:
    with pytest.raises(UnknownModelError):
        PriceTable.load().estimate("mystery", rows(1), [["Initial_Vitals"]])
