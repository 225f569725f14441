"""The organisation's deployment file ``simbatch-org.json``: defaults IT sets for every user.

Settings are layered: built-in defaults, then this file, then the user's own settings — except the
keys the file locks, which users cannot change. The file is only ever read (IT copies it with
GPO, Intune or an MDM profile); SimBatch never writes it. It is looked for in one place per system
(``%ProgramData%\\SimBatch\\``, ``/Library/Application Support/SimBatch/``, ``/etc/xdg/SimBatch/``
or another ``$XDG_CONFIG_DIRS`` entry) and beside the executable for portable installs, which wins.
``SIMBATCH_ORG_CONFIG`` names the file directly (an empty value means "no organisation file").
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from desktop.errors import InputError
from desktop.paths import APP_NAME

ORG_FILE = "simbatch-org.json"
ENV_VAR = "SIMBATCH_ORG_CONFIG"
GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/auth"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
#: OpenAI's own endpoint: the LLM endpoint when nothing names another one, and so what a file that
#: locks ``llm.base_url`` without giving one locks it to.
OPENAI_ENDPOINT = "https://api.openai.com/v1"

#: Dotted keys of the file that it may lock, and the user setting each one governs (``llm.base_url``
#: and ``llm.model`` govern the local server's settings when ``llm.provider`` is "local").
LOCKABLE: dict[str, str] = {
    "llm.provider": "llm_provider",
    "llm.base_url": "openai_base_url",
    "llm.model": "model",
    "prices": "price_overrides",
    "limits.workers": "workers",
    "limits.requests_per_minute": "requests_per_minute",
    "limits.tokens_per_minute": "tokens_per_minute",
    "limits.enqueued_token_cap": "enqueued_token_cap",
    "scenario_tab": "scenario_tab",
    "google_oauth_client": "google_client_secrets",
}
#: A whole section locks every key in it.
_SECTIONS = {"llm", "limits"}


class OrgConfigError(InputError):
    """The organisation file is missing, unreadable or malformed; the message names file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OAuthClient(_Strict):
    """Google's "Desktop app" OAuth client (its secret is not confidential for installed apps)."""

    client_id: str = Field(min_length=1, pattern=r"\S")
    client_secret: str = Field(min_length=1)
    auth_uri: str = GOOGLE_AUTH_URI
    token_uri: str = GOOGLE_TOKEN_URI

    def installed_config(self) -> dict[str, Any]:
        """The client in the shape of Google's ``client_secrets.json`` ("installed" section)."""
        return {
            "installed": {
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "auth_uri": self.auth_uri,
                "token_uri": self.token_uri,
                "redirect_uris": ["http://localhost"],
            }
        }


class LLM(_Strict):
    """The LLM endpoint (any OpenAI-compatible server) and the model. ``provider`` "local" is a
    server that needs no API key and costs nothing (llama.cpp, Ollama, vLLM on the premises)."""

    provider: Literal["openai", "local"] = "openai"
    base_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    model: str | None = Field(default=None, min_length=1)

    def setting_names(self) -> dict[str, str]:
        """The user settings that ``base_url`` and ``model`` set for this provider."""
        if self.provider == "local":
            return {"base_url": "local_base_url", "model": "local_model"}
        return {"base_url": "openai_base_url", "model": "model"}


class Limits(_Strict):
    """Starting limits for live runs and the Batch API."""

    workers: int | None = Field(default=None, ge=1, le=64)
    requests_per_minute: int | None = Field(default=None, ge=1)
    tokens_per_minute: int | None = Field(default=None, ge=1)
    enqueued_token_cap: int | None = Field(default=None, ge=1)


class Price(_Strict):
    """One model's price in US dollars per million tokens."""

    input: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)
    output: float = Field(ge=0)


