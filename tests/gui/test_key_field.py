"""The OpenAI key entry of Settings and of the Connect-a-model prompt: without a secure keyring both say
the key lasts this session only; a stored key empties the field, which then says a key is stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from desktop.gui.dialogs.connect_model import ConnectModelDialog
from desktop.gui.dialogs.settings_dialog import SettingsDialog
from desktop.gui.widgets.key_field import KEY_STORED
from desktop.services import secrets
from desktop.settings import Settings
from desktop.settings_store import SettingsStore
from tests.memory_keyring import MemoryKeyring

KEY = "sk-key-field-0123456789abcdef"


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """A computer without a secure keyring (secrets then last for the session)."""
    keyring.set_keyring(fail.Keyring())
    secrets.reset_session_store()
    yield
    keyring.set_keyring(MemoryKeyring())
    secrets.reset_session_store()


def notes(dialog: QWidget) -> list[str]:
    return [label.text() for label in dialog.findChildren(QLabel) if "session only" in label.text()]


def dialogs(qtbot: QtBot) -> list[SettingsDialog | ConnectModelDialog]:
    store = SettingsStore(Settings())
    found: list[SettingsDialog | ConnectModelDialog] = [SettingsDialog(Settings(), store=store),
                                                        ConnectModelDialog(store)]  # fmt: skip
    for dialog in found:
        qtbot.addWidget(dialog)
    return found


def test_without_a_keyring_both_key_entries_say_the_key_lasts_this_session(
    qtbot: QtBot, no_keyring: None, tmp_path: Path
) -> None:
    for dialog in dialogs(qtbot):
        dialog.show()
        qtbot.waitExposed(dialog)
        shown = [label for label in dialog.findChildren(QLabel) if "session only" in label.text()]
        assert len(shown) == 1 and shown[0].isVisible(), type(dialog).__name__
        dialog.grab().save(str(tmp_path / f"{type(dialog).__name__}.png"))


def test_with_a_keyring_there_is_no_note_and_a_stored_key_empties_the_field(qtbot: QtBot) -> None:
    settings, connect = dialogs(qtbot)
    assert notes(settings) == notes(connect) == []
    settings.key_edit.setText(f"  {KEY}  ")
    settings.save()
    assert secrets.get_openai_key() == KEY
    assert settings.key_edit.text() == "" and settings.key_edit.placeholderText() == KEY_STORED
    connect.key_edit.setText(KEY + "2")
    assert connect.chosen() is not None
    assert secrets.get_openai_key() == KEY + "2"
    assert connect.key_edit.text() == "" and connect.key_edit.placeholderText() == KEY_STORED
