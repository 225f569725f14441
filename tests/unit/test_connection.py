"""Which model a run talks to: OpenAI needs a key, a local server does not; addresses are checked."""

from __future__ import annotations

import re

import pytest

from desktop.app.connection import needs_model_connection, with_local_server, with_openai_key
from desktop.errors import InputError
from desktop.services import secrets
from desktop.settings import Settings


def test_only_openai_without_a_stored_key_needs_a_connection() -> None:
    assert needs_model_connection(Settings())
    assert not needs_model_connection(Settings(llm_provider="local", local_model="smollm2"))
    secrets.set_openai_key("sk-unit-0123456789")
    assert not needs_model_connection(Settings())


def test_choosing_a_server_or_a_key() -> None:
    chosen = with_local_server(Settings(), " http://127.0.0.1:8080/v1/ ", " smollm2 ")
    assert (chosen.llm_provider, chosen.local_base_url, chosen.local_model) == (
        "local", "http://127.0.0.1:8080/v1", "smollm2"
    )
    for bad in ("", "127.0.0.1:8080", "ftp://host/v1"):
        with pytest.raises(InputError, match=re.escape("for example http://127.0.0.1:8080/v1")):
            with_local_server(Settings(), bad, "m")
    with pytest.raises(InputError, match="OpenAI's own address"):
        with_local_server(Settings(), "https://api.openai.com/v1", "m")
    with pytest.raises(InputError, match="model's name"):
        with_local_server(Settings(), "http://127.0.0.1:8080/v1", " ")
    with pytest.raises(InputError, match="Paste your OpenAI API key"):
        with_openai_key(Settings(), "  ")
    assert with_openai_key(chosen, "sk-k").llm_provider == "openai"
    assert secrets.get_openai_key() == "sk-k"
