"""Signing in to Google (for Google Sheets) and out again, for both front-ends.

The Google sign-in libraries load only when one of these is called.
"""

from __future__ import annotations

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
