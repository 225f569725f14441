"""Signing in to Google (for Google Sheets) and out again, for both front-ends.

The Google sign-in libraries load only when one of these is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.services.auth import LoginResult, SignOut


def sign_in(client_secrets: str | Path | None = None, *, open_browser: bool = True) -> LoginResult:
    """Sign in through the browser (``client_secrets``: the organisation's OAuth client file, remembered)
    and keep the sign-in in the keyring; ``open_browser=False`` prints the link instead."""
    from desktop.services import auth

    return auth.login(client_secrets, open_browser=open_browser)


def sign_out() -> SignOut:
    """Withdraw the access at Google when it can be reached, and forget the stored sign-in."""
    from desktop.services import auth

    return auth.logout()


@dataclass(frozen=True, slots=True)
class SignInState:
    """Whether a Google sign-in is kept, and for which account when Google named it."""

    signed_in: bool
    account: str | None = None


def sign_in_state() -> SignInState:
    """The kept sign-in (read from the keyring; no network)."""
    from desktop.services import auth_token

    if not auth_token.is_signed_in():
        return SignInState(False)
    return SignInState(True, auth_token.signed_in_account())
