"""Whether a run has a model: OpenAI needs a stored key, a local server does not; a pasted key goes to
the keyring only."""

from __future__ import annotations

import pytest

from desktop.app.connection import needs_model_connection, store_openai_key
from desktop.errors import InputError
from desktop.services import secrets
from desktop.settings import Settings, settings_path


def test_only_openai_without_a_stored_key_needs_a_connection() -> None:
    assert needs_model_connection(Settings())
    assert not needs_model_connection(Settings(llm_provider="local", local_model="smollm2"))
    secrets.set_openai_key("sk-unit-0123456789")
    assert not needs_model_connection(Settings())


def test_a_pasted_key_goes_to_the_keyring_only() -> None:
    with pytest.raises(InputError, match="Paste your OpenAI API key"):
        store_openai_key("  ")
    store_openai_key(" sk-k ")
    assert secrets.get_openai_key() == "sk-k"
    assert not settings_path().exists()
