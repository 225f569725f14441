"""The one way to change the settings: re-read the file, merge only the fields being changed, save,
and tell whoever listens.

Several writers share the settings file (the window remembering the last source, a sign-in naming
its client file, the Settings dialog). Each writes only the fields it changes on top of what is in
the file now, so no writer puts back another's older value.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from desktop.settings import Settings, load_settings, save_settings

#: Serialises read-merge-save in this process (the GUI thread and a sign-in worker may both write).
_WRITE_LOCK = threading.Lock()

Listener = Callable[[Settings], None]


def update_settings(**fields: Any) -> Settings:
    """Set ``fields`` in the settings file, keeping every other value as the file has it now; returns
    the effective settings after the change. Raises ``ValueError`` for an invalid value (nothing is
    written then)."""
    with _WRITE_LOCK:
        current = load_settings()
        merged = current.model_copy(update=fields)
        merged = Settings.model_validate(merged.model_dump())  # validate the new values too
        save_settings(merged)
        return merged


def changed_fields(before: Settings, after: Settings) -> dict[str, Any]:
    """The fields whose value differs between ``before`` and ``after``, with ``after``'s values."""
    old = before.model_dump()
    new = after.model_dump()
    return {name: getattr(after, name) for name, value in new.items() if old.get(name) != value}


class SettingsStore:
    """The settings of one app session: ``current`` to read, ``update(**fields)`` to change.

    Listeners are called with the new settings after each update, on the thread that updated.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self._current = settings if settings is not None else load_settings()
        self._listeners: list[Listener] = []

    @property
    def current(self) -> Settings:
        """The settings as last read or written (treat as read-only; change them with ``update``)."""
        return self._current

    def update(self, **fields: Any) -> Settings:
        """Re-read the file, set ``fields``, save, and notify the listeners; returns the new settings."""
        self._current = update_settings(**fields)
        self._notify()
        return self._current

    def reload(self) -> Settings:
        """Read the file again (another writer may have changed it) and notify the listeners."""
        self._current = load_settings()
        self._notify()
        return self._current

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(settings)`` after every update or reload."""
        self._listeners.append(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener(self._current)
