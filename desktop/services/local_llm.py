"""A local OpenAI-compatible model server (llama.cpp, Ollama, LM Studio, vLLM): the models it serves
(``GET /v1/models``) and a connection test that sends one real generation request."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from desktop.domain.models import Scenario
from desktop.errors import ServiceError, short_text
from desktop.services.llm import from_settings
from desktop.services.llm_access import LOCAL_KEY, openai_client
from desktop.services.llm_wire import api_error_message
from desktop.services.output_memory import OutputMemory

if TYPE_CHECKING:
    from desktop.settings import Settings

#: The row sent by a connection test.
SAMPLE = Scenario(
    row=3, case_id="TEST-1", title="Connection test: healthy adult", vitals={"Initial_Vitals": None}
)


def list_models(base_url: str, timeout: float = 10.0) -> list[str]:
    """The model ids a server lists at ``<base_url>/models``, sorted; ``ServiceError`` when it cannot."""
    url = base_url.strip().rstrip("/")
    host = urlsplit(url).netloc or url
    if not url.startswith(("http://", "https://")):
        raise ServiceError(f"{base_url!r} is not a server address; it starts with http:// or https://.")
    import openai  # about 2 s to import: only when a server is asked for its models

    client = openai_client(url, LOCAL_KEY, timeout)
    try:
        models = [m.id for m in client.models.list()]
    except openai.APIConnectionError:
        raise ServiceError(f"The model server at {host} could not be reached; is it running?") from None
    except openai.APIStatusError as exc:
        detail = short_text(api_error_message(exc), 160)
        raise ServiceError(f"The model server at {host} did not list its models (HTTP {exc.status_code}: "
                           f"{detail}).") from None  # fmt: skip
    finally:
        client.close()
    return sorted(set(models))


def test_connection(settings: Settings, memory: OutputMemory | None = None) -> str:
    """Send one real request with ``settings`` and say how it went ("OK — …") or raise.

    For a local server what was remembered about its JSON output is forgotten first, so the test also
    finds out afresh which way of asking for JSON it accepts.
    """
    memory = memory if memory is not None else OutputMemory()
    client = from_settings(settings, timeout=60.0, memory=memory)
    if settings.llm_provider == "local":
        client.output_modes.forget()
    client.generate(SAMPLE, ["Initial_Vitals"])
    if settings.llm_provider != "local":
        return "OK — the endpoint answered and the key was accepted."
    mode = client.output_mode.label if client.output_mode else "JSON"
    return f"OK — {client.model} at {client.host} answered; JSON output: {mode}."
