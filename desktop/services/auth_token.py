"""The stored Google sign-in: the refresh token, its scopes, the client id, the token endpoint and
the account's e-mail (when known) in the keyring, and the credentials holding the access token in
memory only. Nothing here talks to Google."""

from __future__ import annotations

import base64
import json
import logging
import threading
from typing import TYPE_CHECKING, Any

from desktop.services import secrets
from desktop.services.auth_client import SCOPES

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

log = logging.getLogger(__name__)

TOKEN_SECRET = "google-refresh-token"

_cache_lock = threading.Lock()
_cached: dict[str, Credentials] = {}  # refresh token -> credentials holding the access token


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


def stored_entry() -> dict[str, Any] | None:
    """The stored sign-in (a damaged entry is deleted), or None."""
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


def cached_credentials(refresh_token: str) -> Credentials | None:
    """The in-memory credentials for a refresh token, if this process has them."""
    with _cache_lock:
        return _cached.get(refresh_token)


def cache_credentials(refresh_token: str, creds: Credentials) -> None:
    """Keep credentials (and the access token they hold) in memory for later calls."""
    with _cache_lock:
        _cached[refresh_token] = creds


def forget_credentials() -> None:
    """Remove the stored token and the in-memory access token."""
    secrets.delete_secret(TOKEN_SECRET)
    with _cache_lock:
        _cached.clear()


def signed_in_account() -> str | None:
    """The e-mail address of the signed-in account when it is known, else None."""
    entry = stored_entry()
    account = entry.get("account") if entry else None
    return str(account) if account else None


def is_signed_in() -> bool:
    """True when a refresh token is stored (it may still have been revoked since)."""
    return stored_entry() is not None


def email_from_id_token(id_token: object) -> str | None:
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
