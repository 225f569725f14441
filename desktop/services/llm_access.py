"""Which OpenAI-compatible endpoint the live and Batch API clients talk to, with which key, and what
they say when a key is missing or refused; and the SDK client they talk through. The key is read from
``OPENAI_API_KEY`` or the keyring."""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

from desktop.errors import AuthError
from desktop.org_config import OPENAI_ENDPOINT
from desktop.services.secrets import get_openai_key

if TYPE_CHECKING:
    import ssl

    # The SDK takes about 2 s to import: it is imported where it is used, never at start-up.
    import openai

KEY_REFUSED = "The OpenAI API key was refused; check it in Settings or OPENAI_API_KEY."
#: Sent as the key to a local server (the SDK needs one; the user's OpenAI key never goes there).
LOCAL_KEY = "local-no-key"


def require_openai_key() -> str:
    """The OpenAI API key (``OPENAI_API_KEY`` or the keyring); ``AuthError`` when none is set."""
    key = get_openai_key()
    if not key:
        raise AuthError("No OpenAI API key is set; enter it in Settings or set OPENAI_API_KEY.")
    return key


def resolve_base_url(configured: str | None) -> str:
    """The endpoint: the settings value, else ``OPENAI_BASE_URL``, else the OpenAI default.

    The settings value is the organisation's when its file locks the endpoint (``load_settings``), so
    the environment never overrides a locked endpoint.
    """
    for candidate in (configured, os.environ.get("OPENAI_BASE_URL")):
        if candidate and candidate.strip():
            return candidate.strip()
    return OPENAI_ENDPOINT


def openai_client(base_url: str, api_key: str, timeout: float) -> openai.OpenAI:
    """An SDK client for ``base_url`` with the SDK's own retries off (the one retry policy retries).

    Every client shares one TLS context: building one reads the system's certificates, 25-100 ms in
    which the interpreter lock is held, and a run that made a client with its own context stalled the
    window that long as it started (bench/gui_latency.py).
    """
    import openai

    http_client = openai.DefaultHttpx2Client(verify=_tls_context())
    return openai.OpenAI(
        base_url=base_url, api_key=api_key, max_retries=0, timeout=timeout, http_client=http_client
    )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The TLS context the SDK would make for itself (system certificates, ``SSL_CERT_FILE``), once."""
    import httpx2

    return httpx2.create_ssl_context()


def warm_up() -> None:
    """Import the SDK and make a first client, so that a run about to start need not (worker thread).

    The first client of a process imports the SDK and builds its types and the TLS context: about a
    second of pure Python under the interpreter lock, which a first run spent while the window was
    showing its start (the window's thread waited for the lock). Nothing is sent.
    """
    from openai.types.chat import ChatCompletion  # noqa: F401  (the type every reply is read into)

    openai_client("http://127.0.0.1/v1", LOCAL_KEY, 1.0).close()
