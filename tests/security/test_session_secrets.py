"""After a whole session — Google sign-in, OpenAI key entered, a live run, a batch run, logout — no
secret is in any file under SIMBATCH_HOME or in the logs and output, and the journal is private (0600).
(The redirect listener's 127.0.0.1 binding and single request are checked in
tests/integration/test_auth.py.)"""

from __future__ import annotations

import logging
import stat
import webbrowser
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.journal.db import SIDECAR_SUFFIXES
from desktop.services import auth, auth_token, secrets
from tests.fakes.oauth_server import FakeBrowser, FakeOAuth
from tests.fakes.openai_server import FakeOpenAI
from tests.torture.helpers import fast_settings, make_workbook

API_KEY = "sk-session-secret-4f9a1c2e7b3d"


@pytest.fixture
def oauth(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOAuth]:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    monkeypatch.setattr(webbrowser, "get", lambda using=None: FakeBrowser())
    auth_token.forget_credentials()
    with FakeOAuth() as fake:
        yield fake
    auth_token.forget_credentials()


def test_no_secret_left_anywhere_after_a_full_session(
    oauth: FakeOAuth,
    simbatch_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    auth.login(oauth.write_client_file(tmp_path / "client_secrets.json"))
    refresh_tokens = list(oauth.refresh_tokens)
    assert refresh_tokens
    assert secrets.set_openai_key(API_KEY)
    fast_settings(simbatch_home)
    workbook = make_workbook(tmp_path / "bank.xlsx", 8)
    with FakeOpenAI(api_key=API_KEY) as fake:
        fake.batch_polls_per_stage = 1
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        assert main(["run", "--source", str(workbook), "--rows", "3-6", "--json"]) == 0
        batch = ["--rows", "7-10", "--wait", "--poll-interval", "0.02", "--json"]
        assert main(["batch", "submit", "--source", str(workbook), *batch]) == 0
        fake.faults.force_401 = True  # a refused key must not be echoed either
        assert main(["run", "--source", str(workbook), "--rows", "3", "--overwrite"]) == 3
    assert main(["logout"]) == 0
    out, err = capsys.readouterr()

    client_secret = oauth.client_config()["installed"]["client_secret"]
    secret_values = [API_KEY, *refresh_tokens, *oauth.access_tokens, client_secret]
    files = [p for p in simbatch_home.rglob("*") if p.is_file()]
    assert any(p.suffix == ".jsonl" for p in files) and (simbatch_home / "journal.sqlite3").exists()
    for path in files:
        data = path.read_bytes()
        for value in secret_values:
            assert value.encode() not in data, f"a secret is in {path.relative_to(simbatch_home)}"
    # The app's stderr and file handlers hang on the "desktop" logger; third-party debug logs never
    # reach them.
    logs = "\n".join(r.getMessage() for r in caplog.records if r.name.split(".")[0] == "desktop")
    for value in secret_values:
        assert value not in out and value not in err and value not in logs

    journal = simbatch_home / "journal.sqlite3"
    for path in [journal, *(Path(f"{journal}{s}") for s in SIDECAR_SUFFIXES)]:
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
