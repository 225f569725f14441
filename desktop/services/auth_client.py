"""The Google OAuth client SimBatch signs in with, and the access it asks for.

The client ("Desktop app" type) comes from the organisation file ``simbatch-org.json``
(``google_oauth_client``), or from a ``client_secrets.json`` the user names with
``simbatch login --client-secrets FILE`` (remembered in the settings); the user's file wins unless
the organisation locks its client.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from desktop.errors import InputError, UsageError
from desktop.org_config import load_org_layer
from desktop.settings import load_settings

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
NO_CLIENT_FILE = (
    "No Google sign-in client is configured; ask your IT department to install SimBatch's "
    "organisation file (simbatch-org.json), or run 'simbatch login --client-secrets FILE' with the "
    "client_secrets.json file your organisation provides."
)
ORG_CLIENT_LOCKED = (
    "Your organisation sets the Google sign-in client for SimBatch; sign in without --client-secrets."
)


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


def client_section(config: dict[str, Any]) -> dict[str, Any]:
    """The client's own settings (id, secret, token endpoint) inside a client configuration."""
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
