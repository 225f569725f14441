"""Structured output that adapts to the endpoint: json_schema first, then json_object with the schema
(llama.cpp), then the schema in the prompt with tolerant reading; what worked is remembered per endpoint.
Real openai SDK against the fake server emulating each kind of server over loopback HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.models import Scenario
from desktop.domain.output_modes import OutputMode, extract_json_object
from desktop.domain.pricing import PriceTable
from desktop.services.generation import LLMRequestError, ReplyRejected
from desktop.services.llm import LLMClient
from desktop.services.llm_access import LOCAL_KEY
from desktop.services.output_memory import OutputMemory
from desktop.services.ratelimit import RateLimiter
from desktop.services.retry import RetryPolicy
from tests.fakes.openai_server import FakeOpenAI, FormatSupport

MODEL = "smollm2"
COLUMNS = ["Initial_Vitals", "State1_Vitals"]


def scenario(row: int = 3) -> Scenario:
    return Scenario(row, f"SEP-{row:03d}", "Urosepsis", {c: None for c in COLUMNS}, {"Diagnosis": "Sepsis"})


def client(fake: FakeOpenAI, memory: OutputMemory | None = None, attempts: int = 3) -> LLMClient:
    return LLMClient(
        fake.base_url,
        "local",
        MODEL,
        limiter=RateLimiter(),
        retry=RetryPolicy(base=0.01, cap=0.05),
        prices=PriceTable.load(),
        timeout=10.0,
        max_reply_attempts=attempts,
        memory=memory,
    )


@pytest.fixture
def memory(tmp_path: Path) -> OutputMemory:
    return OutputMemory(tmp_path / "endpoint_formats.json")


def serve(formats: FormatSupport) -> FakeOpenAI:
    return FakeOpenAI(formats=formats, require_key=False, models=[MODEL])


def kinds(fake: FakeOpenAI) -> list[tuple[int, str]]:
    out = []
    for record in fake.chat_requests(status=None):
        fmt = (record.body or {}).get("response_format")
        out.append((record.status, fmt["type"] if isinstance(fmt, dict) else "prompt"))
    return out


@pytest.fixture
def llama() -> Iterator[FakeOpenAI]:
    with serve(FormatSupport.llama_cpp()) as fake:
        yield fake


def test_openai_gets_strict_json_schema_and_no_probe(memory: OutputMemory) -> None:
    with serve(FormatSupport.openai()) as fake:
        result = client(fake, memory).generate(scenario(), COLUMNS)
        assert list(result.values) == COLUMNS
        assert kinds(fake) == [(200, "json_schema")]
    assert memory.get(fake.base_url, MODEL) is OutputMode.JSON_SCHEMA


def test_llama_cpp_500_falls_back_to_json_object_with_the_schema_at_once(
    llama: FakeOpenAI, memory: OutputMemory
) -> None:
    result = client(llama, memory).generate(scenario(), COLUMNS)
    assert list(result.values) == COLUMNS and result.attempts == 2
    # The 500 naming response_format is a refusal: not retried as an outage (6 attempts otherwise).
    assert kinds(llama) == [(500, "json_schema"), (200, "json_object")]
    body = llama.chat_requests()[0].body or {}
    schema = body["response_format"]["schema"]
    assert schema["required"] == COLUMNS
    assert schema["properties"]["Initial_Vitals"]["additionalProperties"] is False
    # llama.cpp's grammar cannot take \d (the real server dies on it): digits are written [0-9].
    assert schema["properties"]["Initial_Vitals"]["properties"]["BP"]["pattern"] == "^[0-9]{2,3}/[0-9]{2,3}$"
    assert "max_completion_tokens" not in body and body["max_tokens"] > 0  # what llama.cpp reads
    assert memory.get(llama.base_url, MODEL) is OutputMode.JSON_OBJECT


def test_what_worked_is_remembered_so_later_clients_pay_no_probe(
    llama: FakeOpenAI, memory: OutputMemory
) -> None:
    client(llama, memory).generate(scenario(3), COLUMNS)
    fresh = client(llama, memory)  # e.g. the next run, or after a restart
    assert fresh.output_mode is OutputMode.JSON_OBJECT
    for row in (4, 5, 6):
        fresh.generate(scenario(row), COLUMNS)
    assert kinds(llama)[2:] == [(200, "json_object")] * 3
    assert json.loads((memory.path).read_text()) == {f"{llama.base_url} {MODEL}": "json_object"}


def test_concurrent_workers_probe_once(llama: FakeOpenAI) -> None:
    shared = client(llama)
    errors: list[BaseException] = []

    def work(row: int) -> None:
        try:
            shared.generate(scenario(row), COLUMNS)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(row,)) for row in range(3, 11)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert [k for k in kinds(llama) if k[0] != 200] == [(500, "json_schema")]
    assert len(kinds(llama)) == 9


@pytest.mark.parametrize("status", [400, 422])
def test_server_refusing_both_gets_the_schema_in_the_prompt_and_prose_is_read(
    status: int, memory: OutputMemory
) -> None:
    with serve(FormatSupport.text_only(status)) as fake:
        result = client(fake, memory).generate(scenario(), COLUMNS)
        assert kinds(fake) == [(status, "json_schema"), (status, "json_object"), (200, "prompt")]
        last = fake.chat_requests()[-1].body or {}
        assert "response_format" not in last
        assert "must match this JSON schema" in last["messages"][-1]["content"]
        first = fake.chat_requests(None)[0].body or {}
        assert last["messages"][0]["content"] == first["messages"][0]["content"]  # system prompt unchanged
        for vitals in result.values.values():
            assert set(vitals) == {"HR", "BP", "SpO2", "RR", "Temp", "EtCO2", "waveform"}
    assert memory.get(fake.base_url, MODEL) is OutputMode.PROMPT


def test_nothing_works_says_the_server_does_not_support_json_output() -> None:
    with serve(FormatSupport.no_json()) as fake:
        with pytest.raises(ReplyRejected) as info:
            client(fake, attempts=2).generate(scenario(), COLUMNS)
        assert "does not support JSON output" in info.value.reason
        assert "not valid JSON" in info.value.reason
        assert len(fake.chat_requests(None)) == 4  # two refusals, two plain answers; no retries


def test_plain_request_refused_too_is_reported_as_no_json_output() -> None:
    with serve(FormatSupport.text_only(400)) as fake:
        fake.faults.fail_next = []
        shared = client(fake)
        original = fake.formats.refusal

        def refuse_all(body: dict[str, object]):  # type: ignore[no-untyped-def]
            return original(body) or original({"response_format": {"type": "plain"}})

        fake.formats.refusal = refuse_all  # type: ignore[method-assign]
        with pytest.raises(LLMRequestError) as info:
            shared.generate(scenario(), COLUMNS)
        message = str(info.value)
        assert message.startswith(f"The LLM server at {shared.host} does not support JSON output")
        assert "json_schema (HTTP 400" in message and "json_object (HTTP 400" in message
        assert shared.output_mode is None


def test_a_400_that_is_not_about_the_format_keeps_json_schema(memory: OutputMemory) -> None:
    with serve(FormatSupport.openai()) as fake:
        fake.faults.fail_next = [400]
        with pytest.raises(LLMRequestError):
            client(fake, memory).generate(scenario(), COLUMNS)
        assert kinds(fake) == [(400, "json_schema")]
    assert memory.get(fake.base_url, MODEL) is None


def test_a_real_outage_500_is_still_retried(llama: FakeOpenAI) -> None:
    shared = client(llama)
    shared.generate(scenario(3), COLUMNS)
    llama.faults.fail_next = [500, 500]
    shared.generate(scenario(4), COLUMNS)
    assert kinds(llama)[2:] == [(500, "json_object"), (500, "json_object"), (200, "json_object")]


def test_a_remembered_mode_that_stops_working_is_probed_again(memory: OutputMemory) -> None:
    with serve(FormatSupport.text_only(400)) as fake:
        memory.put(fake.base_url, MODEL, OutputMode.JSON_OBJECT)  # the server was replaced since
        client(fake, memory).generate(scenario(), COLUMNS)
        assert kinds(fake) == [(400, "json_object"), (200, "prompt")]
    assert memory.get(fake.base_url, MODEL) is OutputMode.PROMPT


def test_models_are_listed_without_a_key() -> None:
    import openai

    with serve(FormatSupport.llama_cpp()) as fake:
        sdk = openai.OpenAI(base_url=fake.base_url, api_key="none", max_retries=0)
        assert [m.id for m in sdk.models.list()] == [MODEL]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('{"a": 1}', {"a": 1}),
        ('Sure!\n```json\n{"a": 1}\n```\nDone.', {"a": 1}),
        ('{"a": 1,}', {"a": 1}),
        ('{"a": {"b": 2}', {"a": {"b": 2}}),
        ("no json here", None),
        ("[1, 2]", None),
    ],
)
def test_tolerant_reading(text: str, found: dict[str, object] | None) -> None:
    result = extract_json_object(text)
    assert (json.loads(result) if result else None) == found


def test_memory_survives_a_corrupt_file_and_can_forget(tmp_path: Path) -> None:
    path = tmp_path / "endpoint_formats.json"
    path.write_text("{not json")
    memory = OutputMemory(path)
    assert memory.get("http://127.0.0.1:8080/v1", MODEL) is None
    memory.put("http://127.0.0.1:8080/v1/", MODEL, OutputMode.JSON_OBJECT)
    memory.put("http://127.0.0.1:8080/v1", "other", OutputMode.PROMPT)
    assert OutputMemory(path).get("http://127.0.0.1:8080/v1", MODEL) is OutputMode.JSON_OBJECT
    memory.forget("http://127.0.0.1:8080/v1")
    assert memory.get("http://127.0.0.1:8080/v1", "other") is None


def test_local_provider_needs_no_key_never_sends_the_openai_key_and_costs_nothing(
    monkeypatch: pytest.MonkeyPatch, llama: FakeOpenAI
) -> None:
    from desktop.errors import InputError
    from desktop.services import llm
    from desktop.settings import Settings

    settings = Settings(llm_provider="local", local_base_url=llama.base_url)
    with pytest.raises(InputError, match="Choose the local model"):
        llm.from_settings(settings)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real-openai-key-0123456789")
    llama.api_key, llama.require_key = LOCAL_KEY, True  # the OpenAI key would be answered 401
    settings.local_model = MODEL
    local = llm.from_settings(settings)
    result = local.generate(scenario(), COLUMNS)
    assert result.cost_usd == 0.0 and result.warnings == []
    assert local.output_mode is OutputMode.JSON_OBJECT
    assert all((r.body or {}).get("model") == MODEL for r in llama.chat_requests(None))
    # Remembered in the data folder: the next client starts with json_object.
    assert llm.from_settings(settings).output_mode is OutputMode.JSON_OBJECT


def test_cli_run_against_a_llama_cpp_style_local_server(
    llama: FakeOpenAI, demo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.cli import main
    from desktop.journal import Journal
    from desktop.settings import Settings, save_settings

    save_settings(Settings(llm_provider="local", local_base_url=llama.base_url, local_model=MODEL))
    code = main(["run", "--source", str(demo_copy), "--rows", "3-7", "--json"])
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert code == 0, err
    assert document["status"] == "COMPLETED" and document["cost_usd"] == 0
    assert "HTTP 500" not in err
    statuses = [status for status, _ in kinds(llama)]
    assert statuses.count(500) == 1 and statuses.count(200) == len(statuses) - 1  # probed once
    with Journal.open() as journal:
        run = journal.get_run(document["run_id"])
    assert run is not None and run.model == MODEL


def test_batch_mode_refuses_to_send_data_off_site_when_a_local_model_is_chosen(
    demo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.cli import main
    from desktop.journal import Journal
    from desktop.settings import Settings, save_settings

    save_settings(Settings(llm_provider="local", local_base_url="http://127.0.0.1:9/v1", local_model=MODEL))
    code = main(["batch", "submit", "--source", str(demo_copy), "--rows", "3-7"])
    err = capsys.readouterr().err
    assert code == 2 and "a local model is chosen in Settings" in err
    with Journal.open() as journal:
        assert journal.list_runs() == []
