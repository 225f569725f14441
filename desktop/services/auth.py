"""Google sign-in for an installed app: OAuth with PKCE and a loopback redirect; fresh credentials
for the Sheets API from the stored sign-in; sign-out, withdrawing the access at Google.

Which OAuth client signs in is ``auth_client``'s job; what is kept of a sign-in (the refresh token in
the keyring, the access token in memory) is ``auth_token``'s. The client secret is read from the
client file or the organisation file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials

from desktop.errors import AuthError, InputError, ServiceError, UsageError
from desktop.services import secrets
from desktop.services.auth_client import (
    ORG_CLIENT_LOCKED,
    SCOPES,
    client_section,
    configured_client,
    read_client_config,
)
from desktop.services.auth_token import (
    cache_credentials,
    cached_credentials,
    email_from_id_token,
    forget_credentials,
    store_credentials,
    stored_entry,
)
from desktop.settings import locked_settings
from desktop.settings_store import update_settings

EXPIRED = "Your Google sign-in has expired or was revoked; please sign in again (simbatch login)."
NOT_SIGNED_IN = "You are not signed in to Google; run 'simbatch login' first."
PROMPT = "Sign in to Google in your browser; if it did not open, visit:\n{url}"
UNREACHABLE = "Google sign-in could not be reached; check the network and try again."
PERMISSIONS_PAGE = "https://myaccount.google.com/permissions"
GOOGLE_REVOKE_URI = "https://oauth2.googleapis.com/revoke"
REVOKE_TIMEOUT_SECONDS = 10

@dataclass(frozen=True, slots=True)
class LoginResult:
    """What a sign-in achieved: the account (when known) and where the token is kept."""

    account: str | None
    in_keyring: bool
    message: str


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
    account = email_from_id_token(getattr(creds, "id_token", None))
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


def load_credentials() -> Credentials:
    """Credentials for the Sheets API with a fresh access token, refreshed when needed."""
    entry = stored_entry()
    if entry is None:
        raise AuthError(NOT_SIGNED_IN)
    refresh_token = str(entry["refresh_token"])
    creds = cached_credentials(refresh_token)
    if creds is None:
        client = client_section(configured_client()[0])
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
    cache_credentials(refresh_token, creds)
    return creds


def refresh_failure(exc: RefreshError) -> AuthError:
    """The error for a failed token refresh; a revoked or expired grant also forgets the stored token."""
    text = " ".join(str(arg) for arg in exc.args)
    if "invalid_grant" in text or "invalid_client" in text or "unauthorized_client" in text:
        forget_credentials()
        return AuthError(EXPIRED)
    return AuthError("Google refused to renew your sign-in; please sign in again (simbatch login).")


# ----------------------------------------------------------------------------- sign-out


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
    entry = stored_entry()
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