class OrgConfig(_Strict):
    """What ``simbatch-org.json`` may hold. Unknown keys are errors, so typos are caught."""

    google_oauth_client: OAuthClient | None = None
    llm: LLM | None = None
    prices: dict[str, Price] | None = None
    limits: Limits | None = None
    scenario_tab: str | None = Field(default=None, min_length=1)
    locked: tuple[str, ...] = ()

    @field_validator("locked")
    @classmethod
    def _known_keys(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [key for key in keys if key not in LOCKABLE and key not in _SECTIONS]
        if unknown:
            known = ", ".join(sorted({*LOCKABLE, *_SECTIONS}))
            raise ValueError(f"unknown key(s) {', '.join(unknown)}; keys that can be locked: {known}")
        return keys

    def setting_values(self) -> dict[str, Any]:
        """The user settings this file sets, by settings field name."""
        values: dict[str, Any] = {}
        if self.llm is not None:
            names = self.llm.setting_names()
            values["llm_provider"] = self.llm.provider
            if self.llm.base_url is not None:
                values[names["base_url"]] = self.llm.base_url
            if self.llm.model is not None:
                values[names["model"]] = self.llm.model
        if "openai_base_url" in self.locked_settings() and "openai_base_url" not in values:
            # Locked to OpenAI's endpoint, stated as a value: with none, OPENAI_BASE_URL would apply.
            values["openai_base_url"] = OPENAI_ENDPOINT
        if self.limits is not None:
            values.update(self.limits.model_dump(exclude_none=True))
        if self.prices is not None:
            values["price_overrides"] = {m: p.model_dump() for m, p in self.prices.items()}
        if self.scenario_tab is not None:
            values["scenario_tab"] = self.scenario_tab
        return values

    def locked_settings(self) -> frozenset[str]:
        """The settings field names users may not change. Locking the endpoint or the model also
        locks the provider, so switching to a local server cannot get round the lock."""
        keys = {key for key in self.locked if key in LOCKABLE}
        for section in _SECTIONS.intersection(self.locked):
            keys.update(key for key in LOCKABLE if key.startswith(section + "."))
        names = (self.llm or LLM()).setting_names()
        fields = set()
        for key in keys:
            if key in ("llm.base_url", "llm.model"):
                fields.update({names[key.removeprefix("llm.")], "llm_provider"})
            else:
                fields.add(LOCKABLE[key])
        return frozenset(fields)


@dataclass(frozen=True, slots=True)
class OrgLayer:
    """The organisation file that applies: where it is and what it says."""

    path: Path
    config: OrgConfig

    @property
    def values(self) -> dict[str, Any]:
        """The settings it sets (field name → value)."""
        return self.config.setting_values()

    @property
    def locked(self) -> frozenset[str]:
        """The settings it locks (field names)."""
        return self.config.locked_settings()

    def origins(self, effective: Mapping[str, Any]) -> dict[str, bool]:
        """The settings (of ``effective``, a settings dump) whose value is the organisation's, each
        with whether it is locked. A value the user changed is the user's, not listed."""
        values = self.values
        locked = self.locked
        return {
            name: name in locked
            for name, value in values.items()
            if name in locked or effective.get(name) == value
        }

    def describe(self) -> str:
        """One line for About and the self-test: which file, and how many settings it sets and locks."""
        client = " and the Google sign-in client" if self.config.google_oauth_client else ""
        return (
            f"organisation file {self.path} ({len(self.values)} settings{client}; "
            f"{len(self.config.locked)} locked)"
        )


def candidate_paths(
    platform: str = sys.platform,
    environ: Mapping[str, str] = os.environ,
    executable: str | None = None,
    frozen: bool | None = None,
) -> list[Path]:
    """Where the organisation file is looked for, first match wins: beside the executable of a
    bundled (portable) app, then the system-wide folder of ``platform``."""
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    found: list[Path] = []
    if frozen:
        exe = Path(executable or sys.executable).resolve().parent
        found.append(exe / ORG_FILE)
        if platform == "darwin" and exe.name == "MacOS" and exe.parent.name == "Contents":
            found.append(exe.parent.parent.parent / ORG_FILE)  # beside SimBatch.app, not inside it
    if platform == "win32":
        program_data = environ.get("ProgramData") or environ.get("PROGRAMDATA") or r"C:\ProgramData"
        found.append(Path(program_data) / APP_NAME / ORG_FILE)
    elif platform == "darwin":
        found.append(Path("/Library/Application Support") / APP_NAME / ORG_FILE)
    else:
        dirs = [d for d in environ.get("XDG_CONFIG_DIRS", "").split(os.pathsep) if d] or ["/etc/xdg"]
        found.extend(Path(d) / APP_NAME / ORG_FILE for d in dirs)
    return found


def find_org_file(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The organisation file that applies, or None. ``SIMBATCH_ORG_CONFIG`` overrides the search."""
    if ENV_VAR in environ:
        named = environ[ENV_VAR]
        if not named:
            return None
        path = Path(named).expanduser()
        if not path.is_file():
            raise OrgConfigError(f"{ENV_VAR} names the organisation file {path}, which does not exist.")
        return path
    return next((p for p in candidate_paths(environ=environ) if p.is_file()), None)


def parse_org_file(path: Path) -> OrgConfig:
    """Read and validate one organisation file; the error names the file and the wrong field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise OrgConfigError(f"The organisation file {path} could not be read ({exc}).") from None
    except ValueError as exc:
        raise OrgConfigError(f"The organisation file {path} is not valid JSON ({exc}).") from None
    if not isinstance(data, dict):
        raise OrgConfigError(f"The organisation file {path} must hold a JSON object.")
    try:
        return OrgConfig.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc.errors())
        raise OrgConfigError(f"The organisation file {path} is not valid: {problems}.") from None


def _problems(errors: Sequence[Any]) -> str:
    """The validation errors as ``field: what is wrong`` phrases; unknown keys named together."""
    unknown = [".".join(str(p) for p in e["loc"]) for e in errors if e["type"] == "extra_forbidden"]
    phrases = [f"unknown key(s) {', '.join(unknown)}"] if unknown else []
    for error in errors:
        if error["type"] != "extra_forbidden":
            where = ".".join(str(p) for p in error["loc"]) or "(the whole file)"
            phrases.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(phrases)


def load_org_layer(environ: Mapping[str, str] = os.environ) -> OrgLayer | None:
    """The organisation layer that applies, or None when there is no organisation file."""
    path = find_org_file(environ)
    if path is None:
        return None
    return OrgLayer(path, parse_org_file(path))


def config_source(environ: Mapping[str, str] = os.environ) -> str:
    """Where the settings come from, in one line (About, ``--self-test``)."""
    layer = load_org_layer(environ)
    own = "your own settings"
    if layer is None:
        return f"built-in defaults and {own} (no organisation file)"
    return f"built-in defaults, {layer.describe()}, and {own}"
