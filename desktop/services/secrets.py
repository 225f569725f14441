"""Secrets in the OS keyring (service name ``SimBatch``): the OpenAI key and the Google refresh token.

When no keyring backend works, secrets are kept in memory for this session only and
``keyring_status()`` says so plainly. Secret values are never logged or put into messages.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keyring.backend

log = logging.getLogger(__name__)

SERVICE = "SimBatch"
OPENAI_KEY_NAME = "openai_api_key"
NO_KEYRING_MESSAGE = (
    "No secure keyring is available on this computer, so secrets are kept for this session only "
    "and must be entered again next time."
)

_session: dict[str, str] = {}
_lock = threading.Lock()
_failure: str | None = None  # the last keyring failure, for keyring_status()


@dataclass(frozen=True, slots=True)
class KeyringStatus:
    """Whether secrets can be stored durably, which backend holds them, and a sentence for the user."""

    usable: bool
    backend: str
    message: str


def _backend() -> keyring.backend.KeyringBackend:
    import keyring  # with its backends' libraries, imported when a secret is first needed, not at start-up

    return keyring.get_keyring()


def _backend_name(backend: keyring.backend.KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__name__}"


def _backend_is_usable(backend: keyring.backend.KeyringBackend) -> bool:
    from keyring.backends import fail

    if isinstance(backend, fail.Keyring):
        return False
    children = getattr(backend, "backends", None)  # the chainer backend with nothing to chain
    return not (children is not None and not children)


def _note_failure(action: str, exc: Exception) -> None:
    global _failure
    _failure = f"{type(exc).__name__}"
    # Only the action and the exception type: a backend's message might echo what was passed in.
    log.warning("The keyring could not %s (%s); using the session-only store.", action, type(exc).__name__)


def _clear_failure() -> None:
    global _failure
    _failure = None


def keyring_status() -> KeyringStatus:
    """Whether a usable keyring backend exists (or failed in use this session)."""
    try:
        backend = _backend()
    except Exception as exc:  # a broken backend configuration
        return KeyringStatus(False, type(exc).__name__, NO_KEYRING_MESSAGE)
    name = _backend_name(backend)
    if not _backend_is_usable(backend) or _failure is not None:
        return KeyringStatus(False, name, NO_KEYRING_MESSAGE)
    return KeyringStatus(True, name, f"Secrets are stored in the system keyring ({name}).")


def get_secret(name: str) -> str | None:
    """The secret stored under ``name``: from the keyring, else from this session's memory."""
    try:
        backend = _backend()
        if _backend_is_usable(backend):
            value = backend.get_password(SERVICE, name)
            if value:
                return value
    except Exception as exc:  # keyring.errors.KeyringError, NoKeyringError, D-Bus failures …
        _note_failure("read a secret", exc)
    with _lock:
        return _session.get(name)


def set_secret(name: str, value: str) -> bool:
    """Store a secret; True when it went to the keyring, False when kept for this session only."""
    try:
        backend = _backend()
        if _backend_is_usable(backend):
            backend.set_password(SERVICE, name, value)
            _clear_failure()
            with _lock:
                _session.pop(name, None)
            return True
        from keyring.errors import NoKeyringError

        _note_failure("store a secret", NoKeyringError())
    except Exception as exc:
        _note_failure("store a secret", exc)
    with _lock:
        _session[name] = value
    return False


def delete_secret(name: str) -> None:
    """Forget a secret everywhere it may be kept; a secret that was never stored is not an error."""
    from keyring.errors import PasswordDeleteError

    with _lock:
        _session.pop(name, None)
    try:
        backend = _backend()
        if _backend_is_usable(backend):
            backend.delete_password(SERVICE, name)
    except PasswordDeleteError:
        pass
    except Exception as exc:
        _note_failure("delete a secret", exc)


def get_openai_key() -> str | None:
    """The OpenAI API key: ``OPENAI_API_KEY`` first, then the keyring (or this session's memory)."""
    env = os.environ.get("OPENAI_API_KEY", "").strip()
    if env:
        return env
    value = get_secret(OPENAI_KEY_NAME)
    return value.strip() if value else None


def set_openai_key(key: str) -> bool:
    """Store the OpenAI API key; True when in the keyring, False when kept for this session only."""
    return set_secret(OPENAI_KEY_NAME, key.strip())


def delete_openai_key() -> None:
    """Forget the stored OpenAI API key (``OPENAI_API_KEY`` in the environment is not touched)."""
    delete_secret(OPENAI_KEY_NAME)


def reset_session_store() -> None:
    """Forget the session-only secrets and any recorded keyring failure (used by tests and logout)."""
    with _lock:
        _session.clear()
    _clear_failure()
