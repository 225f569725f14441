"""Whether a run has a model to talk to, and keeping the OpenAI key the user pasted.

The provider itself (OpenAI, or a local OpenAI-compatible server) is a setting; its Test is
``desktop.services.local_llm.test_connection``, used by Settings and the first-run prompt alike.
"""

from __future__ import annotations

from desktop.errors import InputError
from desktop.services import secrets
from desktop.settings import Settings


def needs_model_connection(settings: Settings) -> bool:
    """True when a run could reach no model: OpenAI is the provider and no key is stored."""
    return settings.llm_provider == "openai" and not secrets.get_openai_key()


def store_openai_key(key: str) -> None:
    """Keep the pasted OpenAI key in the keyring (only there); ``InputError`` when nothing was pasted."""
    key = key.strip()
    if not key:
        raise InputError("Paste your OpenAI API key (it starts with sk-).")
    secrets.set_openai_key(key)
