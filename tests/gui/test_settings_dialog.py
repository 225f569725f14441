"""Settings: the key goes to the keyring, never settings.json; other fields saved; bad prices explained."""

from __future__ import annotations

import json
import shutil
import webbrowser
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.gui.dialogs.settings_dialog import SettingsDialog
from desktop.gui.mainwindow.window import MainWindow
from desktop.services import auth_client, auth_token, secrets
from desktop.settings import Settings, load_settings, settings_path
from desktop.settings_store import SettingsStore
from tests.fakes.oauth_server import CLIENT_ID, EMAIL, FakeBrowser, FakeOAuth
from tests.fakes.openai_server import FakeOpenAI, FormatSupport
from tests.gui.conftest import wait_idle

KEY = "sk-test-0123456789abcdef"


def test_save_puts_the_key_in_the_keyring_only(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    assert dialog.key_edit.echoMode() == dialog.key_edit.EchoMode.Password
    dialog.key_edit.setText(KEY)
    dialog.model_edit.setText("gpt-4.1-mini")
    dialog.workers_spin.setValue(3)
    dialog.endpoint_edit.setText("http://127.0.0.1:8000/v1")
    models = [dialog.prices.item(i, 0).text() for i in range(dialog.prices.rowCount())]
    assert {"gpt-4o-mini", "gpt-4.1-mini"} <= set(models)  # the shipped prices are shown
    row = models.index("gpt-4.1-mini")
    assert dialog.prices.item(row, 3).text() == "1.6"
    dialog.prices.item(row, 3).setText("1.7")
    with qtbot.waitSignal(dialog.saved, timeout=2_000):
        dialog.save()
    assert secrets.get_openai_key() == KEY
    text = settings_path().read_text(encoding="utf-8")
    assert KEY not in text
    saved = load_settings()
    assert saved.model == "gpt-4.1-mini" and saved.workers == 3
    assert saved.openai_base_url == "http://127.0.0.1:8000/v1"
    assert set(saved.price_overrides) == {"gpt-4.1-mini"}  # only what differs from the shipped table
    assert saved.price_overrides["gpt-4.1-mini"].output == 1.7
    reopened = SettingsDialog(saved)
    qtbot.addWidget(reopened)
    texts = {reopened.prices.item(i, 0).text(): reopened.prices.item(i, 3).text()
             for i in range(reopened.prices.rowCount())}
    assert texts["gpt-4.1-mini"] == "1.7" and texts["gpt-4o-mini"] == "0.6"


def test_a_bad_price_is_one_sentence_and_nothing_is_saved(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.prices.add_row("m", None)
    dialog.prices.item(dialog.prices.rowCount() - 1, 1).setText("cheap")
    dialog.save()
    assert dialog.error_label.text() == "The price of m must be numbers of zero or more."
    assert not settings_path().exists()


def test_test_button_reports_a_missing_key(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.test_key()
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=5_000)
    assert "No OpenAI API key is set" in dialog.test_label.text()


def test_sign_out_withdraws_the_access_at_google_without_blocking_the_window(qtbot: QtBot) -> None:
    with FakeOAuth() as oauth:
        refresh = "1//refresh-settings-dialog"
        oauth.refresh_tokens[refresh] = "https://www.googleapis.com/auth/spreadsheets"
        secrets.set_secret(auth_token.TOKEN_SECRET, json.dumps({
            "refresh_token": refresh, "client_id": CLIENT_ID, "token_uri": f"{oauth.base}/token",
            "scopes": list(auth_client.SCOPES), "account": EMAIL,
        }))
        dialog = SettingsDialog(Settings())
        qtbot.addWidget(dialog)
        assert dialog.google.label.text() == f"Signed in as {EMAIL}"
        dialog.google.button.click()
        assert not dialog.google.button.isEnabled()  # the call runs on a worker
        qtbot.waitUntil(dialog.google.button.isEnabled, timeout=5_000)
        assert oauth.revoked == {refresh}
        assert dialog.google.label.text() == "Not signed in"
        assert dialog.google.note.text().startswith("Signed out of Google")
        assert dialog.google.button.text() == "Sign &in with Google"
        assert secrets.get_secret(auth_token.TOKEN_SECRET) is None


def test_signing_in_with_the_configured_client_file_writes_no_settings(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settings have one writer, the store: the dialog's sign-in does not rewrite the file."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    monkeypatch.setattr(webbrowser, "get", lambda using=None: FakeBrowser())
    with FakeOAuth() as oauth:
        client_file = oauth.write_client_file(tmp_path / "client_secrets.json")
        store = SettingsStore()
        store.update(google_client_secrets=str(client_file))
        written = settings_path().stat()
        notified: list[Settings] = []
        store.subscribe(notified.append)
        dialog = SettingsDialog(store.current, store=store)
        qtbot.addWidget(dialog)
        dialog.google.button.click()
        qtbot.waitUntil(lambda: dialog.google.label.text() == f"Signed in as {EMAIL}", timeout=10_000)
        now = settings_path().stat()
        assert (now.st_ino, now.st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
        assert notified == [] and store.current.google_client_secrets == str(client_file)
    auth_token.forget_credentials()


def test_local_model_provider_lists_models_tests_and_saves_without_a_key(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with FakeOpenAI(formats=FormatSupport.llama_cpp(), require_key=False,
                    models=["smollm2-135m-instruct", "qwen2.5-0.5b"]) as server:  # fmt: skip
        dialog = SettingsDialog(Settings())
        qtbot.addWidget(dialog)
        box = dialog.provider_box
        assert not box.url_edit.isEnabled() and dialog.key_edit.isEnabled()
        box.local_radio.setChecked(True)
        assert box.url_edit.isEnabled() and not dialog.key_edit.isEnabled()
        box.url_edit.setText(server.base_url)
        box.read_models()
        qtbot.waitUntil(lambda: box.model_combo.count() == 2, timeout=10_000)
        assert [box.model_combo.itemText(i) for i in range(2)] == ["qwen2.5-0.5b", "smollm2-135m-instruct"]
        assert box.status_label.text() == "The server serves 2 models."
        box.model_combo.setCurrentText("smollm2-135m-instruct")
        dialog.show()
        dialog.test_key()  # one real request: the server refuses json_schema, takes json_object
        qtbot.waitUntil(lambda: dialog.test_label.text().startswith("OK"), timeout=15_000)
        assert "JSON mode with a schema (json_object)" in dialog.test_label.text()
        assert [r.status for r in server.chat_requests(None)] == [500, 200]
        dialog.grab().save(str(tmp_path / "settings-local-model.png"))
        with qtbot.waitSignal(dialog.saved, timeout=2_000):
            dialog.save()
    saved = load_settings()
    assert saved.llm_provider == "local" and saved.local_base_url == server.base_url
    assert saved.local_model == "smollm2-135m-instruct"
    assert secrets.get_openai_key() is None


def test_local_model_server_that_is_not_running_is_one_sentence(qtbot: QtBot) -> None:
    dialog = SettingsDialog(Settings(llm_provider="local", local_base_url="http://127.0.0.1:9/v1"))
    qtbot.addWidget(dialog)
    box = dialog.provider_box
    box.read_models()
    qtbot.waitUntil(lambda: box.models_button.isEnabled(), timeout=10_000)
    assert box.status_label.text() == "The model server at 127.0.0.1:9 could not be reached; is it running?"
    dialog.save()  # no model chosen yet
    assert dialog.error_label.text() == "Choose the local model (Read models lists what the server serves)."


def test_opening_workbook_b_then_saving_settings_keeps_b_as_the_last_source(
    qtbot: QtBot, demo_copy: Path, open_window: Callable[[str | Path], MainWindow]
) -> None:
    workbook_b = demo_copy.with_name("workbook-b.xlsx")
    shutil.copyfile(demo_copy, workbook_b)
    window = open_window(demo_copy)
    wait_idle(qtbot, window)
    assert load_settings().last_source == str(demo_copy)
    window.sources.open_source(str(workbook_b))
    wait_idle(qtbot, window)
    assert load_settings().last_source == str(workbook_b)
    window.open_settings()
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None
    dialog.workers_spin.setValue(5)
    with qtbot.waitSignal(dialog.saved, timeout=2_000):
        dialog.save()
    saved = load_settings()
    assert saved.last_source == str(workbook_b) and saved.workers == 5
    assert window.context.settings.last_source == str(workbook_b) and window.context.settings.workers == 5
