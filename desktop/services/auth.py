"""Google sign-in for an installed app: OAuth with PKCE, a loopback redirect, the keyring.

The OAuth client ("Desktop app" type) comes from the organisation file ``simbatch-org.json``
(``google_oauth_client``), or from a ``client_secrets.json`` the user names with
``simbatch login --client-secrets FILE`` (remembered in the settings); the user's file wins unless
the organisation locks its client. Only the refresh token, its scopes, the client id, the token
endpoint and the account's e-mail (when known) are stored, in the keyring; the access token stays in
memory. The client secret is read from the client file or the organisation file.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials

from desktop.errors import AuthError, InputError, ServiceError, UsageError
from desktop.org_config import load_org_layer
from desktop.services import secrets
from desktop.settings import load_settings, locked_settings
from desktop.settings_store import update_settings

log = logging.getLogger(__name__)

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
TOKEN_SECRET = "google-refresh-token"
EXPIRED = "Your Google sign-in has expired or was revoked; please sign in again (simbatch login)."
NOT_SIGNED_IN = "You are not signed in to Google; run 'simbatch login' first."
PROMPT = "Sign in to Google in your browser; if it did not open, visit:\n{url}"
UNREACHABLE = "Google sign-in could not be reached; check the network and try again."
NO_CLIENT_FILE = (
    "No Google sign-in client is configured; ask your IT department to install SimBatch's "
    "organisation file (simbatch-org.json), or run 'simbatch login --client-secrets FILE' with the "
    "client_secrets.json file your organisation provides."
)

ORG_CLIENT_LOCKED = (
    "Your organisation sets the Google sign-in client for SimBatch; sign in without --client-secrets."
)

PERMISSIONS_PAGE = "https://myaccount.google.com/permissions"
GOOGLE_REVOKE_URI = "https://oauth2.googleapis.com/revoke"
REVOKE_TIMEOUT_SECONDS = 10

_cache_lock = threading.Lock()
_cached: dict[str, Credentials] = {}  # refresh token -> credentials holding the access token


@dataclass(frozen=True, slots=True)
class LoginResult:
    """What a sign-in achieved: the account (when known) and where the token is kept."""

    account: str | None
    in_keyring: bool
    message: str


# ----------------------------------------------------------------------------- client file


def read_client_config(path: str | Path) -> dict[str, Any]:
    """The OAuth client configuration in the organisation's file (an "installed" or "web" client)."""
    file = Path(path).expanduser()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"The Google client file {file} does not exist.") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise InputError(f"The Google client file {file} could not be read as JSON.") from None
    if not isinstance(data, dict) or not any(isinstance(data.get(k), dict) for k in ("installed", "web")):
        raise InputError(f"The Google client file {file} is not an OAuth client file for a desktop app.")
    return data


def _client_section(config: dict[str, Any]) -> dict[str, Any]:
    section: dict[str, Any] = config.get("installed") or config["web"]
    return section


def configured_client() -> tuple[dict[str, Any], str]:
    """The OAuth client to sign in with, and where it comes from: the user's client file, else the
    organisation's client. A locked organisation client always wins (the settings then never carry
    a client file of the user's)."""
    configured = load_settings().google_client_secrets
    if configured:
        path = Path(configured).expanduser()
        return read_client_config(path), str(path)
    layer = load_org_layer()
    if layer is not None and layer.config.google_oauth_client is not None:
        return layer.config.google_oauth_client.installed_config(), f"the organisation file {layer.path}"
    raise UsageError(NO_CLIENT_FILE)


# ----------------------------------------------------------------------------- sign-in


