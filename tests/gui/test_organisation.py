"""The app with an organisation file: Settings marks organisation values and greys out locked
ones (never saved), "Sign in with Google" works with the organisation's client alone, About shows
where settings come from, and a malformed file stops the app with a message naming it."""

from __future__ import annotations

import json
import os
import webbrowser
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFormLayout, QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.gui.app import run_app
from desktop.gui.dialogs.about import AboutDialog
from desktop.gui.dialogs.settings_dialog import SettingsDialog
from desktop.services import auth_token
from desktop.settings import load_settings, settings_path
from tests.fakes.oauth_server import EMAIL, FakeBrowser, FakeOAuth

ORG = {
    "llm": {"base_url": "https://llm.example-hospital.org/v1", "model": "gpt-4.1-mini"},
    "limits": {"workers": 4},
    "scenario_tab": "Scenarios 2026",
    "locked": ["llm.base_url", "llm.model"],
}


def write_org(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: dict[str, object]) -> Path:
    path = tmp_path / "simbatch-org.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setenv("SIMBATCH_ORG_CONFIG", str(path))
    return path


def label_of(dialog: SettingsDialog, widget: object) -> str:
    form = dialog.findChild(QFormLayout)
    assert form is not None
    label = form.labelForField(widget)
    assert isinstance(label, QLabel)
    return label.text()


def test_organisation_values_are_marked_and_locked_ones_greyed_out(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_org(tmp_path, monkeypatch, ORG)
    dialog = SettingsDialog(load_settings())
    qtbot.addWidget(dialog)
    assert dialog.organisation_fields == {
        "llm_provider": True, "openai_base_url": True, "model": True, "workers": False, "scenario_tab": False
    }
    assert str(path) in dialog.org_banner.text()
    assert dialog.endpoint_edit.text() == "https://llm.example-hospital.org/v1"
    assert not dialog.endpoint_edit.isEnabled() and not dialog.model_edit.isEnabled()
    assert dialog.workers_spin.isEnabled() and dialog.tab_edit.isEnabled()
    assert label_of(dialog, dialog.model_edit) == "OpenAI &model (locked by your organisation):"
    assert label_of(dialog, dialog.workers_spin) == "&Workers (organisation):"
    assert label_of(dialog, dialog.rpm_spin) == "Requests per minute:"
    assert f"Set by your organisation in {path} and locked." in dialog.model_edit.toolTip()
    dialog.show()
    shots = Path(os.environ.get("SIMBATCH_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(shots / "settings-organisation.png"))

    # The user changes an unlocked value; the locked ones are not written to their file.
    dialog.workers_spin.setValue(2)
    with qtbot.waitSignal(dialog.saved, timeout=2_000):
        dialog.save()
    assert json.loads(settings_path().read_text(encoding="utf-8")) == {"version": 3, "workers": 2}
    reopened = SettingsDialog(load_settings())
    qtbot.addWidget(reopened)
    assert "workers" not in reopened.organisation_fields  # now the user's own value
    assert reopened.workers_spin.value() == 2


def test_without_an_organisation_file_nothing_is_marked(qtbot: QtBot) -> None:
    dialog = SettingsDialog(load_settings())
    qtbot.addWidget(dialog)
    assert dialog.organisation_fields == {}
    assert dialog.endpoint_edit.isEnabled() and not hasattr(dialog, "org_banner")
    assert label_of(dialog, dialog.model_edit) == "OpenAI &model:"


def test_sign_in_with_google_uses_the_organisation_client(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    browser = FakeBrowser()
    monkeypatch.setattr(webbrowser, "get", lambda using=None: browser)
    with FakeOAuth() as oauth:
        installed = oauth.client_config()["installed"]
        client = {k: installed[k] for k in ("client_id", "client_secret", "auth_uri", "token_uri")}
        write_org(tmp_path, monkeypatch, {"google_oauth_client": client})
        dialog = SettingsDialog(load_settings())
        qtbot.addWidget(dialog)
        assert dialog.google.button.text() == "Sign &in with Google"
        dialog.google.button.click()
        qtbot.waitUntil(lambda: dialog.google.label.text() == f"Signed in as {EMAIL}", timeout=10_000)
        assert auth_token.signed_in_account() == EMAIL
        assert load_settings().google_client_secrets is None  # no client file was asked for
    auth_token.forget_credentials()


def test_about_shows_where_the_settings_come_from(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = AboutDialog()
    qtbot.addWidget(plain)
    assert "no organisation file" in plain.source_label.text()
    path = write_org(tmp_path, monkeypatch, ORG)
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    assert f"organisation file {path} (5 settings; 2 locked)" in dialog.source_label.text()
    write_org(tmp_path, monkeypatch, {"llm": {"model": ""}})
    broken = AboutDialog()
    qtbot.addWidget(broken)
    assert broken.source_label.text().startswith(f"The organisation file {path} is not valid: llm.model")


def test_a_malformed_organisation_file_stops_the_app_with_a_message(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_org(tmp_path, monkeypatch, {**ORG, "locked": ["llm.url"]})
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append((title, text)))
    assert run_app() == 2
    [(title, text)] = shown
    assert title == "SimBatch cannot start"
    assert f"The organisation file {path} is not valid: locked: unknown key(s) llm.url" in text
    assert "IT department" in text


def test_a_locked_local_model_server_cannot_be_left(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = {"provider": "local", "base_url": "http://llm.ward.local:8080/v1", "model": "smollm2"}
    write_org(tmp_path, monkeypatch, {"llm": local, "locked": ["llm.base_url"]})
    dialog = SettingsDialog(load_settings())
    qtbot.addWidget(dialog)
    box = dialog.provider_box
    assert box.is_local and box.title() == "Model provider (locked by your organisation)"
    assert not box.openai_radio.isEnabled() and not box.local_radio.isEnabled()
    assert box.url_edit.text() == "http://llm.ward.local:8080/v1" and not box.url_edit.isEnabled()
    assert box.model_combo.isEnabled()  # the model is the organisation's but not locked
    assert dialog.organisation_fields == {"llm_provider": True, "local_base_url": True, "local_model": False}
