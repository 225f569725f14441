"""``simbatch login`` and ``simbatch logout``: sign in to Google through the browser, or sign out."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.cli_output import note


def register(subparsers: Any) -> None:
    """Add the ``login`` and ``logout`` commands."""
    login = subparsers.add_parser(
        "login",
        help="sign in to Google (opens the browser)",
        description="Sign in to Google so SimBatch can read and write your sheets. The sign-in is kept "
        "in the system keyring.",
    )
    login.add_argument(
        "--client-secrets",
        metavar="FILE",
        default=None,
        help="the OAuth client file (client_secrets.json) your organisation provides; remembered",
    )
    login.add_argument(
        "--no-browser", action="store_true", help="print the sign-in link instead of opening the browser"
    )
    login.set_defaults(handler=run_login)
    logout = subparsers.add_parser(
        "logout", help="sign out of Google",
        description="Withdraw SimBatch's access at Google and forget the stored sign-in.",
    )
    logout.set_defaults(handler=run_logout)


def run_login(args: argparse.Namespace) -> int:
    """Run the browser sign-in and report where the sign-in is kept."""
    from desktop.services.auth import login

    result = login(args.client_secrets, open_browser=not args.no_browser)
    print(result.message)
    return 0


def run_logout(args: argparse.Namespace) -> int:
    """Forget the stored Google sign-in."""
    del args
    from desktop.services.auth import logout

    result = logout()
    if result.was_signed_in:
        print(result.message)
    else:
        note(result.message)
    return 0
