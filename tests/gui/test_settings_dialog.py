"""Settings: the key goes to the keyring, never settings.json; other fields saved; bad prices explained."""

from __future__ import annotations

import json

from pytestqt.qtbot import QtBot

from desktop.gui.dialogs.settings_dialog import SettingsDialog
from desktop.services import auth, secrets
from desktop.settings import Settings, load_settings, settings_path
from tests.fakes.oauth_server import CLIENT_ID, EMAIL, FakeOAuth

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
    dialog._add_price_row("m", None)
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
        secrets.set_secret(auth.TOKEN_SECRET, json.dumps({
            "refresh_token": refresh, "client_id": CLIENT_ID, "token_uri": f"{oauth.base}/token",
            "scopes": list(auth.SCOPES), "account": EMAIL,
        }))
        dialog = SettingsDialog(Settings())
        qtbot.addWidget(dialog)
        assert dialog.google_label.text() == f"Signed in as {EMAIL}"
        dialog.google_button.click()
        assert not dialog.google_button.isEnabled()  # the call runs on a worker
        qtbot.waitUntil(dialog.google_button.isEnabled, timeout=5_000)
        assert oauth.revoked == {refresh}
        assert dialog.google_label.text() == "Not signed in"
        assert dialog.google_note.text().startswith("Signed out of Google")
        assert dialog.google_button.text() == "Sign &in with Google"
        assert secrets.get_secret(auth.TOKEN_SECRET) is None
