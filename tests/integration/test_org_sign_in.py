"""Sign-in with the organisation's OAuth client (simbatch-org.json) against the loopback fake Google,
and the per-user client file still working without one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desktop.errors import UsageError
from desktop.services import auth, auth_client, auth_token, secrets
from desktop.settings import load_settings, settings_path
from tests.fakes.oauth_server import CLIENT_ID, CLIENT_SECRET, EMAIL, FakeBrowser, FakeOAuth
from tests.integration.test_auth import forget_access_tokens
from tests.memory_keyring import MemoryKeyring


def org_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeOAuth, **extra: Any) -> Path:
    """An organisation file whose Google client is the fake's (its endpoints on loopback)."""
    installed = fake.client_config()["installed"]
    client = {k: installed[k] for k in ("client_id", "client_secret", "auth_uri", "token_uri")}
    path = tmp_path / "ProgramData" / "SimBatch" / "simbatch-org.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"google_oauth_client": client, **extra}), encoding="utf-8")
    monkeypatch.setenv("SIMBATCH_ORG_CONFIG", str(path))
    return path


def test_sign_in_uses_the_organisation_client_without_any_client_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, oauth: FakeOAuth, browser: FakeBrowser,
    simbatch_home: Path,
) -> None:
    path = org_file(tmp_path, monkeypatch, oauth)
    assert auth_client.configured_client()[1] == f"the organisation file {path}"
    result = auth.login()
    assert result.account == EMAIL and result.in_keyring
    auth_query = next(q for _m, p, q in oauth.requests if p == "/auth")
    assert auth_query["client_id"] == CLIENT_ID and auth_query["code_challenge_method"] == "S256"
    exchange = next(f for _m, p, f in oauth.requests if p == "/token")
    assert (exchange["client_id"], exchange["client_secret"]) == (CLIENT_ID, CLIENT_SECRET)
    # No client file was needed or remembered, and the client secret is written nowhere of the user's.
    assert load_settings().google_client_secrets is None
    assert not settings_path().exists()
    for file in simbatch_home.rglob("*"):
        assert CLIENT_SECRET.encode() not in file.read_bytes(), file
    # A later process refreshes the access token with the organisation's client secret.
    forget_access_tokens()
    creds = auth.load_credentials()
    assert creds.valid and creds.client_secret == CLIENT_SECRET
    refresh = [f for _m, _p, f in oauth.requests if f.get("grant_type") == "refresh_token"]
    assert len(refresh) == 1 and refresh[0]["client_secret"] == CLIENT_SECRET


def test_without_an_organisation_file_the_user_client_file_still_works(
    tmp_path: Path, oauth: FakeOAuth, browser: FakeBrowser
) -> None:
    with pytest.raises(UsageError, match=r"simbatch-org\.json"):
        auth.login()
    client_file = oauth.write_client_file(tmp_path / "client_secrets.json")
    assert auth.login(client_file).account == EMAIL
    assert load_settings().google_client_secrets == str(client_file)
    assert auth_client.configured_client()[1] == str(client_file)


def test_a_user_client_file_wins_over_an_unlocked_organisation_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, oauth: FakeOAuth, browser: FakeBrowser
) -> None:
    org_file(tmp_path, monkeypatch, oauth)
    client_file = oauth.write_client_file(tmp_path / "mine.json")
    auth.login(client_file)
    assert auth_client.configured_client()[1] == str(client_file)


def test_a_locked_organisation_client_refuses_a_user_client_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, oauth: FakeOAuth, browser: FakeBrowser
) -> None:
    # A file remembered from before IT locked the client is ignored, and a new one is refused.
    stale = oauth.write_client_file(tmp_path / "old.json")
    settings_path().write_text(json.dumps({"version": 3, "google_client_secrets": str(stale)}))
    path = org_file(tmp_path, monkeypatch, oauth, locked=["google_oauth_client"])
    assert auth_client.configured_client()[1] == f"the organisation file {path}"
    with pytest.raises(UsageError) as info:
        auth.login(stale)
    assert str(info.value) == auth_client.ORG_CLIENT_LOCKED
    assert auth.login().account == EMAIL
    assert (secrets.SERVICE, auth_token.TOKEN_SECRET) in MemoryKeyring._store


def test_cli_login_with_the_organisation_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, oauth: FakeOAuth, browser: FakeBrowser,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from desktop.cli import main

    org_file(tmp_path, monkeypatch, oauth)
    assert main(["login"]) == 0
    assert f"Signed in to Google as {EMAIL}." in capsys.readouterr().out
