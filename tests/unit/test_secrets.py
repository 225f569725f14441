"""Secrets: environment first, then the keyring; a plain session-only fallback without a keyring."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringError

from desktop.services import secrets
from tests.memory_keyring import MemoryKeyring


class BrokenKeyring(KeyringBackend):
    """A backend that exists but fails on every call, like a locked or crashed D-Bus service."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError("backend exploded")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError("backend exploded")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringError("backend exploded")


@pytest.fixture(autouse=True)
def fresh_store() -> Iterator[None]:
    secrets.reset_session_store()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(MemoryKeyring())
    secrets.reset_session_store()


def test_key_round_trip_through_the_keyring() -> None:
    assert secrets.get_openai_key() is None
    assert secrets.set_openai_key("sk-abc ") is True
    assert MemoryKeyring._store[("SimBatch", secrets.OPENAI_KEY_NAME)] == "sk-abc"
    assert secrets.get_openai_key() == "sk-abc"
    secrets.delete_openai_key()
    assert secrets.get_openai_key() is None
    secrets.delete_openai_key()  # deleting twice is fine


def test_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets.set_openai_key("sk-stored")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    assert secrets.get_openai_key() == "sk-env"


def test_generic_secrets_for_other_services() -> None:
    secrets.set_secret("google_refresh_token", "1//tok")
    assert secrets.get_secret("google_refresh_token") == "1//tok"
    secrets.delete_secret("google_refresh_token")
    assert secrets.get_secret("google_refresh_token") is None


def test_status_with_a_working_keyring() -> None:
    status = secrets.keyring_status()
    assert status.usable
    assert "MemoryKeyring" in status.backend


def test_no_backend_keeps_secrets_for_the_session_and_says_so() -> None:
    keyring.set_keyring(fail.Keyring())
    status = secrets.keyring_status()
    assert not status.usable
    assert "session only" in status.message
    assert secrets.set_openai_key("sk-session") is False
    assert secrets.get_openai_key() == "sk-session"
    secrets.delete_openai_key()
    assert secrets.get_openai_key() is None


def test_failing_backend_falls_back_without_leaking(caplog: pytest.LogCaptureFixture) -> None:
    keyring.set_keyring(BrokenKeyring())
    caplog.set_level(logging.DEBUG)
    assert secrets.set_secret("google_refresh_token", "very-secret-token") is False
    assert secrets.get_secret("google_refresh_token") == "very-secret-token"
    status = secrets.keyring_status()
    assert not status.usable
    assert "session only" in status.message
    assert "very-secret-token" not in caplog.text
    secrets.delete_secret("google_refresh_token")
    assert secrets.get_secret("google_refresh_token") is None
