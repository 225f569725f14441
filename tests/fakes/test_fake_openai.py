"""The fake OpenAI server, driven by the real ``openai`` SDK over loopback HTTP."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from desktop.domain.llm_schema import parse_reply, vitals_response_format
from tests.concurrency import run_in_threads
from tests.fakes import FakeOpenAI

MODEL = "gpt-4o-mini"
SYSTEM = "You are a simulation vitals author. " * 200  # ~7,000 characters, a static prefix
COLUMNS = ["Initial_Vitals", "State2_Vitals"]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(seed=7) as server:
        yield server


@pytest.fixture
def client(fake: FakeOpenAI) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.base_url, api_key="sk-test-fake", max_retries=0, timeout=5)


def messages(row: int, case_id: str = "CARD-001", system: str = SYSTEM) -> list[Any]:
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"Sheet row: {row}\nCase ID: {case_id}\nTitle: Chest pain\n"},
    ]


def ask(client: openai.OpenAI, row: int = 3, columns: list[str] = COLUMNS, **kw: Any) -> Any:
    response_format: Any = vitals_response_format(columns)
    return client.chat.completions.create(
        model=MODEL, messages=messages(row, **kw), response_format=response_format
    )


def assert_plausible(vitals: dict[str, Any]) -> None:
    """The strict validator the generated vitals must pass."""
    hr = vitals["HR"]
    assert 40 <= hr <= 160
    systolic, diastolic = (int(x) for x in vitals["BP"].split("/"))
    assert 80 <= systolic <= 180 and 40 <= diastolic <= 120
    assert 88 <= vitals["SpO2"] <= 100
    assert 8 <= vitals["RR"] <= 30
    assert 36 <= vitals["Temp"] <= 39
    assert 25 <= vitals["EtCO2"] <= 50
    if vitals["waveform"] == "sinus_tachycardia_ecg":
        assert hr > 100
    else:
        assert vitals["waveform"] == "sinus_ecg" and 60 <= hr <= 100


# --- chat completions ---------------------------------------------------------------------------------


def test_structured_output_returns_schema_valid_vitals(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    reply = ask(client, row=12, case_id="RESP-004")
    assert reply.object == "chat.completion" and reply.id.startswith("chatcmpl-")
    assert reply.choices[0].finish_reason == "stop"
    vitals: dict[str, Any] = parse_reply(reply.choices[0].message.content or "", COLUMNS)
    for state in vitals.values():
        assert_plausible(state)
    assert vitals["Initial_Vitals"]["HR"] < vitals["State2_Vitals"]["HR"]
    assert vitals["Initial_Vitals"]["SpO2"] > vitals["State2_Vitals"]["SpO2"]
    assert (
        reply.usage is not None and reply.usage.prompt_tokens == len(SYSTEM + messages(12)[1]["content"]) // 4
    )
    record = fake.chat_requests()[0]
    assert (record.row, record.case_id, record.status) == (12, "RESP-004", 200)
    assert fake.requested_rows() == [12]


def test_schema_with_refs_and_nullable_branches() -> None:
    vitals_def = {
        "type": "object",
        "properties": {
            "HR": {"type": "integer"},
            "BP": {"type": "string"},
            "SpO2": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "waveform": {"$ref": "#/$defs/Wave"},
        },
        "required": ["HR", "BP", "SpO2", "waveform"],
    }
    schema: dict[str, Any] = {
        "type": "object",
        "$defs": {"Vitals": vitals_def, "Wave": {"type": "string", "enum": ["afib_ecg", "sinus_ecg"]}},
        "properties": {"State3_Vitals": {"$ref": "#/$defs/Vitals"}},
        "required": ["State3_Vitals"],
    }
    with FakeOpenAI() as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
        response_format: Any = {
            "type": "json_schema",
            "json_schema": {"name": "v", "strict": True, "schema": schema},
        }
        reply = client.chat.completions.create(
            model=MODEL, messages=messages(5), response_format=response_format
        )
    data = json.loads(reply.choices[0].message.content or "")
    assert list(data) == ["State3_Vitals"]
    state = data["State3_Vitals"]
    assert set(state) == {"HR", "BP", "SpO2", "waveform"}
    # The enum lacks sinus_tachycardia_ecg, so the fake picks sinus_ecg and keeps HR consistent with it.
    assert state["waveform"] == "sinus_ecg" and 60 <= state["HR"] <= 100


def test_cached_tokens_on_second_call_with_same_prefix(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    first = ask(client, row=3)
    second = ask(client, row=4)
    short = ask(client, row=5, system="Short system prompt.")
    assert first.usage.prompt_tokens_details.cached_tokens == 0
    cached = second.usage.prompt_tokens_details.cached_tokens
    assert cached >= 1024 and cached % 128 == 0
    # The shared prefix is the system prompt plus "Sheet row: ", rounded down to 128-token blocks.
    shared_tokens = (len(SYSTEM) + len("Sheet row: ")) // 4
    assert shared_tokens - 128 < cached <= shared_tokens
    assert short.usage.prompt_tokens_details.cached_tokens == 0
    assert [r.cached_tokens for r in fake.chat_requests()] == [0, cached, 0]


def test_wrong_key_is_authentication_error(fake: FakeOpenAI) -> None:
    bad = openai.OpenAI(base_url=fake.base_url, api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        ask(bad)
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
    assert caught.value.body == {
        "message": caught.value.body["message"],  # type: ignore[index]
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
    assert fake.chat_requests(401) and not fake.chat_requests(200)


def test_force_401_refuses_even_the_right_key(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.faults.force_401 = True
    with pytest.raises(openai.AuthenticationError):
        client.batches.list()


def test_429_carries_retry_after_headers(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.faults.rate_429 = 1.0
    fake.faults.retry_after = 2.5
    with pytest.raises(openai.RateLimitError) as caught:
        ask(client)
    headers = caught.value.response.headers
    assert headers["retry-after"] == "3"
    assert headers["retry-after-ms"] == "2500"
    assert caught.value.code == "rate_limit_exceeded"


def test_fail_next_answers_the_listed_statuses_in_order(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.faults.fail_next = [429, 500, 503]
    with pytest.raises(openai.RateLimitError):
        ask(client, row=3)
    with pytest.raises(openai.InternalServerError) as caught:
        ask(client, row=3)
    assert caught.value.status_code == 500
    with pytest.raises(openai.InternalServerError) as caught:
        client.files.list()  # fail_next applies to every endpoint
    assert caught.value.response.headers["retry-after"] == "1"
    assert ask(client, row=3).choices[0].finish_reason == "stop"
    assert [r.status for r in fake.log] == [429, 500, 503, 200]
    assert [r.row for r in fake.chat_requests(None)] == [3, 3, 3]  # failed attempts keep their row
    assert fake.requested_rows() == [3]


def test_retrying_sdk_recovers_from_a_500(fake: FakeOpenAI) -> None:
    fake.faults.fail_next = [500]
    retrying = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=1)
    assert ask(retrying).choices[0].message.content
    assert [r.status for r in fake.chat_requests(None)] == [500, 200]


def test_truncated_reply_has_finish_reason_length(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.faults.rate_truncated = 1.0
    reply = ask(client)
    assert reply.choices[0].finish_reason == "length"
    content = reply.choices[0].message.content or ""
    assert content.startswith('{"Initial_Vitals"')
    with pytest.raises(json.JSONDecodeError):
        json.loads(content)


def test_refusal_sets_refusal_and_null_content(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.faults.rate_refusal = 1.0
    message = ask(client).choices[0].message
    assert message.content is None
    assert message.refusal


def test_malformed_reply_is_not_json(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.faults.rate_malformed = 1.0
    reply = ask(client)
    assert reply.choices[0].finish_reason == "stop"
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.choices[0].message.content or "")


def test_invalid_vitals_are_json_with_impossible_heart_rate(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.faults.rate_invalid_vitals = 1.0
    data = json.loads(ask(client).choices[0].message.content or "")
    assert data["Initial_Vitals"]["HR"] == 500


def test_fault_rates_are_repeatable_with_a_seed() -> None:
    def statuses(seed: int) -> list[int]:
        with FakeOpenAI(seed=seed) as fake:
            fake.faults.rate_429 = 0.5
            client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
            for row in range(12):
                with contextlib.suppress(openai.RateLimitError):
                    ask(client, row=row)
            return [r.status for r in fake.log]

    first = statuses(3)
    assert first == statuses(3)
    assert {200, 429} == set(first)


def test_timeout_holds_the_connection(fake: FakeOpenAI) -> None:
    fake.faults.rate_timeout = 1.0
    impatient = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        ask(impatient)
    assert 0.4 < time.monotonic() - started < 2.0
    assert [r.status for r in fake.chat_requests(None)] == [0]


def test_drop_closes_without_an_answer(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.faults.rate_drop = 1.0
    with pytest.raises(openai.APIConnectionError) as caught:
        ask(client)
    assert not isinstance(caught.value, openai.APITimeoutError)


def test_rate_limit_headers_and_request_window() -> None:
    with FakeOpenAI(rpm_limit=2, tpm_limit=100_000) as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
        response_format: Any = vitals_response_format(COLUMNS)
        raw = client.chat.completions.with_raw_response.create(
            model=MODEL, messages=messages(3), response_format=response_format
        )
        assert raw.headers["x-ratelimit-limit-requests"] == "2"
        assert raw.headers["x-ratelimit-remaining-requests"] == "1"
        assert raw.headers["x-ratelimit-reset-requests"].endswith("s")
        assert raw.headers["x-ratelimit-limit-tokens"] == "100000"
        used = int(raw.headers["x-ratelimit-limit-tokens"]) - int(raw.headers["x-ratelimit-remaining-tokens"])
        usage = raw.parse().usage
        assert usage is not None and used == usage.prompt_tokens
        assert raw.headers["x-ratelimit-reset-tokens"]
        ask(client, row=4)
        with pytest.raises(openai.RateLimitError) as caught:
            ask(client, row=5)
        error = caught.value.body
        assert (
            isinstance(error, dict) and error["type"] == "requests" and error["code"] == "rate_limit_exceeded"
        )
        assert 58 <= int(caught.value.response.headers["retry-after"]) <= 60
        assert fake.requested_rows() == [3, 4]


def test_token_window_rejects_a_request_over_the_tpm_limit() -> None:
    with FakeOpenAI(tpm_limit=2500) as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
        ask(client, row=3)  # ~1,770 tokens
        with pytest.raises(openai.RateLimitError) as caught:
            ask(client, row=4)
        assert isinstance(caught.value.body, dict) and caught.value.body["type"] == "tokens"
        assert fake.requested_rows() == [3]


def test_latency_overlaps_for_concurrent_requests() -> None:
    with FakeOpenAI(latency=1.5) as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
        started = time.monotonic()
        assert run_in_threads(ask, [(client, row) for row in (3, 4, 5)]) == []
        elapsed = time.monotonic() - started
        assert 1.5 <= elapsed < 4.0  # one after another would take 4.5 s; room for a busy machine
        assert sorted(fake.requested_rows()) == [3, 4, 5]


# --- files and batches --------------------------------------------------------------------------------


def batch_input(rows: list[int], columns: list[str] = COLUMNS) -> bytes:
    lines = [
        {
            "custom_id": f"run1-row{row}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {
                "model": MODEL,
                "messages": messages(row),
                "response_format": vitals_response_format(columns),
            },
        }
        for row in rows
    ]
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


def submit(client: openai.OpenAI, rows: list[int], **metadata: str) -> Any:
    uploaded = client.files.create(file=("input.jsonl", batch_input(rows)), purpose="batch")
    return client.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata=metadata or None,
    )


def poll_until_done(client: openai.OpenAI, batch_id: str, limit: int = 20) -> list[Any]:
    seen = []
    for _ in range(limit):
        batch = client.batches.retrieve(batch_id)
        seen.append(batch)
        if batch.status in ("completed", "failed", "expired", "cancelled"):
            return seen
    raise AssertionError("batch never finished")


def jsonl(client: openai.OpenAI, file_id: str | None) -> list[dict[str, Any]]:
    assert file_id is not None
    return [json.loads(line) for line in client.files.content(file_id).text.splitlines()]


def test_file_upload_content_and_delete(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    data = batch_input([3, 4])
    uploaded = client.files.create(file=("rows.jsonl", data), purpose="batch")
    assert uploaded.id.startswith("file-")
    assert (uploaded.bytes, uploaded.filename, uploaded.purpose, uploaded.status) == (
        len(data),
        "rows.jsonl",
        "batch",
        "processed",
    )
    assert client.files.retrieve(uploaded.id).id == uploaded.id
    assert client.files.content(uploaded.id).read() == data
    assert fake.files[uploaded.id] == data
    assert client.files.delete(uploaded.id).deleted
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(uploaded.id)


def test_batch_lifecycle_completed(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    rows = list(range(3, 11))
    created = submit(client, rows, run_id="run1")
    assert created.id.startswith("batch_") and created.status == "validating"
    seen = poll_until_done(client, created.id)
    assert [b.status for b in seen] == ["validating"] * 2 + ["in_progress"] * 2 + ["finalizing"] * 2 + [
        "completed"
    ]
    done_counts = [b.request_counts.completed for b in seen]
    assert done_counts == sorted(done_counts) and 0 < done_counts[2] < done_counts[3] < len(rows)
    final = seen[-1]
    assert final.request_counts.total == len(rows) and final.request_counts.failed == 0
    assert final.error_file_id is None and final.completed_at is not None
    lines = jsonl(client, final.output_file_id)
    assert sorted(line["custom_id"] for line in lines) == sorted(f"run1-row{r}" for r in rows)
    assert [line["custom_id"] for line in lines] != [f"run1-row{r}" for r in rows]  # shuffled
    for line in lines:
        assert line["error"] is None and line["response"]["status_code"] == 200
        body = line["response"]["body"]
        assert (
            body["usage"]["prompt_tokens"] > 0 and "cached_tokens" in body["usage"]["prompt_tokens_details"]
        )
        for state in parse_reply(body["choices"][0]["message"]["content"], COLUMNS).values():
            assert_plausible(state)
    assert fake.batches_created == 1 and fake.batches[created.id]["status"] == "completed"


def test_batch_line_failures_go_to_the_error_file(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.batch_polls_per_stage = 0
    fake.fail_custom_ids = {"run1-row4"}
    final = poll_until_done(client, submit(client, [3, 4, 5]).id)[-1]
    assert final.status == "completed"
    assert (final.request_counts.completed, final.request_counts.failed) == (2, 1)
    errors = jsonl(client, final.error_file_id)
    assert [e["custom_id"] for e in errors] == ["run1-row4"]
    assert errors[0]["response"]["status_code"] == 500 and errors[0]["error"]["code"]
    assert sorted(o["custom_id"] for o in jsonl(client, final.output_file_id)) == ["run1-row3", "run1-row5"]


def test_batch_failed_outcome(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.set_batch_outcome("failed")
    created = submit(client, [3, 4])
    final = poll_until_done(client, created.id)[-1]
    assert final.status == "failed" and final.failed_at is not None
    assert final.errors is not None and final.errors.data
    assert final.output_file_id is None


def test_invalid_input_fails_validation_with_line_numbers(client: openai.OpenAI) -> None:
    good = batch_input([3]).decode().strip()
    data = "\n".join([good, good, "not json"]).encode()
    uploaded = client.files.create(file=("bad.jsonl", data), purpose="batch")
    created = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    final = poll_until_done(client, created.id)[-1]
    assert final.status == "failed"
    assert final.errors is not None
    assert [(e.code, e.line) for e in final.errors.data or []] == [
        ("duplicate_custom_id", 2),
        ("invalid_json_line", 3),
    ]


def test_batch_expired_has_partial_output(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.set_batch_outcome("expired")
    rows = [3, 4, 5, 6, 7, 8]
    final = poll_until_done(client, submit(client, rows).id)[-1]
    assert final.status == "expired" and final.expired_at is not None
    done = {line["custom_id"] for line in jsonl(client, final.output_file_id)}
    expired = jsonl(client, final.error_file_id)
    assert 0 < len(done) < len(rows)
    assert {e["error"]["code"] for e in expired} == {"batch_expired"}
    assert done | {e["custom_id"] for e in expired} == {f"run1-row{r}" for r in rows}
    assert final.request_counts.completed == len(done)


def test_batch_cancel_keeps_partial_output(client: openai.OpenAI) -> None:
    rows = [3, 4, 5, 6, 7, 8]
    created = submit(client, rows)
    batch = next(
        b for b in (client.batches.retrieve(created.id) for _ in range(5)) if b.status == "in_progress"
    )
    counts = batch.request_counts
    assert counts is not None and counts.completed > 0
    cancelling = client.batches.cancel(created.id)
    assert cancelling.status == "cancelling" and cancelling.cancelling_at is not None
    final = client.batches.retrieve(created.id)
    assert final.status == "cancelled" and final.cancelled_at is not None
    done = jsonl(client, final.output_file_id)
    assert len(done) == counts.completed < len(rows)
    with pytest.raises(openai.ConflictError):
        client.batches.cancel(created.id)


def test_list_batches_newest_first_and_find_by_metadata(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    ids = [submit(client, [3], run_id=f"run-{n}").id for n in range(3)]
    page = client.batches.list(limit=2)
    assert [b.id for b in page.data] == ids[::-1][:2] and page.has_more
    everything = list(client.batches.list(limit=2))  # the SDK follows `after` through the pages
    assert [b.id for b in everything] == ids[::-1]
    found = [b for b in everything if (b.metadata or {}).get("run_id") == "run-1"]
    assert [b.id for b in found] == [ids[1]]


def test_enqueued_token_cap_fails_creation_while_others_are_in_flight(
    fake: FakeOpenAI, client: openai.OpenAI
) -> None:
    fake.enqueued_token_cap = 5000  # one two-row batch (~3,500 tokens) fits, two do not
    first = submit(client, [3, 4])
    assert first.status == "validating"
    second = submit(client, [5, 6])
    assert second.status == "failed"
    assert second.errors is not None and [e.code for e in second.errors.data or []] == [
        "token_limit_exceeded"
    ]
    assert poll_until_done(client, first.id)[-1].status == "completed"
    third = submit(client, [5, 6])
    assert third.status == "validating"
    assert fake.batches_created == 3
