"""Which model a run talks to: OpenAI needs a key, a local server does not; addresses are checked."""

from __future__ import annotations

import re

import pytest

from desktop.app.connection import needs_model_connection, with_local_server, with_openai_key
from desktop.errors import AuthError, InputError
from desktop.services import secrets
from desktop.services.llm import NO_KEY, api_key_for, is_openai
from desktop.settings import Settings


def test_only_openai_without_a_stored_key_needs_a_connection() -> None:
    assert needs_model_connection(Settings())
    assert not needs_model_connection(Settings(openai_base_url="http://127.0.0.1:8080/v1"))
    secrets.set_openai_key("sk-unit-0123456789")
    assert not needs_model_connection(Settings())


def test_a_local_server_is_sent_a_placeholder_openai_never_is() -> None:
    assert is_openai("https://api.openai.com/v1") and not is_openai("http://localhost:11434/v1")
    assert not is_openai("https://openai.com.example.org/v1")
    assert api_key_for("http://localhost:11434/v1") == NO_KEY
    with pytest.raises(AuthError, match="No OpenAI API key"):
        api_key_for("https://api.openai.com/v1")
    secrets.set_openai_key("sk-unit-0123456789")
    assert api_key_for("http://localhost:11434/v1") == "sk-unit-0123456789"


def test_choosing_a_server_or_a_key() -> None:
    chosen = with_local_server(Settings(), " http://127.0.0.1:8080/v1/ ", "smollm2")
    assert (chosen.openai_base_url, chosen.model) == ("http://127.0.0.1:8080/v1", "smollm2")
    assert with_local_server(Settings(), "http://127.0.0.1:8080/v1", "").model == Settings().model
    for bad in ("", "127.0.0.1:8080", "ftp://host/v1"):
        with pytest.raises(InputError, match=re.escape("for example http://127.0.0.1:8080/v1")):
            with_local_server(Settings(), bad, "m")
    with pytest.raises(InputError, match="OpenAI's own address"):
        with_local_server(Settings(), "https://api.openai.com/v1", "m")
    with pytest.raises(InputError, match="Paste your OpenAI API key"):
        with_openai_key(Settings(), "  ")
    assert with_openai_key(Settings(openai_base_url="http://x:1/v1"), "sk-k").openai_base_url is None
    assert secrets.get_openai_key() == "sk-k"
