"""The model a run talks to: whether one is set up, choosing OpenAI (a key) or a local model server (the
``local`` provider: an address and a model, no key), and the one Test that Settings and the first-run
prompt both use."""

from __future__ import annotations

from urllib.parse import urlsplit

from desktop.domain.models import Scenario
from desktop.errors import InputError
from desktop.services import secrets
from desktop.services.llm import from_settings
from desktop.settings import Settings

#: The row the Test sends: one small, harmless request.
SAMPLE = Scenario(
    row=3, case_id="TEST-1", title="Connection test: healthy adult", vitals={"Initial_Vitals": None}
)
#: What a local model server's address usually looks like (llama.cpp, LM Studio, Ollama, vLLM).
LOCAL_SERVER_EXAMPLE = "http://127.0.0.1:8080/v1"


def needs_model_connection(settings: Settings) -> bool:
    """True when a run could reach no model: OpenAI is the provider and no key is stored."""
    return settings.llm_provider == "openai" and not secrets.get_openai_key()


def check_connection(settings: Settings) -> str:
    """Send one tiny request with ``settings`` and the stored key (worker thread); a sentence, or raises."""
    client = from_settings(settings, timeout=30.0)
    client.generate(SAMPLE, ["Initial_Vitals"])
    where = "OpenAI" if settings.llm_provider == "openai" else urlsplit(client.base_url).netloc
    return f"OK — {where} answered with model {client.model}."


def with_openai_key(settings: Settings, key: str) -> Settings:
    """Store ``key`` in the keyring and return ``settings`` with OpenAI as the provider."""
    key = key.strip()
    if not key:
        raise InputError("Paste your OpenAI API key (it starts with sk-).")
    secrets.set_openai_key(key)
    return settings.model_copy(update={"llm_provider": "openai"})


def with_local_server(settings: Settings, base_url: str, model: str) -> Settings:
    """``settings`` with the local provider at ``base_url`` and ``model`` (both checked for their form)."""
    url = base_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"Type the server's address, for example {LOCAL_SERVER_EXAMPLE}.")
    if (parts.hostname or "").endswith("openai.com"):
        raise InputError("That is OpenAI's own address; choose OpenAI above and paste your key instead.")
    if not model.strip():
        raise InputError("Type the model's name as the server knows it (for example smollm2).")
    return settings.model_copy(
        update={"llm_provider": "local", "local_base_url": url, "local_model": model.strip()}
    )
