"""Start-up wiring shared by the command line and the desktop app: decides once how Google Sheets
is reached and builds the source opener that everything else is handed.

``SIMBATCH_SHEETS_ENDPOINT`` points the Sheets API at another root URL; a loopback URL there means a
test server on this computer, reached without Google credentials (SPEC §8). That decision is made
here, so the services only ever see an endpoint and a credentials provider.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from ipaddress import ip_address
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from desktop.services.open_source import SourceOpener, source_opener
from desktop.services.sheets import DEFAULT_ENDPOINT, SheetsAccess

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

ENDPOINT_ENV = "SIMBATCH_SHEETS_ENDPOINT"


def is_loopback(url: str) -> bool:
    """True for a URL on this computer (a test server): no Google credentials are needed then."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _anonymous_credentials() -> Credentials:
    from google.auth.credentials import AnonymousCredentials  # Google's libraries load when a sheet is used

    return AnonymousCredentials()


def _signed_in_credentials() -> Credentials:
    from desktop.services import auth  # loads the Google sign-in libraries only when a sheet is used

    return auth.load_credentials()


def sheets_access(environ: Mapping[str, str] | None = None) -> SheetsAccess:
    """The Sheets API root (``SIMBATCH_SHEETS_ENDPOINT`` or Google's) and its credentials: anonymous
    for a loopback endpoint, else the signed-in user's."""
    env = os.environ if environ is None else environ
    endpoint = env.get(ENDPOINT_ENV, "").strip() or DEFAULT_ENDPOINT
    if is_loopback(endpoint):
        return SheetsAccess(_anonymous_credentials, endpoint)
    return SheetsAccess(_signed_in_credentials, endpoint)


def default_source_opener(environ: Mapping[str, str] | None = None) -> SourceOpener:
    """The source opener of this process: workbooks, and Google Sheets through ``sheets_access``."""
    return source_opener(sheets_access(environ))
