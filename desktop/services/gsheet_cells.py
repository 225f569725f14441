"""Cell values between the Sheets API and a source: what a read returns becomes a clean cell, a cell
becomes what a write sends, and the wanted cells of a read become few ranges."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from desktop.domain.models import CellValue
from desktop.domain.rowspec import consecutive_runs
from desktop.errors import InputError
from desktop.services.grid import Grid
from desktop.services.sheets import a1, column_letters

CELL_CHAR_LIMIT = 50_000
#: Above this many ranges, a read asks for one span per column instead of one range per run.
MAX_READ_RANGES = 100


def clean_cell(value: object) -> CellValue:
    """A cell as the API returned it: empty text is an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return _storable_text(value)
    if isinstance(value, int | float | bool):
        return value
    return str(value)


def _storable_text(text: str) -> str:
    """``text`` with lone UTF-16 surrogates (which the API's JSON can carry) replaced by ``?``, so the
    journal, prompts and logs can encode it as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def sent_cell(value: CellValue) -> CellValue:
    """What to send for a cell: an empty cell is ``""`` (a null would leave the cell unchanged)."""
    return "" if value is None else value


def check_length(value: CellValue, row: int, tab: str) -> None:
    """Refuse a text longer than a Google Sheets cell holds, naming the row and tab."""
    if isinstance(value, str) and len(value) > CELL_CHAR_LIMIT:
        raise InputError(
            f"The value for row {row} of {tab!r} is {len(value):,} characters long; "
            f"a Google Sheets cell holds at most {CELL_CHAR_LIMIT:,}."
        )


def value_grid(values: list[list[CellValue]], first_row: int) -> Grid:
    """The rows a read returned, from sheet row ``first_row`` on, as a grid of clean cells."""
    return {first_row + i: [clean_cell(v) for v in line] for i, line in enumerate(values) if line}


def read_ranges(tab: str, by_column: dict[int, list[int]]) -> tuple[list[str], list[tuple[int, int]]]:
    """Ranges covering the wanted rows of each column: one per run of consecutive rows, or one
    span per column when the runs would be too many. Also (column, first row) of each range."""
    runs = [  # column, first row, last row
        (column, first, last)
        for column, rows in sorted(by_column.items())
        for first, last in consecutive_runs(rows)
    ]
    if len(runs) > MAX_READ_RANGES:
        runs = [(column, min(rows), max(rows)) for column, rows in sorted(by_column.items())]
    ranges = [a1(tab, f"{column_letters(c)}{first}:{column_letters(c)}{last}") for c, first, last in runs]
    return ranges, [(c, first) for c, first, _ in runs]


def update_cells(
    sheet_id: int, row_index: int, column_index: int, rows: Sequence[Sequence[CellValue]]
) -> dict[str, Any]:
    """An updateCells request writing ``rows`` of plain values from (row_index, column_index), 0-based."""
    return {"updateCells": {
        "start": {"sheetId": sheet_id, "rowIndex": row_index, "columnIndex": column_index},
        "rows": [{"values": [cell_data(value) for value in line]} for line in rows],
        "fields": "userEnteredValue",
    }}


def cell_data(value: CellValue) -> dict[str, Any]:
    """A CellData holding ``value`` as entered (text stays text); empty clears the cell."""
    if value is None or value == "":
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}
