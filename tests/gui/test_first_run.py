"""First run for a newcomer: the welcome asks only for a source and says what each step does; the first
Run asks for a model — an OpenAI key or a local model server, with the Settings dialog's Test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from desktop.gui.dialogs.connect_model import ConnectModelDialog
from desktop.gui.dialogs.welcome import WelcomeDialog
from desktop.gui.mainwindow.window import MainWindow
from desktop.journal import RunStatus
from desktop.services import secrets
from desktop.settings import Settings, load_settings, settings_path
from desktop.settings_store import SettingsStore
from tests.fakes.openai_formats import FormatSupport
from tests.fakes.openai_server import FakeOpenAI
from tests.gui.conftest import MessageLog, wait_idle

TIMEOUT_MS = 30_000
KEY = "sk-first-run-0123456789abcdef"


@pytest.fixture
def local_server() -> Iterator[FakeOpenAI]:
    """An OpenAI-compatible server that, like a local llama.cpp server, needs no key."""
    with FakeOpenAI(require_key=False, formats=FormatSupport.llama_cpp()) as server:
        yield server


def test_the_welcome_asks_for_a_source_only_and_says_what_each_step_does(qtbot: QtBot) -> None:
    welcome = WelcomeDialog()
    qtbot.addWidget(welcome)
    texts = [label.text() for label in welcome.help_labels]
    for name, text in zip(("Validate", "Auto-fix", "Add defaults", "Run"), texts, strict=True):
        assert text.startswith(f"<b>{name}</b> ")
        sentence = text.removeprefix(f"<b>{name}</b> ")
        assert sentence.endswith(".") and sentence.count(". ") == 0  # one sentence each
    # no key, no file path typed: the only text field is the Google Sheet link
    edits = welcome.findChildren(QLineEdit)
    assert edits == [welcome.link_edit]


def _window_without_a_model(
    qtbot: QtBot, open_window: Callable[[str | Path], MainWindow], workbook: Path
) -> MainWindow:
    window = open_window(workbook)
    wait_idle(qtbot, window)
    settings = window.context.settings
    settings.requests_per_minute, settings.tokens_per_minute = 100_000, 100_000_000
    return window


def test_the_first_run_asks_for_a_local_server_tests_it_then_runs_and_never_asks_again(
    qtbot: QtBot, open_window: Callable[[str | Path], MainWindow], demo_copy: Path,
    local_server: FakeOpenAI, message_boxes: MessageLog,
) -> None:
    window = _window_without_a_model(qtbot, open_window, demo_copy)
    panel = window.run_side.run_panel
    qtbot.waitUntil(panel.start_button.isEnabled, timeout=TIMEOUT_MS)
    panel.start_button.click()
    dialog = panel.connect_dialog
    assert isinstance(dialog, ConnectModelDialog) and dialog.isVisible()
    assert window.run_side.controller.run_id is None and local_server.log == []  # nothing started

    box = dialog.provider_box  # the Settings dialog's own provider choice
    box.local_radio.setChecked(True)
    assert not dialog.key_edit.isEnabled()
    box.url_edit.setText("127.0.0.1")  # not an address
    dialog.test_button.click()
    assert "http://" in dialog.test_label.text()
    box.url_edit.setText(local_server.base_url)
    box.model_combo.setCurrentText("smollm2")
    dialog.test_button.click()
    qtbot.waitUntil(dialog.test_button.isEnabled, timeout=TIMEOUT_MS)
    assert dialog.test_label.text().startswith("OK — smollm2 at 127.0.0.1:")
    assert len(local_server.chat_requests()) == 1

    with qtbot.waitSignal(window.run_side.controller.finished, timeout=TIMEOUT_MS) as finished:
        dialog.save_button.click()
    assert finished.args[0].status is RunStatus.COMPLETED
    saved = load_settings()
    assert (saved.llm_provider, saved.local_base_url, saved.local_model) == (
        "local", local_server.base_url, "smollm2"
    )
    assert secrets.get_openai_key() is None  # a local server needs no key, and none was stored
    assert message_boxes.shown == []

    qtbot.waitUntil(panel.start_button.isEnabled, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(window.run_side.controller.finished, timeout=TIMEOUT_MS):
        panel.start_button.click()  # again: the model is known now, nothing is asked
    assert panel.connect_dialog is None


def test_the_openai_choice_keeps_the_key_in_the_keyring_only(qtbot: QtBot) -> None:
    store = SettingsStore(Settings(llm_provider="local", local_model="smollm2"))
    dialog = ConnectModelDialog(store)
    qtbot.addWidget(dialog)
    assert dialog.provider_box.is_local  # a server was chosen before: shown first
    dialog.provider_box.openai_radio.setChecked(True)
    assert dialog.key_edit.isEnabled() and dialog.key_edit.echoMode() == QLineEdit.EchoMode.Password
    dialog.save_button.click()
    assert "Paste your OpenAI API key" in dialog.test_label.text()
    assert not settings_path().exists()
    dialog.key_edit.setText(KEY)
    dialog.save_button.click()
    assert secrets.get_openai_key() == KEY
    assert KEY not in settings_path().read_text(encoding="utf-8")
    assert load_settings().llm_provider == "openai" and store.current.llm_provider == "openai"


def test_a_batch_run_offers_openai_only(qtbot: QtBot) -> None:
    dialog = ConnectModelDialog(SettingsStore(Settings(llm_provider="local")), allow_local=False)
    qtbot.addWidget(dialog)
    box = dialog.provider_box
    assert not box.local_radio.isEnabled() and box.openai_radio.isChecked()
