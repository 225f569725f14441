"""User settings, persisted as JSON in the data folder (never any secret in it).

The file carries a ``version``; older files are upgraded one step at a time. A corrupt file is
backed up next to itself and replaced by defaults with a warning, so the app always starts.

Settings are layered: built-in defaults, then the organisation file (``desktop.org_config``), then
this file, which holds only what the user changed; keys the organisation locks are never taken from
it.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from desktop.errors import first_line
from desktop.files import write_atomically
from desktop.paths import data_home
from desktop.services.source import DEFAULT_SCENARIO_TAB

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
#: The version written by this build. Bump it and add an upgrade step when the shape changes.
SETTINGS_VERSION = 3


class PriceOverride(BaseModel):
    """A user's own price for one model, in US dollars per million tokens."""

    model_config = ConfigDict(extra="ignore")

    input: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)
    output: float = Field(ge=0)


class Settings(BaseModel):
    """Everything the user can configure. Secrets live in the keyring, not here."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    version: int = SETTINGS_VERSION
    last_source: str | None = None
    scenario_tab: str = DEFAULT_SCENARIO_TAB
    model: str = "gpt-4o-mini"
    openai_base_url: str | None = None
    # "local": an OpenAI-compatible server of the user's own (llama.cpp, Ollama, LM Studio, vLLM); no key.
    llm_provider: Literal["openai", "local"] = "openai"
    local_base_url: str = "http://127.0.0.1:8080/v1"
    local_model: str = ""
    workers: int = Field(default=8, ge=1, le=64)
    # Starting rate limits; the provider's x-ratelimit-* headers replace them once a reply arrives.
    requests_per_minute: int = Field(default=500, ge=1)
    tokens_per_minute: int = Field(default=200_000, ge=1)
    overwrite_valid: bool = False
    google_client_secrets: str | None = None
    poll_interval_sec: float = Field(default=30.0, gt=0)
    enqueued_token_cap: int = Field(default=2_000_000, ge=1)
    price_overrides: dict[str, PriceOverride] = Field(default_factory=dict)
    # Sharing one sheet: the name colleagues see on this computer's claims, and how long a claim may
    # show no sign of life before others can take its rows over.
    display_name: str | None = None
    claim_lease_sec: float = Field(default=600.0, gt=0)


def settings_path() -> Path:
    """Where the settings file lives: ``<data folder>/settings.json``."""
    return data_home() / SETTINGS_FILE


def _upgrade_v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Files without a version used ``tab`` and ``concurrency`` for the tab name and workers."""
    if "tab" in data and "scenario_tab" not in data:
        data["scenario_tab"] = data.pop("tab")
    if "concurrency" in data and "workers" not in data:
        data["workers"] = data.pop("concurrency")
    return data


def _upgrade_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 kept prices under ``prices``; version 2 names them ``price_overrides``."""
    if "prices" in data and "price_overrides" not in data:
        data["price_overrides"] = data.pop("prices")
    return data


def _upgrade_v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 wrote every setting; version 3 keeps only the user's changes, so an organisation's
    value is not hidden by a built-in default that merely happened to be saved."""
    defaults = Settings().model_dump(mode="json")
    return {key: value for key, value in data.items() if key not in defaults or defaults[key] != value}


#: ``_UPGRADES[n]`` turns a version-``n`` document into a version-``n + 1`` one.
_UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    0: _upgrade_v0_to_v1,
    1: _upgrade_v1_to_v2,
    2: _upgrade_v2_to_v3,
}


def upgrade_settings(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a settings document of any older version up to ``SETTINGS_VERSION``, step by step."""
    raw_version = data.get("version", 0)
    version = raw_version if isinstance(raw_version, int) and not isinstance(raw_version, bool) else 0
    while version < SETTINGS_VERSION:
        data = _UPGRADES[version](dict(data))
        version += 1
        data["version"] = version
    return data


def _layers_below() -> tuple[Settings, frozenset[str]]:
    """The layers under the user's own (built-in defaults and the organisation file), and the keys the
    organisation locks; the organisation file is read once for both.

    Raises ``OrgConfigError`` when the organisation file is malformed.
    """
    from desktop.org_config import load_org_layer

    layer = load_org_layer()
    if layer is None:
        return Settings(), frozenset()
    return Settings.model_validate(layer.values), layer.locked


def locked_settings() -> frozenset[str]:
    """The settings the organisation file locks (none without one)."""
    from desktop.org_config import load_org_layer

    layer = load_org_layer()
    return layer.locked if layer else frozenset()


def load_settings() -> Settings:
    """The effective settings: defaults, the organisation file, then the user's file (except
    locked keys). A missing, unreadable or corrupt user file gives the layers below it; only a
    malformed organisation file raises (``OrgConfigError``)."""
    base, locked = _layers_below()
    path = settings_path()
    if not path.exists():
        return base
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("the settings file does not hold a JSON object")
        version = data.get("version", 0)
        if isinstance(version, int) and version > SETTINGS_VERSION:
            log.warning("Settings file %s comes from a newer SimBatch; unknown entries are ignored.", path)
        user = {k: v for k, v in upgrade_settings(data).items() if k not in locked}
        return Settings.model_validate({**base.model_dump(), **user})
    except (OSError, UnicodeDecodeError, ValueError, ValidationError) as exc:
        backup = _backup_corrupt(path)
        log.warning(
            "The settings file %s could not be read (%s); defaults are used and the old file was kept as %s.",
            path,
            first_line(exc),
            backup,
        )
        return base


def save_settings(settings: Settings) -> None:
    """Write what differs from the layers below (defaults, organisation) atomically: a temp file in
    the same folder, then rename. Locked keys are never written."""
    path = settings_path()
    below, locked = _layers_below()
    base = below.model_dump(mode="json")
    payload = {
        key: value
        for key, value in settings.model_dump(mode="json").items()
        if key not in locked and base.get(key) != value
    }
    payload["version"] = SETTINGS_VERSION
    write_atomically(path, (json.dumps(payload, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def _backup_corrupt(path: Path) -> Path | None:
    """Move a corrupt settings file aside so the user's data is not lost; None if that fails."""
    backup = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        os.replace(path, backup)
    except OSError:
        return None
    return backup


def display_name(settings: Settings) -> str:
    """How colleagues see this computer on shared sheets: the setting, else the host name."""
    import socket

    return (settings.display_name or "").strip() or socket.gethostname() or "another computer"
