"""What the live client raises for an SDK failure that the retry policy gave up on or never retried:
a typed error with a sentence for the user, and never the API key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.errors import AuthError, ServiceError, SimBatchError
from desktop.services.generation import LLMRequestError
from desktop.services.llm_access import KEY_REFUSED, LOCAL_KEY
from desktop.services.llm_wire import api_error_message, redact

if TYPE_CHECKING:
    # The SDK takes about 2 s to import: it is imported where it is used, never at start-up
    # (tests/gui/test_startup_imports.py).
    import openai


def translate_error(exc: openai.OpenAIError, host: str, api_key: str, attempts: int) -> SimBatchError:
    """A typed, key-free error for an SDK failure of a request to ``host`` after ``attempts`` sends."""
    import openai

    if isinstance(exc, openai.APIConnectionError):  # includes timeouts
        return ServiceError(f"The LLM service at {host} could not be reached.")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status in (401, 403) and api_key == LOCAL_KEY:
            return AuthError(
                f"The server at {host} asks for an API key; enter it in Settings "
                "or set OPENAI_API_KEY."
            )
        if status in (401, 403):
            return AuthError(KEY_REFUSED)
        if status == 429 or status >= 500:
            return ServiceError(
                f"The LLM service at {host} kept failing (HTTP {status}) after {attempts} attempts."
            )
        detail = redact(api_error_message(exc), api_key).rstrip(".")
        return LLMRequestError(f"The LLM service refused the request (HTTP {status}): {detail}.", status)
    detail = redact(str(exc), api_key).rstrip(".")
    return ServiceError(f"The LLM service at {host} failed: {detail}.")
