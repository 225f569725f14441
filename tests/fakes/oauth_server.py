"""A loopback fake of Google's OAuth authorisation and token endpoints, with PKCE checks.

``GET /auth`` answers with a redirect to the client's ``redirect_uri`` carrying a code (as if the
user had signed in and consented). ``POST /token`` exchanges a code (checking the PKCE
``code_verifier`` against the ``code_challenge`` sent to ``/auth``) or a refresh token.
``POST /revoke`` withdraws a refresh token as Google's revocation endpoint does (200, or 400
``invalid_token`` for an unknown or dead one); tests can also revoke every token with
``revoke_all()``. A revoked token makes the token endpoint answer ``invalid_grant``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from tests.fakes.loopback import LoopbackHandler, LoopbackServer

CLIENT_ID = "fake-client.apps.googleusercontent.com"
CLIENT_SECRET = "fake-client-secret"
EMAIL = "educator@hospital.example"


class _Handler(LoopbackHandler):
    """Routes ``/auth``, ``/token`` and ``/revoke`` to the fake."""

    # One request per connection: a client's pooled connection cannot outlive a stopped fake.
    protocol_version = "HTTP/1.0"
    fake: FakeOAuth

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.fake.requests.append(("GET", parts.path, query))
        if parts.path != "/auth":
            self._reply(404, {}, {"error": "not_found"})
            return
        self._reply(*self.fake.authorize(query))

    def do_POST(self) -> None:
        form = {k: v[0] for k, v in parse_qs(self.read_body().decode()).items()}
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):  # client credentials may come as HTTP Basic auth
            user, _, password = base64.b64decode(basic[6:]).decode().partition(":")
            form.setdefault("client_id", unquote(user))
            form.setdefault("client_secret", unquote(password))
        self.fake.requests.append(("POST", self.path, form))
        if self.path == "/revoke":
            self._reply(*self.fake.revoke(form))
            return
        if self.path != "/token":
            self._reply(404, {}, {"error": "not_found"})
            return
        status, body = self.fake.token(form)
        self._reply(status, {}, body)

    def _reply(self, status: int, headers: dict[str, str], body: dict[str, Any] | None) -> None:
        self.send_body(status, json.dumps(body or {}).encode(), "application/json", headers)


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    scope: str
    challenge: str
    method: str


@dataclass
class FakeOAuth(LoopbackServer):
    """The fake's state; start with ``with FakeOAuth() as oauth:``."""

    handler = _Handler
    thread_name = "fake-oauth"
    issue_id_token: bool = True
    codes: dict[str, _Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # token -> scope
    revoked: set[str] = field(default_factory=set)
    access_tokens: list[str] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        """``http://127.0.0.1:<port>`` while serving."""
        return self.root_url

    def client_config(self) -> dict[str, Any]:
        """An "installed app" client file whose endpoints point at this fake."""
        return {
            "installed": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "auth_uri": f"{self.base}/auth",
                "token_uri": f"{self.base}/token",
                "redirect_uris": ["http://localhost"],
            }
        }

    def write_client_file(self, path: Path) -> Path:
        """Write :meth:`client_config` as the organisation's ``client_secrets.json``; return ``path``."""
        path.write_text(json.dumps(self.client_config()), encoding="utf-8")
        return path

    def revoke_all(self) -> None:
        with self._lock:
            self.revoked.update(self.refresh_tokens)

    # -- endpoints ---------------------------------------------------------------------------
    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], dict[str, Any] | None]:
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return 400, {}, {"error": "invalid_request"}
        if not query.get("code_challenge") or query.get("code_challenge_method") != "S256":
            return 400, {}, {"error": "invalid_request", "error_description": "PKCE is required."}
        code = secrets.token_urlsafe(16)
        with self._lock:
            self.codes[code] = _Grant(
                CLIENT_ID, query["redirect_uri"], query.get("scope", ""), query["code_challenge"], "S256"
            )
        params = {"code": code, "scope": query.get("scope", "")}
        if "state" in query:
            params["state"] = query["state"]
        return 302, {"Location": f"{query['redirect_uri']}?{urlencode(params)}"}, None

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
        grant_type = form.get("grant_type")
        with self._lock:
            if grant_type == "authorization_code":
                grant = self.codes.pop(form.get("code", ""), None)
                if grant is None or grant.redirect_uri != form.get("redirect_uri"):
                    return 400, {"error": "invalid_grant", "error_description": "Malformed auth code."}
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.challenge:
                    return 400, {"error": "invalid_grant", "error_description": "Invalid code verifier."}
                refresh = "1//refresh-" + secrets.token_urlsafe(24)
                self.refresh_tokens[refresh] = grant.scope
                return 200, self._tokens(grant.scope, refresh)
            if grant_type == "refresh_token":
                refresh = form.get("refresh_token", "")
                if refresh not in self.refresh_tokens or refresh in self.revoked:
                    return 400, {
                        "error": "invalid_grant",
                        "error_description": "Token has been expired or revoked.",
                    }
                return 200, self._tokens(self.refresh_tokens[refresh], None)
        return 400, {"error": "unsupported_grant_type"}

    def revoke(self, form: dict[str, str]) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Google's revocation endpoint: 200 for a live token, 400 ``invalid_token`` otherwise."""
        token = form.get("token", "")
        with self._lock:
            if token not in self.refresh_tokens or token in self.revoked:
                return 400, {}, {"error": "invalid_token", "error_description": "Token expired or revoked"}
            self.revoked.add(token)
        return 200, {}, {}

    def _tokens(self, scope: str, refresh: str | None) -> dict[str, Any]:
        access = "ya29.access-" + secrets.token_urlsafe(24)
        self.access_tokens.append(access)
        reply: dict[str, Any] = {
            "access_token": access,
            "expires_in": 3599,
            "scope": scope,
            "token_type": "Bearer",
        }
        if refresh:
            reply["refresh_token"] = refresh
        if self.issue_id_token:
            claims = base64.urlsafe_b64encode(json.dumps({"email": EMAIL}).encode()).rstrip(b"=").decode()
            reply["id_token"] = f"eyJhbGciOiJub25lIn0.{claims}.sig"
        return reply


class FakeBrowser:
    """Stands in for the user's browser (``webbrowser.get()``): follows the sign-in link on a thread,
    so the fake's ``/auth`` redirects it to the app's loopback listener as a real sign-in would."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.pages: list[str] = []

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        """Visit ``url`` in the background; the page the redirect ends on is kept in ``pages``."""

        def visit() -> None:
            with urllib.request.urlopen(url, timeout=10) as reply:  # follows the redirect home
                self.pages.append(reply.read().decode())

        thread = threading.Thread(target=visit, daemon=True)
        thread.start()
        self.threads.append(thread)
        return True
