"""Google sign-in end to end against the loopback fake OAuth server (PKCE, loopback redirect)."""

from __future__ import annotations

import json
import socket
import wsgiref.simple_server
from pathlib import Path
from typing import Any

import pytest

from desktop.errors import AuthError
from desktop.services import auth, auth_token, secrets
from desktop.settings import load_settings
from tests.fakes.oauth_server import CLIENT_ID, CLIENT_SECRET, EMAIL, FakeBrowser, FakeOAuth
from tests.memory_keyring import MemoryKeyring


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every redirect listener the sign-in creates."""
    made: list[Any] = []
    real = wsgiref.simple_server.make_server

    def spy(*args: Any, **kwargs: Any) -> Any:
        server = real(*args, **kwargs)
        made.append(server)
        return server

    monkeypatch.setattr(wsgiref.simple_server, "make_server", spy)
    return made


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def client_file(tmp_path: Path, oauth: FakeOAuth) -> Path:
    return oauth.write_client_file(tmp_path / "client_secrets.json")


def sign_in(tmp_path: Path, oauth: FakeOAuth) -> auth.LoginResult:
    return auth.login(client_file(tmp_path, oauth))


def forget_access_tokens() -> None:
    """As in a new process: only the keyring entry is left, no access token in memory."""
    with auth_token._cache_lock:
        auth_token._cached.clear()


def test_sign_in_stores_only_the_refresh_token(
    tmp_path: Path, oauth: FakeOAuth, browser: FakeBrowser, servers: list[Any], simbatch_home: Path
) -> None:
    result = sign_in(tmp_path, oauth)
    assert result.account == EMAIL and result.in_keyring
    assert "Signed in to Google as" in result.message
    # The fake checked PKCE: the code exchange carried a verifier matching the challenge.
    auth_query = next(q for method, path, q in oauth.requests if path == "/auth")
    assert auth_query["code_challenge_method"] == "S256"
    assert auth_query["scope"] == "https://www.googleapis.com/auth/spreadsheets"
    exchange = next(f for method, path, f in oauth.requests if path == "/token")
    assert exchange["grant_type"] == "authorization_code" and exchange["code_verifier"]
    assert "signed in" in browser.pages[0]
    # Only the refresh token and what is needed to use it are in the keyring.
    stored = json.loads(MemoryKeyring._store[(secrets.SERVICE, auth_token.TOKEN_SECRET)])
    assert set(stored) == {"refresh_token", "client_id", "token_uri", "scopes", "account"}
    assert stored["refresh_token"] in oauth.refresh_tokens
    assert stored["scopes"] == ["https://www.googleapis.com/auth/spreadsheets"]
    raw = json.dumps(stored)
    assert all(token not in raw for token in oauth.access_tokens)
    # Nothing under the data folder holds a token; the settings remember the client file's path.
    assert load_settings().google_client_secrets == str(client_file(tmp_path, oauth))
    secrets_seen = [stored["refresh_token"], *oauth.access_tokens, "fake-client-secret"]
    for file in simbatch_home.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert all(s.encode() not in data for s in secrets_seen), file
    # The redirect listener bound to 127.0.0.1 only and was closed after its one request.
    assert len(servers) == 1
    assert servers[0].server_address[0] == "127.0.0.1"
    assert servers[0].socket.fileno() == -1
    assert auth_token.signed_in_account() == EMAIL


def test_stored_sign_in_is_used_and_refreshed(tmp_path: Path, oauth: FakeOAuth, browser: FakeBrowser) -> None:
    sign_in(tmp_path, oauth)
    forget_access_tokens()
    creds = auth.load_credentials()
    assert creds.valid and creds.token in oauth.access_tokens
    refreshes = [f for method, path, f in oauth.requests if f.get("grant_type") == "refresh_token"]
    assert len(refreshes) == 1


def test_revoked_sign_in_says_sign_in_again_and_forgets(
    tmp_path: Path, oauth: FakeOAuth, browser: FakeBrowser
) -> None:
    sign_in(tmp_path, oauth)
    oauth.revoke_all()
    forget_access_tokens()
    with pytest.raises(AuthError) as info:
        auth.load_credentials()
    assert str(info.value) == auth.EXPIRED
    assert secrets.get_secret(auth_token.TOKEN_SECRET) is None
    with pytest.raises(AuthError, match="not signed in"):
        auth.load_credentials()


def test_cli_with_a_revoked_sign_in_exits_3(
    tmp_path: Path, oauth: FakeOAuth, browser: FakeBrowser, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.cli import main

    sign_in(tmp_path, oauth)
    oauth.revoke_all()
    forget_access_tokens()
    code = main(["progress", "init", "--source", "gsheet:1AbCdEfGhIjKlMnOp"])
    err = capsys.readouterr().err
    assert code == 3
    assert auth.EXPIRED in err and "Traceback" not in err
    assert secrets.get_secret(auth_token.TOKEN_SECRET) is None


def test_logout_and_no_keyring(
    tmp_path: Path, oauth: FakeOAuth, browser: FakeBrowser, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(tmp_path, oauth)
    first = auth.logout()
    assert first.was_signed_in and first.revoked and "withdrawn" in first.message
    second = auth.logout()
    assert not second.was_signed_in and auth_token.signed_in_account() is None
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    import keyring.core

    keyring.core.set_keyring(keyring.core.load_keyring("keyring.backends.fail.Keyring"))
    try:
        result = sign_in(tmp_path, oauth)
        assert not result.in_keyring and secrets.NO_KEYRING_MESSAGE in result.message
        assert auth_token.signed_in_account() == EMAIL  # kept for this session
    finally:
        keyring.core.set_keyring(MemoryKeyring())
        secrets.reset_session_store()


def test_loopback_endpoint_needs_no_sign_in() -> None:
    from google.auth.credentials import AnonymousCredentials

    from desktop.app.startup import ENDPOINT_ENV, sheets_access

    loopback = sheets_access({ENDPOINT_ENV: "http://127.0.0.1:9/"})
    assert loopback.endpoint == "http://127.0.0.1:9/"
    assert isinstance(loopback.credentials(), AnonymousCredentials)
    google = sheets_access({})
    assert google.endpoint == "https://sheets.googleapis.com/"
    with pytest.raises(AuthError, match="not signed in"):
        google.credentials()


def test_logout_withdraws_the_access_at_google(
    tmp_path: Path, oauth: FakeOAuth, browser: FakeBrowser
) -> None:
    sign_in(tmp_path, oauth)
    refresh = json.loads(MemoryKeyring._store[(secrets.SERVICE, auth_token.TOKEN_SECRET)])["refresh_token"]
    result = auth.logout()
    assert result == auth.SignOut(True, True, result.message)
    assert oauth.revoked == {refresh}
    revocation = [form for method, path, form in oauth.requests if path == "/revoke"]
    assert revocation == [{"token": refresh}]
    # The withdrawn token no longer works even if a copy of it survived somewhere.
    status, body = oauth.token({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                "grant_type": "refresh_token", "refresh_token": refresh})
    assert (status, body["error"]) == (400, "invalid_grant")


def test_logout_with_google_out_of_reach_still_forgets_the_token_and_says_where_to_revoke(
    tmp_path: Path, oauth: FakeOAuth, browser: FakeBrowser, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.cli import main

    sign_in(tmp_path, oauth)
    entry = json.loads(MemoryKeyring._store[(secrets.SERVICE, auth_token.TOKEN_SECRET)])
    entry["token_uri"] = f"http://127.0.0.1:{free_port()}/token"  # nothing listens there
    secrets.set_secret(auth_token.TOKEN_SECRET, json.dumps(entry))
    assert main(["logout"]) == 0
    out = capsys.readouterr().out
    assert "could not be reached" in out and auth.PERMISSIONS_PAGE in out
    assert secrets.get_secret(auth_token.TOKEN_SECRET) is None and not oauth.revoked
    assert entry["refresh_token"] not in out


def test_cli_logout_without_a_sign_in(oauth: FakeOAuth, capsys: pytest.CaptureFixture[str]) -> None:
    from desktop.cli import main

    assert main(["logout"]) == 0
    assert "No Google sign-in was stored." in capsys.readouterr().err
    assert not [path for _method, path, _form in oauth.requests if path == "/revoke"]


@pytest.mark.parametrize(
    ("token_uri", "expected"),
    [
        ("https://oauth2.googleapis.com/token", "https://oauth2.googleapis.com/revoke"),
        ("http://127.0.0.1:8080/token/", "http://127.0.0.1:8080/revoke"),
        ("https://accounts.example.org/o/oauth2/exchange", "https://oauth2.googleapis.com/revoke"),
    ],
)
def test_revoke_uri_sits_next_to_the_token_endpoint(token_uri: str, expected: str) -> None:
    assert auth.revoke_uri(token_uri) == expected
