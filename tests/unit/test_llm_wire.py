"""Reading a chat completion from an endpoint's HTTP answer, and the SDK clients the app talks through."""

from __future__ import annotations

import json

import httpx2
import pytest

from desktop.services.llm_wire import completion_from

REPLY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "{}"}}],
    "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
}


def test_a_reply_reads_as_the_sdks_chat_completion() -> None:
    completion = completion_from(httpx2.Response(200, json=REPLY))
    assert type(completion).__name__ == "ChatCompletion"
    assert completion.choices[0].message.content == "{}" and completion.usage.prompt_tokens == 10


def test_a_local_servers_reply_that_lacks_fields_still_reads() -> None:
    partial = {"choices": [{"message": {"content": '{"a": 1}'}}]}  # no id, model, usage or finish reason
    completion = completion_from(httpx2.Response(200, json=partial))
    assert completion.choices[0].message.content == '{"a": 1}' and completion.usage is None


def test_a_page_that_is_not_json_comes_back_as_its_text() -> None:
    page = httpx2.Response(200, text="<html>proxy login</html>", headers={"content-type": "text/html"})
    assert completion_from(page) == "<html>proxy login</html>"


def test_broken_json_under_a_json_type_raises() -> None:
    cut = json.dumps(REPLY)[:40]
    with pytest.raises(ValueError):
        completion_from(httpx2.Response(200, text=cut, headers={"content-type": "application/json"}))


def test_sdk_clients_share_one_tls_context() -> None:
    """Building a TLS context reads the system's certificates with the interpreter lock held (25-100 ms):
    once per app, not once per client (each run makes one)."""
    from desktop.services.llm_access import openai_client

    first = openai_client("https://api.example.test/v1", "sk-test", 5.0)
    second = openai_client("http://127.0.0.1:9/v1", "sk-test", 5.0)

    def tls_context(client: object) -> object:
        return client._client._transport._pool._ssl_context  # type: ignore[attr-defined]

    assert first is not second and tls_context(first) is tls_context(second)
    assert first.max_retries == 0 and first.timeout == 5.0  # the one retry policy retries, not the SDK
