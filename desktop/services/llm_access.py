"""Which OpenAI-compatible endpoint the live and Batch API clients talk to, with which key, and what
they say when a key is missing or refused. The key is read from ``OPENAI_API_KEY`` or the keyring."""

from __future__ import annotations

import os

from desktop.errors import AuthError
from desktop.org_config import OPENAI_ENDPOINT
from desktop.services.secrets import get_openai_key

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