def login(client_secrets: str | Path | None = None, *, open_browser: bool = True) -> LoginResult:
    """Sign in through the browser and keep the refresh token; remembers the client file's path."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    if client_secrets:
        if "google_client_secrets" in locked_settings():
            raise UsageError(ORG_CLIENT_LOCKED)
        path = Path(client_secrets).expanduser().absolute()
        config = read_client_config(path)
    else:
        config, _where = configured_client()
    flow = InstalledAppFlow.from_client_config(config, scopes=list(SCOPES))  # PKCE (S256) by default
    try:
        creds = flow.run_local_server(
            host="127.0.0.1",
            port=0,
            open_browser=open_browser,
            authorization_prompt_message=PROMPT,
            success_message="SimBatch is signed in to Google. You can close this window.",
        )
    except Exception as exc:
        raise _sign_in_failure(exc) from exc
    if not creds.refresh_token:
        raise AuthError("Google did not grant lasting access; please try signing in again.")
    account = _email_from_id_token(getattr(creds, "id_token", None))
    in_keyring = store_credentials(creds, account)
    if client_secrets:
        update_settings(google_client_secrets=str(Path(client_secrets).expanduser().absolute()))
    who = f" as {account}" if account else ""
    message = f"Signed in to Google{who}."
    if not in_keyring:
        message += " " + secrets.NO_KEYRING_MESSAGE
    return LoginResult(account, in_keyring, message)


def _sign_in_failure(exc: Exception) -> Exception:
    if isinstance(exc, TransportError | OSError):
        return ServiceError(UNREACHABLE)
    if isinstance(exc, ServiceError | InputError):
        return exc
    return AuthError("Google sign-in did not complete; please try again (simbatch login).")


def store_credentials(creds: Credentials, account: str | None = None) -> bool:
    """Keep the refresh token (never the access token); True when it went to the keyring."""
    entry = {
        "refresh_token": creds.refresh_token,
        "client_id": creds.client_id,
        "token_uri": creds.token_uri,
        "scopes": list(creds.scopes or SCOPES),
        "account": account,
    }
    stored = secrets.set_secret(TOKEN_SECRET, json.dumps(entry))
    with _cache_lock:
        _cached.clear()
        if creds.refresh_token:
            _cached[creds.refresh_token] = creds
    if not stored:
        log.warning(secrets.NO_KEYRING_MESSAGE)
    return stored


def _stored_entry() -> dict[str, Any] | None:
    raw = secrets.get_secret(TOKEN_SECRET)
    if not raw:
        return None
    try:
        entry = json.loads(raw)
    except ValueError:
        entry = None
    if not isinstance(entry, dict) or not entry.get("refresh_token"):
        secrets.delete_secret(TOKEN_SECRET)
        return None
    return entry


def load_credentials() -> Credentials:
    """Credentials for the Sheets API with a fresh access token, refreshed when needed."""
    entry = _stored_entry()
    if entry is None:
        raise AuthError(NOT_SIGNED_IN)
    refresh_token = str(entry["refresh_token"])
    with _cache_lock:
        creds = _cached.get(refresh_token)
    if creds is None:
        client = _client_section(configured_client()[0])
        creds = Credentials(
            token=None,
            refresh_token=refresh_token,
            token_uri=entry.get("token_uri") or client.get("token_uri"),
            client_id=entry.get("client_id") or client.get("client_id"),
            client_secret=client.get("client_secret"),
            scopes=entry.get("scopes") or list(SCOPES),
        )
    if not creds.valid:
        from google.auth.transport.requests import Request

        try:
            creds.refresh(Request())
        except RefreshError as exc:
            raise refresh_failure(exc) from exc
        except TransportError as exc:
            raise ServiceError(UNREACHABLE) from exc
    with _cache_lock:
        _cached[refresh_token] = creds
    return creds


def refresh_failure(exc: RefreshError) -> AuthError:
    """The error for a failed token refresh; a revoked or expired grant also forgets the stored token."""
    text = " ".join(str(arg) for arg in exc.args)
    if "invalid_grant" in text or "invalid_client" in text or "unauthorized_client" in text:
        forget_credentials()
        return AuthError(EXPIRED)
    return AuthError("Google refused to renew your sign-in; please sign in again (simbatch login).")


# ----------------------------------------------------------------------------- sign-out, status


def forget_credentials() -> None:
    """Remove the stored token and the in-memory access token."""
    secrets.delete_secret(TOKEN_SECRET)
    with _cache_lock:
        _cached.clear()


@dataclass(frozen=True, slots=True)
class SignOut:
    """What signing out did: whether a sign-in was stored and whether Google withdrew the access."""

    was_signed_in: bool
    revoked: bool
    message: str


def revoke_uri(token_uri: str) -> str:
    """Google's revocation endpoint next to its token endpoint (``…/token`` → ``…/revoke``)."""
    base, _, last = token_uri.rstrip("/").rpartition("/")
    return f"{base}/revoke" if last == "token" else GOOGLE_REVOKE_URI


def _revoke(entry: dict[str, Any]) -> bool:
    """Ask Google to withdraw the refresh token; True when it did (or the token was already dead)."""
    from urllib.parse import urlencode

    from google.auth.transport.requests import Request

    try:
        response = Request()(
            revoke_uri(str(entry.get("token_uri") or "")),
            method="POST",
            body=urlencode({"token": entry["refresh_token"]}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=REVOKE_TIMEOUT_SECONDS,
        )
    except TransportError:
        return False
    if response.status == 200:
        return True
    return response.status == 400 and b"invalid_token" in bytes(response.data or b"")


def logout() -> SignOut:
    """Sign out: withdraw the access at Google when it can be reached, and forget the stored token.

    The token is forgotten on this computer in every case; when Google cannot be reached the message
    says where the user can withdraw the access by hand.
    """
    entry = _stored_entry()
    forget_credentials()
    if entry is None:
        return SignOut(False, False, "No Google sign-in was stored.")
    if _revoke(entry):
        return SignOut(True, True, "Signed out of Google; SimBatch's access to your sheets was withdrawn.")
    return SignOut(
        True,
        False,
        "Signed out on this computer, but Google could not be reached to withdraw SimBatch's access; "
        f"you can remove it at {PERMISSIONS_PAGE}.",
    )


def signed_in_account() -> str | None:
    """The e-mail address of the signed-in account when it is known, else None."""
    entry = _stored_entry()
    account = entry.get("account") if entry else None
    return str(account) if account else None


def is_signed_in() -> bool:
    """True when a refresh token is stored (it may still have been revoked since)."""
    return _stored_entry() is not None


def _email_from_id_token(id_token: object) -> str | None:
    """The ``email`` claim of an ID token, read without verification (used for display only)."""
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return None
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, TypeError):
        return None
    email = claims.get("email") if isinstance(claims, dict) else None
    return str(email) if email else None
