"""The live LLM client against the fake OpenAI server, through the real SDK over loopback HTTP."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import pytest

from desktop.domain.models import Scenario
from desktop.domain.pricing import PriceTable
from desktop.domain.prompts import SYSTEM_PROMPT, prompt_cache_key
from desktop.errors import AuthError, CancelledError, ServiceError
from desktop.org_config import OPENAI_ENDPOINT
from desktop.services import llm
from desktop.services.generation import LLMRequestError, ReplyRejected, Usage
from desktop.services.llm import LLMClient
from desktop.services.ratelimit import RateLimiter
from desktop.services.retry import RetryPolicy, cancellable_sleep
from desktop.settings import Settings
from tests.fakes.openai_server import FakeOpenAI

API_KEY = "sk-test-fake-0123456789abcdef"
MODEL = "gpt-4o-mini"
COLUMNS = ["Initial_Vitals", "State1_Vitals"]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=API_KEY) as server:
        yield server


def scenario(row: int = 3) -> Scenario:
    return Scenario(
        row=row,
        case_id=f"SEP-{row:03d}",
        title="Urosepsis in an elderly woman",
        vitals={"Initial_Vitals": None, "State1_Vitals": None},
        context={"Diagnosis": "Urosepsis", "History": "Type 2 diabetes, recurrent UTIs"},
    )


def make_client(
    fake: FakeOpenAI,
    *,
    retry: RetryPolicy | None = None,
    limiter: RateLimiter | None = None,
    api_key: str = API_KEY,
    timeout: float = 10.0,
    model: str = MODEL,
    max_reply_attempts: int = 3,
) -> LLMClient:
    return LLMClient(
        fake.base_url,
        api_key,
        model,
        limiter=limiter or RateLimiter(),
        retry=retry or RetryPolicy(base=0.01, cap=0.05),
        prices=PriceTable.load(),
        timeout=timeout,
        max_reply_attempts=max_reply_attempts,
    )


def test_clean_generation(fake: FakeOpenAI) -> None:
    client = make_client(fake)
    result = client.generate(scenario(5), COLUMNS)
    assert list(result.values) == COLUMNS
    for vitals in result.values.values():
        assert set(vitals) == {"HR", "BP", "SpO2", "RR", "Temp", "EtCO2", "waveform"}
        assert str(vitals["waveform"]).endswith("_ecg")
    assert result.attempts == 1
    assert fake.requested_rows() == [5]
    record = fake.chat_requests()[0]
    assert record.case_id == "SEP-005"
    body = record.body or {}
    assert body["messages"][0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert body["response_format"]["json_schema"]["strict"] is True
    assert list(body["response_format"]["json_schema"]["schema"]["properties"]) == COLUMNS
    assert body["prompt_cache_key"] == prompt_cache_key(MODEL)
    assert body["max_completion_tokens"] > 0
    assert body["temperature"] <= 0.3


def test_cost_is_computed_from_the_reported_usage(fake: FakeOpenAI) -> None:
    client = make_client(fake)
    result = client.generate(scenario(3), COLUMNS)
    record = fake.chat_requests()[0]
    assert result.usage.input_tokens == record.prompt_tokens
    assert result.usage.output_tokens > 0
    expected = PriceTable.load().cost(
        MODEL, result.usage.input_tokens, result.usage.cached_tokens, result.usage.output_tokens
    )
    assert result.cost_usd == pytest.approx(expected)
    assert result.cost_usd > 0


def test_second_row_reads_the_static_prefix_from_the_cache(fake: FakeOpenAI) -> None:
    client = make_client(fake)
    first = client.generate(scenario(3), COLUMNS)
    second = client.generate(scenario(4), COLUMNS)
    assert first.usage.cached_tokens == 0
    # At least the 1,024-token blocks of the static system prompt come from the cache.
    assert second.usage.cached_tokens >= 1024
    assert second.usage.cached_tokens >= (len(SYSTEM_PROMPT) // 4) // 128 * 128
    assert second.cost_usd < first.cost_usd


def test_429_with_retry_after_is_retried_and_honoured(fake: FakeOpenAI) -> None:
    fake.faults.retry_after = 0.3
    fake.faults.fail_next = [429]
    limiter = RateLimiter()
    client = make_client(fake, limiter=limiter)
    result = client.generate(scenario(7), COLUMNS)
    assert result.attempts == 2
    chats = fake.chat_requests(status=None)
    assert [r.status for r in chats] == [429, 200]
    # The server asked for 300 ms; the policy's own cap (50 ms) does not shorten that.
    assert chats[1].time - chats[0].time >= 0.28


def test_429_pauses_the_shared_limiter(fake: FakeOpenAI) -> None:
    fake.faults.retry_after = 0.2
    fake.faults.fail_next = [429]
    limiter = RateLimiter()
    penalties: list[float] = []
    original = limiter.penalize

    def spy(seconds: float) -> None:
        penalties.append(seconds)
        original(seconds)

    limiter.penalize = spy  # type: ignore[method-assign, assignment]
    make_client(fake, limiter=limiter).generate(scenario(7), COLUMNS)
    assert penalties == [pytest.approx(0.2)]


def test_5xx_is_retried(fake: FakeOpenAI) -> None:
    fake.faults.retry_after = 0.0
    fake.faults.fail_next = [500, 503, 502]
    result = make_client(fake).generate(scenario(8), COLUMNS)
    assert [r.status for r in fake.chat_requests(status=None)] == [500, 503, 502, 200]
    assert result.attempts == 4


def test_5xx_that_never_ends_becomes_a_service_error(fake: FakeOpenAI) -> None:
    fake.faults.rate_5xx = 1.0
    fake.faults.retry_after = 0.0
    with pytest.raises(ServiceError, match=r"kept failing \(HTTP 50\d\) after 3 attempts"):
        make_client(fake, retry=RetryPolicy(max_attempts=3, base=0.01, cap=0.02)).generate(
            scenario(), COLUMNS
        )
    assert len(fake.chat_requests(status=None)) == 3


def test_timeout_is_retried(fake: FakeOpenAI) -> None:
    fake.faults.rate_timeout = 1.0
    fake.faults.timeout_hold = 2.0

    def heal_then_wait(seconds: float, cancel: threading.Event | None) -> None:
        fake.faults.rate_timeout = 0.0  # the network recovers while we back off
        cancellable_sleep(seconds, cancel)

    retry = RetryPolicy(base=0.01, cap=0.05, sleeper=heal_then_wait)
    started = time.monotonic()
    result = make_client(fake, retry=retry, timeout=0.4).generate(scenario(9), COLUMNS)
    assert time.monotonic() - started < 2.0
    statuses = [r.status for r in fake.chat_requests(status=None)]
    assert statuses[-1] == 200
    assert result.attempts == len(statuses) >= 2


def test_unreachable_endpoint_is_a_service_error() -> None:
    with FakeOpenAI(api_key=API_KEY) as server:
        url = server.base_url  # a port that is closed once the server stops
    client = LLMClient(
        url,
        API_KEY,
        MODEL,
        limiter=RateLimiter(),
        retry=RetryPolicy(max_attempts=2, base=0.01, cap=0.02),
        prices=PriceTable.load(),
        timeout=2.0,
    )
    with pytest.raises(ServiceError, match=r"^The LLM service at 127\.0\.0\.1:\d+ could not be reached\.$"):
        client.generate(scenario(), COLUMNS)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("rate_malformed", "not valid JSON"),
        ("rate_truncated", "cut off"),
        ("rate_refusal", "refused"),
        ("rate_invalid_vitals", "HR"),
    ],
)
def test_bad_replies_are_asked_again_then_rejected(fake: FakeOpenAI, fault: str, reason: str) -> None:
    setattr(fake.faults, fault, 1.0)
    client = make_client(fake)
    with pytest.raises(ReplyRejected) as info:
        client.generate(scenario(11), COLUMNS)
    rejected = info.value
    assert len(fake.chat_requests()) == 3  # the bound: max_reply_attempts
    assert rejected.attempts == 3
    assert "rejected 3 times" in rejected.reason
    assert reason in rejected.reason
    # Every attempt's usage counts toward the row.
    reported = sum(r.prompt_tokens for r in fake.chat_requests())
    assert rejected.usage.input_tokens == reported
    assert rejected.cost_usd > 0


def test_a_bad_reply_then_a_good_one_succeeds(fake: FakeOpenAI) -> None:
    fake.faults.rate_malformed = 0.4  # seeded: the same rows get the same faults every run
    client = make_client(fake, max_reply_attempts=6)
    results = [client.generate(scenario(row), COLUMNS) for row in range(3, 13)]
    retried = [r for r in results if r.attempts > 1]
    assert retried, "with a 50 % fault rate some rows need a second reply"
    for r in retried:
        assert r.usage.input_tokens > results[0].usage.input_tokens  # both attempts counted
    assert len(fake.chat_requests()) == sum(r.attempts for r in results)


def test_401_is_an_auth_error_at_once(fake: FakeOpenAI) -> None:
    client = make_client(fake, api_key="sk-wrong-key-abcdef123456")
    with pytest.raises(AuthError) as info:
        client.generate(scenario(), COLUMNS)
    assert str(info.value) == "The OpenAI API key was refused; check it in Settings or OPENAI_API_KEY."
    assert len(fake.chat_requests(status=None)) == 1
    assert "sk-wrong" not in str(info.value)


def test_400_and_404_are_not_retried(fake: FakeOpenAI) -> None:
    fake.faults.fail_next = [400]
    with pytest.raises(LLMRequestError) as info:
        make_client(fake).generate(scenario(), COLUMNS)
    assert info.value.status_code == 400
    assert str(info.value).startswith("The LLM service refused the request (HTTP 400)")
    fake.faults.fail_next = [404]
    with pytest.raises(LLMRequestError):
        make_client(fake).generate(scenario(), COLUMNS)
    assert len(fake.chat_requests(status=None)) == 2


def test_rate_limit_headers_reach_the_limiter() -> None:
    with FakeOpenAI(api_key=API_KEY, rpm_limit=600, tpm_limit=400_000) as server:
        limiter = RateLimiter()
        make_client(server, limiter=limiter).generate(scenario(), COLUMNS)
        assert limiter.requests_per_minute == 600
        assert limiter.tokens_per_minute == 400_000


def test_limiter_keeps_a_run_under_the_servers_request_limit() -> None:
    with FakeOpenAI(api_key=API_KEY, rpm_limit=240) as server:
        limiter = RateLimiter(requests_per_minute=240)
        client = make_client(server, limiter=limiter)
        for row in range(3, 7):
            client.generate(scenario(row), COLUMNS)
        records = server.chat_requests(status=None)
        assert all(r.status == 200 for r in records)
        # Spread out, not a burst: four requests at 240/min span three intervals at the client; arrival
        # times on a busy machine jitter, so the server is asked only for two of them.
        assert records[-1].time - records[0].time >= 2 * 60 / 240


def test_cancel_stops_before_sending(fake: FakeOpenAI) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(CancelledError):
        make_client(fake).generate(scenario(), COLUMNS, cancel)
    assert fake.chat_requests(status=None) == []


def test_key_never_appears_in_errors_or_logs(fake: FakeOpenAI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "sk-proj-VERYSECRET0123456789"
    messages: list[str] = []
    for setup in ("401", "400", "5xx", "reply"):
        fake.faults = type(fake.faults)()
        fake.faults.retry_after = 0.0
        if setup == "5xx":
            fake.faults.rate_5xx = 1.0
        if setup == "400":
            fake.faults.fail_next = [400]
        if setup == "reply":
            fake.faults.rate_refusal = 1.0
        key = secret if setup == "401" else API_KEY
        client = make_client(fake, api_key=key, retry=RetryPolicy(max_attempts=2, base=0.01, cap=0.02))
        assert secret not in repr(client)
        with pytest.raises(Exception) as info:
            client.generate(scenario(), COLUMNS)
        messages.append(str(info.value))
    for text in [*messages, caplog.text]:
        assert secret not in text
        assert API_KEY not in text
        assert "VERYSECRET" not in text


def test_from_settings(monkeypatch: pytest.MonkeyPatch, fake: FakeOpenAI) -> None:
    settings = Settings(model=MODEL, openai_base_url=None, requests_per_minute=300, tokens_per_minute=90_000)
    with pytest.raises(AuthError, match="No OpenAI API key is set"):
        llm.from_settings(settings)
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    client = llm.from_settings(settings)
    assert client.base_url == fake.base_url
    assert client.limiter.requests_per_minute == 300
    assert client.generate(scenario(), COLUMNS).values
    settings.openai_base_url = "http://127.0.0.1:9/v1"
    assert llm.from_settings(settings).base_url == "http://127.0.0.1:9/v1"
    monkeypatch.delenv("OPENAI_BASE_URL")
    settings.openai_base_url = None
    assert llm.from_settings(settings).base_url == OPENAI_ENDPOINT


def test_unknown_model_costs_nothing_with_a_warning(fake: FakeOpenAI) -> None:
    result = make_client(fake, model="local-llama").generate(scenario(), COLUMNS)
    assert result.cost_usd == 0.0
    assert any("No price is known" in w for w in result.warnings)


def test_usage_adds_up() -> None:
    assert Usage(10, 2, 3) + Usage(1, 1, 1) == Usage(11, 3, 4)
    assert Usage(10, 2, 3).total_tokens == 13


def test_estimate_request_tokens_matches_the_prompt_size(fake: FakeOpenAI) -> None:
    client = make_client(fake)
    estimated_in, estimated_out = client.estimate_request_tokens(scenario(), COLUMNS)
    result = client.generate(scenario(), COLUMNS)
    assert abs(estimated_in - result.usage.input_tokens) <= 0.05 * result.usage.input_tokens + 20
    assert estimated_out > 0
