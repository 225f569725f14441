"""An in-memory keyring backend for tests (selected through PYTHON_KEYRING_BACKEND)."""

from __future__ import annotations

from typing import ClassVar

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """Keeps secrets in a class-level dict; ``clear()`` empties it between tests."""

    priority = 1  # type: ignore[assignment]
    _store: ClassVar[dict[tuple[str, str], str]] = {}

    @classmethod
    def clear(cls) -> None:
        cls._store.clear()

    def get_password(self, service: str, username: str) -> str | None:
        return self._store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self._store[(service, username)]
        except KeyError as exc:
            raise PasswordDeleteError(username) from exc
