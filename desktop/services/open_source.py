"""Turn what the user typed (a path, ``gsheet:<id>``, a Sheets URL) into a ``Source``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.errors import InputError
from desktop.services.source import DEFAULT_SCENARIO_TAB, Source

if TYPE_CHECKING:
    from desktop.services.sheets import SheetsAccess

#: Opens what the user named on a scenario tab (None: the default tab); built at start-up.
SourceOpener = Callable[[str, str | None], Source]

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


def open_source(text: str, scenario_tab: str | None = None, *, sheets: SheetsAccess | None = None) -> Source:
    """Open the source the user named, on ``scenario_tab`` (default ``Master Scenario Convert``).

    A Google Sheet is reached through ``sheets`` (endpoint and credentials, decided at start-up);
    without it only workbooks can be opened.
    """
    locator = parse_locator(text)
    tab = scenario_tab or DEFAULT_SCENARIO_TAB
    if isinstance(locator, XlsxLocator):
        if not locator.path.exists():
            raise InputError(f"The workbook {str(locator.path)!r} does not exist.")
        from desktop.services.workbook import XlsxSource

        return XlsxSource(locator.path, scenario_tab=tab)
    if sheets is None:
        raise ValueError("opening a Google Sheet needs the Sheets access decided at start-up")
    from desktop.services.gsheet_source import GoogleSheetSource
    from desktop.services.sheets import SheetsGateway

    gateway = SheetsGateway(locator.spreadsheet_id, sheets.credentials, sheets.endpoint)
    return GoogleSheetSource(locator.spreadsheet_id, scenario_tab=tab, gateway=gateway)


def source_opener(sheets: SheetsAccess) -> SourceOpener:
    """An opener for workbooks and Google Sheets reached through ``sheets``."""

    def open_named(text: str, scenario_tab: str | None = None) -> Source:
        return open_source(text, scenario_tab, sheets=sheets)

    return open_named
