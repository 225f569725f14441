"""``simbatch login`` and ``simbatch logout``: sign in to Google through the browser, or sign out."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.app.signin import sign_in, sign_out
from desktop.cli.parsing import add_command
from desktop.cli_output import note


def register(subparsers: Any) -> None:
    """Add the ``login`` and ``logout`` commands."""
    login = add_command(
        subparsers, "login", run_login, "sign in to Google (opens the browser)",
        "Sign in to Google so SimBatch can read and write your sheets. The sign-in is kept "
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
    add_command(
        subparsers, "logout", run_logout, "sign out of Google",
        "Withdraw SimBatch's access at Google and forget the stored sign-in.",
    )


def run_login(args: argparse.Namespace) -> int:
    """Run the browser sign-in and report where the sign-in is kept."""
    result = sign_in(args.client_secrets, open_browser=not args.no_browser)
    print(result.message)
    return 0


def run_logout(args: argparse.Namespace) -> int:
    """Forget the stored Google sign-in."""
    del args
    result = sign_out()
    if result.was_signed_in:
        print(result.message)
    else:
        note(result.message)
    return 0
