"""Turn what the user typed (a path, ``gsheet:<id>``, a Sheets URL) into a ``Source``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from desktop.errors import InputError
from desktop.services.source import DEFAULT_SCENARIO_TAB, Source

ACCEPTED = (
    "a path to an .xlsx workbook, gsheet:<spreadsheet id>, "
    "or a https://docs.google.com/spreadsheets/d/<id>/ link"
)

_SHEET_ID_RE = re.compile(r"^[A-Za-z0-9_-]{10,}$")
_SHEET_URL_RE = re.compile(
    r"^https?://docs\.google\.com/spreadsheets/(?:u/\d+/)?d/([A-Za-z0-9_-]+)(?:[/?#].*)?$"
)


@dataclass(frozen=True, slots=True)
class XlsxLocator:
    """A local .xlsx workbook."""

    path: Path

    def __str__(self) -> str:
        return str(self.path)


@dataclass(frozen=True, slots=True)
class GoogleSheetLocator:
    """A Google Sheet, by spreadsheet id."""

    spreadsheet_id: str

    def __str__(self) -> str:
        return f"gsheet:{self.spreadsheet_id}"


Locator = XlsxLocator | GoogleSheetLocator


def parse_locator(text: str) -> Locator:
    """Parse a source name; raises ``InputError`` for anything that is not a workbook or a sheet.

    Only the form is checked here; whether the file exists is checked when it is opened.
    """
    raw = (text or "").strip()
    if not raw:
        raise InputError(f"No source was given; use {ACCEPTED}.")
    if raw.lower().startswith("gsheet:"):
        sheet_id = raw[len("gsheet:") :].strip()
        if not _SHEET_ID_RE.match(sheet_id):
            raise InputError(f"{raw!r} does not hold a valid Google Sheet id; use {ACCEPTED}.")
        return GoogleSheetLocator(sheet_id)
    if raw.lower().startswith(("http://", "https://")):
        match = _SHEET_URL_RE.match(raw)
        if not match:
            raise InputError(f"{raw!r} is not a Google Sheets link; use {ACCEPTED}.")
        return GoogleSheetLocator(match.group(1))
    path = Path(raw).expanduser()
    if path.is_dir():
        raise InputError(f"{raw!r} is a folder, not a workbook; use {ACCEPTED}.")
    if path.suffix.lower() != ".xlsx":
        kind = f"a {path.suffix} file" if path.suffix else "a name without the .xlsx extension"
        raise InputError(f"{raw!r} is {kind}; use {ACCEPTED}.")
    return XlsxLocator(path)


def open_source(text: str, scenario_tab: str | None = None) -> Source:
    """Open the source the user named, on ``scenario_tab`` (default ``Master Scenario Convert``)."""
    locator = parse_locator(text)
    tab = scenario_tab or DEFAULT_SCENARIO_TAB
    if isinstance(locator, XlsxLocator):
        if not locator.path.exists():
            raise InputError(f"The workbook {str(locator.path)!r} does not exist.")
        from desktop.services.workbook import XlsxSource

        return XlsxSource(locator.path, scenario_tab=tab)
    from desktop.services.gsheet_source import GoogleSheetSource

    return GoogleSheetSource(locator.spreadsheet_id, scenario_tab=tab)
