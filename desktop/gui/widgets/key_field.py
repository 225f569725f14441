"""The OpenAI key entry shared by Settings and the Connect-a-model prompt: a typed key goes to the
keyring (never to a file), and a note says so when this computer has no secure keyring."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit

from desktop.app.connection import store_openai_key
from desktop.services import secrets

#: What the key field says once a key is stored.
KEY_STORED = "A key is stored; type a new one to replace it"


def keyring_note() -> QLabel:
    """A label with the keyring's problem (why a stored key lasts only this session), hidden when the
    keyring works."""
    status = secrets.keyring_status()
    note = QLabel("" if status.usable else status.message)
    note.setWordWrap(True)
    note.setVisible(not status.usable)
    return note


def store_typed_key(edit: QLineEdit) -> None:
    """Keep the key typed in ``edit`` in the keyring, then empty the field and say a key is stored
    (``InputError`` when nothing was typed)."""
    store_openai_key(edit.text())
    edit.clear()
    edit.setPlaceholderText(KEY_STORED)
