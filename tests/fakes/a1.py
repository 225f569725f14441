"""A1 notation for the fake Sheets server: split a range into sheet name and cell bounds, and back.

Covers what the Sheets API accepts in practice: quoted sheet names with doubled apostrophes
(``'Dr. O''Brien''s cases'!A1:B2``), unquoted simple names (``Tab!A1``), whole columns (``A:C``),
whole rows (``2:5``), open-ended rows (``A3:N``), single cells, ``$`` anchors, and a bare sheet name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openpyxl.utils.cell import column_index_from_string, get_column_letter

MAX_COLUMNS = 18_278  # column ZZZ, the largest the API accepts

_ENDPOINT = re.compile(r"^\$?([A-Za-z]{0,3})\$?([0-9]*)$")
_SIMPLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*)$")


class A1Error(ValueError):
    """The text is not a range the API would accept."""


@dataclass(frozen=True, slots=True)
class CellBounds:
    """1-based, inclusive bounds; ``None`` on an end means "to the edge of the grid"."""

    start_row: int
    start_col: int
    end_row: int | None
    end_col: int | None

    @property
    def is_single_cell(self) -> bool:
        """True for ``B2``-style ranges (used as an anchor when writing)."""
        return self.start_row == self.end_row and self.start_col == self.end_col


WHOLE_SHEET = CellBounds(1, 1, None, None)

#: ``A`` → 1, ``AA`` → 27 (case-insensitive) and back, as openpyxl (already a dependency) converts them.
column_number = column_index_from_string
column_letters = get_column_letter


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split ``'My tab'!A1:B2`` into (``My tab``, ``A1:B2``).

    Returns ``(None, text)`` when there is no sheet part and ``(name, None)`` for a quoted bare
    sheet name. An unquoted text without ``!`` may be a sheet name or cells; the caller decides.
    """
    if text.startswith("'"):
        name_chars: list[str] = []
        index = 1
        while index < len(text):
            char = text[index]
            if char == "'":
                if text[index + 1 : index + 2] == "'":
                    name_chars.append("'")
                    index += 2
                    continue
                rest = text[index + 1 :]
                if rest == "":
                    return "".join(name_chars), None
                if rest.startswith("!"):
                    return "".join(name_chars), rest[1:]
                raise A1Error(text)
            name_chars.append(char)
            index += 1
        raise A1Error(text)
    if "!" in text:
        name, _, cells = text.partition("!")
        if not name:
            raise A1Error(text)
        return name, cells
    return None, text


def _endpoint(text: str) -> tuple[int | None, int | None]:
    match = _ENDPOINT.match(text)
    if not match or not (match.group(1) or match.group(2)):
        raise A1Error(text)
    col = column_number(match.group(1)) if match.group(1) else None
    row = int(match.group(2)) if match.group(2) else None
    if row == 0 or (col is not None and col > MAX_COLUMNS):
        raise A1Error(text)
    return row, col


def parse_cells(text: str) -> CellBounds:
    """Parse the cell part of a range (``A1``, ``A1:C3``, ``A:C``, ``2:5``, ``A3:N``)."""
    if not text:
        raise A1Error(text)
    first, sep, second = text.partition(":")
    start_row, start_col = _endpoint(first)
    if not sep:
        if start_row is None or start_col is None:
            raise A1Error(text)
        return CellBounds(start_row, start_col, start_row, start_col)
    end_row, end_col = _endpoint(second)
    bounds = CellBounds(start_row or 1, start_col or 1, end_row, end_col)
    # The API normalises reversed corners (B2:A1 is A1:B2).
    if bounds.end_row is not None and bounds.end_row < bounds.start_row:
        bounds = CellBounds(bounds.end_row, bounds.start_col, bounds.start_row, bounds.end_col)
    if bounds.end_col is not None and bounds.end_col < bounds.start_col:
        bounds = CellBounds(bounds.start_row, bounds.end_col, bounds.end_row, bounds.start_col)
    return bounds


def quote_sheet(name: str) -> str:
    """The sheet name as the API writes it in ranges: quoted unless it is a plain identifier."""
    if _SIMPLE_NAME.match(name) and not _CELL_LIKE.match(name):
        return name
    return "'" + name.replace("'", "''") + "'"


def format_range(sheet: str, start_row: int, start_col: int, end_row: int, end_col: int) -> str:
    """``'My tab'!A1:C3`` (or ``Tab!B2`` for a single cell)."""
    start = f"{column_letters(start_col)}{start_row}"
    if (start_row, start_col) == (end_row, end_col):
        return f"{quote_sheet(sheet)}!{start}"
    return f"{quote_sheet(sheet)}!{start}:{column_letters(end_col)}{end_row}"
