"""The in-memory spreadsheet behind the fake Sheets server, and the API operations on it.

Values, ranges, grid limits and error messages follow the real Sheets API v4. Known
simplifications: formulas are stored as text (never evaluated); ``values.append`` finds its table as
the first block of consecutive non-empty rows in the range's columns.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from tests.fakes.a1 import (
    WHOLE_SHEET,
    A1Error,
    CellBounds,
    column_letters,
    format_range,
    parse_cells,
    split_sheet,
)

Cell = Any  # str | int | float | bool | None in storage
CELL_CHAR_LIMIT = 50_000
DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
STATUS_MESSAGES = {
    500: "Internal error encountered.",
    502: "Bad Gateway.",
    503: "The service is currently unavailable.",
    504: "The service is currently unavailable.",
}


class ApiError(Exception):
    """An error the fake answers with the API's JSON envelope."""

    def __init__(self, code: int, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def envelope(self) -> dict[str, Any]:
        """``{"error": {"code", "message", "status"}}`` like Google's front end."""
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "status": _STATUS_NAMES.get(self.code, "UNKNOWN"),
        }
        if self.details:
            error["details"] = self.details
        return {"error": error}


@dataclass
class _Tab:
    sheet_id: int
    title: str
    index: int
    rows: list[list[Cell]]
    row_count: int
    col_count: int
    hidden: bool = False

    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": self.row_count, "columnCount": self.col_count},
        }
        if self.hidden:
            props["hidden"] = True
        return props

    def get(self, row: int, col: int) -> Cell:
        """1-based read; None for empty."""
        if row <= len(self.rows):
            line = self.rows[row - 1]
            if col <= len(line):
                return line[col - 1]
        return None

    def put(self, row: int, col: int, value: Cell) -> None:
        """1-based write; ``""`` and None clear the cell."""
        if value == "":
            value = None
        while len(self.rows) < row:
            self.rows.append([])
        line = self.rows[row - 1]
        while len(line) < col:
            line.append(None)
        line[col - 1] = value


def _empty(value: Cell) -> bool:
    return value is None or value == ""


def trim(values: list[list[Cell]]) -> list[list[Cell]]:
    """Drop trailing empty cells and rows like the API; inner empties become ``""``."""
    out: list[list[Cell]] = []
    for line in values:
        end = len(line)
        while end and _empty(line[end - 1]):
            end -= 1
        out.append(["" if cell is None else cell for cell in line[:end]])
    while out and not out[-1]:
        out.pop()
    return out


def _formatted(value: Cell) -> Cell:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    return value


def _user_entered(value: Cell) -> Cell:
    if not isinstance(value, str):
        return value
    if value.startswith("'"):
        return value[1:]
    if value.upper() in ("TRUE", "FALSE"):
        return value.upper() == "TRUE"
    if _NUMBER.match(value.strip()):
        number = float(value)
        integral = number.is_integer() and not any(mark in value.lower() for mark in ".e")
        return int(number) if integral else number
    return value


class Workbook:
    """The in-memory spreadsheet and the API operations on it (callers hold the lock)."""

    def __init__(self, spreadsheet_id: str, tabs: dict[str, list[list[Cell]]]) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.title = f"Fake spreadsheet {spreadsheet_id}"
        self.tabs: list[_Tab] = []
        self._next_sheet_id = 0
        for name, rows in tabs.items():
            self.set_tab(name, rows)

    # -- tabs -------------------------------------------------------------------------------
    def new_sheet_id(self) -> int:
        sheet_id = self._next_sheet_id
        self._next_sheet_id = sheet_id * 7 + 1_000_003 if sheet_id else 1_000_003
        return sheet_id

    def find(self, name: str) -> _Tab | None:
        return next((tab for tab in self.tabs if tab.title == name), None)

    def existing(self, name: str) -> _Tab:
        """The tab called ``name``; ``KeyError`` if there is none."""
        found = self.find(name)
        if found is None:
            raise KeyError(name)
        return found

    def set_tab(self, name: str, rows: list[list[Cell]]) -> None:
        stored = [[None if cell == "" else cell for cell in line] for line in rows]
        width = max((len(line) for line in stored), default=0)
        existing = self.find(name)
        if existing:
            existing.rows = stored
            existing.row_count = max(existing.row_count, len(stored))
            existing.col_count = max(existing.col_count, width)
            return
        self.tabs.append(
            _Tab(self.new_sheet_id(), name, len(self.tabs), stored,
                 max(DEFAULT_ROWS, len(stored)), max(DEFAULT_COLUMNS, width))
        )

    def metadata(self) -> dict[str, Any]:
        return {
            "spreadsheetId": self.spreadsheet_id,
            "properties": {"title": self.title, "locale": "en_US", "timeZone": "Etc/GMT"},
            "sheets": [{"properties": tab.properties()} for tab in self.tabs],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit",
        }

    # -- ranges -----------------------------------------------------------------------------
    def resolve(self, text: str) -> tuple[_Tab, CellBounds]:
        """Find the tab and bounds a range names; unknown tabs and bad syntax → 400."""
        try:
            sheet, cells = split_sheet(text)
            if sheet is None:
                named = self.find(text)
                if named is not None:
                    return named, WHOLE_SHEET
                if not self.tabs or cells is None:
                    raise A1Error(text)
                return self.tabs[0], parse_cells(cells)
            tab = self.find(sheet)
            if tab is None:
                raise A1Error(text)
            return tab, WHOLE_SHEET if cells is None else parse_cells(cells)
        except A1Error:
            raise ApiError(400, f"Unable to parse range: {text}") from None

    @staticmethod
    def grid_error(tab: _Tab, row: int, col: int, end_row: int, end_col: int) -> ApiError:
        where = format_range(tab.title, row, col, end_row, end_col)
        return ApiError(
            400,
            f"Range ({where}) exceeds grid limits. Max rows: {tab.row_count}, max columns: {tab.col_count}",
        )

    def box(self, tab: _Tab, bounds: CellBounds) -> tuple[int, int, int, int]:
        """Concrete 1-based box, open ends clipped to the grid; outside the grid → 400."""
        end_row = tab.row_count if bounds.end_row is None else bounds.end_row
        end_col = tab.col_count if bounds.end_col is None else bounds.end_col
        if max(bounds.start_row, end_row) > tab.row_count or max(bounds.start_col, end_col) > tab.col_count:
            raise self.grid_error(tab, bounds.start_row, bounds.start_col, end_row, end_col)
        return bounds.start_row, bounds.start_col, end_row, end_col

    # -- values -----------------------------------------------------------------------------
    def read(self, text: str, render: str, major: str) -> dict[str, Any]:
        tab, bounds = self.resolve(text)
        row1, col1, row2, col2 = self.box(tab, bounds)
        last = min(row2, len(tab.rows))
        grid = [[tab.get(r, c) for c in range(col1, col2 + 1)] for r in range(row1, last + 1)]
        if render == "FORMATTED_VALUE":
            grid = [[_formatted(cell) for cell in line] for line in grid]
        if major == "COLUMNS":
            width = max((len(line) for line in trim(grid)), default=0)
            grid = [[line[c] if c < len(line) else None for line in grid] for c in range(width)]
        result: dict[str, Any] = {
            "range": format_range(tab.title, row1, col1, row2, col2),
            "majorDimension": major,
        }
        values = trim(grid)
        if values:
            result["values"] = values
        return result

    def _check_values(self, values: Any, option: str) -> list[list[Cell]]:
        if not isinstance(values, list) or not all(isinstance(line, list) for line in values):
            raise ApiError(400, "Invalid value at 'data.values' "
                                "(type.googleapis.com/google.protobuf.ListValue).")
        out: list[list[Cell]] = []
        for i, line in enumerate(values):
            row_out: list[Cell] = []
            for j, cell in enumerate(line):
                if cell is not None and not isinstance(cell, str | int | float | bool):
                    raise ApiError(400, f"Invalid values[{i}][{j}]: {json.dumps(cell)}")
                if isinstance(cell, str) and len(cell) > CELL_CHAR_LIMIT:
                    raise ApiError(
                        400,
                        f"Your input contains more than the maximum of {CELL_CHAR_LIMIT} characters "
                        "in a single cell.",
                    )
                row_out.append(_user_entered(cell) if option == "USER_ENTERED" else cell)
            out.append(row_out)
        return out

    def write(self, text: str, values: Any, option: str | None, major: str = "ROWS") -> dict[str, Any]:
        """values.update semantics: the range is an anchor (single cell) or a limit."""
        return self._store(*self._plan_write(text, values, option, major))

    def write_all(self, entries: list[dict[str, Any]], option: str | None) -> list[dict[str, Any]]:
        """values.batchUpdate: every entry is checked before any is written, so a bad one changes
        nothing (writes never resize a grid, so one entry's checks cannot depend on another's)."""
        plans = [
            self._plan_write(entry.get("range", ""), entry.get("values", []), option,
                             entry.get("majorDimension", "ROWS"))
            for entry in entries
        ]
        return [self._store(*plan) for plan in plans]

    def _plan_write(self, text: str, values: Any, option: str | None,
                    major: str) -> tuple[_Tab, int, int, list[list[Cell]]]:
        """Check one values.update and say where its cells go; raises ``ApiError`` before any change."""
        if option not in ("RAW", "USER_ENTERED"):
            raise ApiError(400, "'valueInputOption' is required but not specified")
        tab, bounds = self.resolve(text)
        data = self._check_values(values, option)
        if major == "COLUMNS":
            height = max((len(col) for col in data), default=0)
            data = [[col[r] if r < len(col) else None for col in data] for r in range(height)]
        height = len(data)
        width = max((len(line) for line in data), default=0)
        requested = format_range(tab.title, *self.box(tab, bounds)) if not bounds.is_single_cell else ""
        if not bounds.is_single_cell:
            if bounds.end_row is not None and bounds.start_row + height - 1 > bounds.end_row:
                raise ApiError(400, f"Requested writing within range [{requested}], but tried writing "
                                    f"to row [{bounds.end_row + 1}]")
            if bounds.end_col is not None and bounds.start_col + width - 1 > bounds.end_col:
                raise ApiError(400, f"Requested writing within range [{requested}], but tried writing "
                                    f"to column [{column_letters(bounds.end_col + 1)}]")
        self._written_box(tab, bounds.start_row, bounds.start_col, data)
        return tab, bounds.start_row, bounds.start_col, data

    def _written_box(self, tab: _Tab, row: int, col: int, data: list[list[Cell]]) -> tuple[int, int]:
        """Last row and column ``data`` covers from (row, col); past the grid → 400."""
        height = len(data)
        width = max((len(line) for line in data), default=0)
        end_row, end_col = row + max(height, 1) - 1, col + max(width, 1) - 1
        if end_row > tab.row_count or end_col > tab.col_count:
            raise self.grid_error(tab, row, col, end_row, end_col)
        return end_row, end_col

    def _store(self, tab: _Tab, row: int, col: int, data: list[list[Cell]]) -> dict[str, Any]:
        end_row, end_col = self._written_box(tab, row, col, data)
        height = len(data)
        width = max((len(line) for line in data), default=0)
        for i, line in enumerate(data):
            for j, cell in enumerate(line):
                if cell is not None:  # null means "leave this cell unchanged"
                    tab.put(row + i, col + j, cell)
        result: dict[str, Any] = {"spreadsheetId": self.spreadsheet_id,
                                  "updatedRange": format_range(tab.title, row, col, end_row, end_col)}
        if height and width:
            result.update(updatedRows=height, updatedColumns=width,
                          updatedCells=sum(len(line) for line in data))
        return result

    def append(self, text: str, values: Any, option: str | None, insert: str) -> dict[str, Any]:
        """values.append: write after the table (the first block of consecutive non-empty rows)."""
        if option not in ("RAW", "USER_ENTERED"):
            raise ApiError(400, "'valueInputOption' is required but not specified")
        tab, bounds = self.resolve(text)
        data = self._check_values(values, option)
        col1 = bounds.start_col
        col2 = tab.col_count if bounds.end_col is None or bounds.is_single_cell else bounds.end_col
        filled = self._table_rows(tab, bounds.start_row, col1, min(col2, tab.col_count))
        result: dict[str, Any] = {"spreadsheetId": self.spreadsheet_id}
        target = bounds.start_row
        if filled:
            first, last = filled[0], filled[-1]
            last_col = max((c for r in filled for c in range(col1, col2 + 1) if not _empty(tab.get(r, c))),
                           default=col1)
            result["tableRange"] = format_range(tab.title, first, col1, last, last_col)
            target = last + 1
        width = max((len(line) for line in data), default=0)
        if col1 + width - 1 > tab.col_count:
            raise self.grid_error(tab, target, col1, target, col1 + width - 1)
        if insert == "INSERT_ROWS" and target <= len(tab.rows):
            tab.rows[target - 1 : target - 1] = [[] for _ in data]
            tab.row_count += len(data)
        tab.row_count = max(tab.row_count, target + len(data) - 1)
        result["updates"] = self._store(tab, target, col1, data)
        return result

    @staticmethod
    def _table_rows(tab: _Tab, start_row: int, col1: int, col2: int) -> list[int]:
        """Rows of the first block of consecutive non-empty rows (in these columns) from ``start_row``."""

        def filled(row: int) -> bool:
            return any(not _empty(tab.get(row, col)) for col in range(col1, col2 + 1))

        row = start_row
        while row <= len(tab.rows) and not filled(row):
            row += 1
        rows: list[int] = []
        while row <= len(tab.rows) and filled(row):
            rows.append(row)
            row += 1
        return rows

    def clear(self, text: str) -> str:
        tab, bounds = self.resolve(text)
        row1, col1, row2, col2 = self.box(tab, bounds)
        for r in range(row1, min(row2, len(tab.rows)) + 1):
            for c in range(col1, col2 + 1):
                if tab.get(r, c) is not None:
                    tab.put(r, c, None)
        return format_range(tab.title, row1, col1, row2, col2)

    # -- structure --------------------------------------------------------------------------
    def batch_update(self, requests: Any) -> list[dict[str, Any]]:
        """spreadsheets.batchUpdate: all requests apply, or none (on a copy, swapped in at the end)."""
        if not isinstance(requests, list) or not requests:
            raise ApiError(400, "Must specify at least one request.")
        tabs = [replace(tab) for tab in self.tabs]
        self._copied: set[int] = set()
        replies: list[dict[str, Any]] = []
        for number, request in enumerate(requests):
            if not isinstance(request, dict) or len(request) != 1:
                raise ApiError(400, f"Invalid requests[{number}]: exactly one kind of request is required.")
            kind, body = next(iter(request.items()))
            handler = _STRUCTURE_HANDLERS.get(kind)
            if handler is None:
                raise ApiError(400, f"Invalid requests[{number}]: the fake does not support '{kind}'.")
            replies.append(handler(self, tabs, body or {}, f"requests[{number}].{kind}"))
        for index, tab in enumerate(tabs):
            tab.index = index
        self.tabs = tabs
        return replies

    def _add_sheet(self, tabs: list[_Tab], body: dict[str, Any], where: str) -> dict[str, Any]:
        props = body.get("properties", {})
        title = props.get("title") or f"Sheet{len(tabs) + 1}"
        if any(tab.title.casefold() == title.casefold() for tab in tabs):
            raise ApiError(400, f'Invalid {where}: A sheet with the name "{title}" already exists. '
                                "Please enter another name.")
        grid = props.get("gridProperties", {})
        sheet_id = props.get("sheetId", self.new_sheet_id())
        if not isinstance(sheet_id, int) or sheet_id < 0:
            raise ApiError(400, f"Invalid {where}: sheetId must be a non-negative integer.")
        if any(tab.sheet_id == sheet_id for tab in tabs):
            # The create-if-absent that claims rely on: a second AddSheet of one id fails the whole batch.
            raise ApiError(400, f"Invalid {where}: A sheet with id {sheet_id} already exists.")
        tab = _Tab(sheet_id, title, 0, [], grid.get("rowCount", DEFAULT_ROWS),
                   grid.get("columnCount", DEFAULT_COLUMNS), bool(props.get("hidden", False)))
        tabs.insert(min(props.get("index", len(tabs)), len(tabs)), tab)
        tab.index = tabs.index(tab)
        return {"addSheet": {"properties": tab.properties()}}

    @staticmethod
    def _tab_by_id(tabs: list[_Tab], sheet_id: Any, where: str) -> _Tab:
        found = next((tab for tab in tabs if tab.sheet_id == sheet_id), None)
        if found is None:
            raise ApiError(400, f"Invalid {where}: No grid with id: {sheet_id}")
        return found

    def _delete_sheet(self, tabs: list[_Tab], body: dict[str, Any], where: str) -> dict[str, Any]:
        tab = self._tab_by_id(tabs, body.get("sheetId"), where)
        if len(tabs) == 1:
            raise ApiError(400, f"Invalid {where}: You can't remove all the sheets in a document.")
        tabs.remove(tab)
        return {}

    def _append_dimension(self, tabs: list[_Tab], body: dict[str, Any], where: str) -> dict[str, Any]:
        tab = self._tab_by_id(tabs, body.get("sheetId"), where)
        length = int(body.get("length", 0))
        if length < 1:
            raise ApiError(400, f"Invalid {where}: length must be positive.")
        if body.get("dimension") == "COLUMNS":
            tab.col_count += length
        else:
            tab.row_count += length
        return {}

    def _update_properties(self, tabs: list[_Tab], body: dict[str, Any], where: str) -> dict[str, Any]:
        props = body.get("properties", {})
        tab = self._tab_by_id(tabs, props.get("sheetId"), where)
        grid = props.get("gridProperties", {})
        if "title" in props:
            title = props["title"]
            if any(other is not tab and other.title.casefold() == str(title).casefold() for other in tabs):
                raise ApiError(400, f'Invalid {where}: A sheet with the name "{title}" already exists. '
                                    "Please enter another name.")
            tab.title = title
        if "hidden" in props:
            tab.hidden = bool(props["hidden"])
        tab.row_count = int(grid.get("rowCount", tab.row_count))
        tab.col_count = int(grid.get("columnCount", tab.col_count))
        return {}


    def _update_cells(self, tabs: list[_Tab], body: dict[str, Any], where: str) -> dict[str, Any]:
        """updateCells with ``start`` (a GridCoordinate) and ``fields`` covering userEnteredValue."""
        start = body.get("start")
        if not isinstance(start, dict):
            raise ApiError(400, f"Invalid {where}: the fake supports only 'start', not 'range'.")
        tab = self._writable(tabs, start.get("sheetId", 0), where)
        if "userEnteredValue" not in str(body.get("fields", "")) and body.get("fields") != "*":
            raise ApiError(400, f"Invalid {where}: At least one field must be specified in 'fields'.")
        data = _cell_rows(body.get("rows", []), where)
        row, col = int(start.get("rowIndex", 0)) + 1, int(start.get("columnIndex", 0)) + 1
        self._written_box(tab, row, col, data or [[]])
        for i, line in enumerate(data):
            for j, cell in enumerate(line):
                tab.put(row + i, col + j, cell)
        return {}

    def _append_cells(self, tabs: list[_Tab], body: dict[str, Any], where: str) -> dict[str, Any]:
        """appendCells: rows after the last row holding data, growing the grid when needed."""
        tab = self._writable(tabs, body.get("sheetId"), where)
        data = _cell_rows(body.get("rows", []), where)
        last = max((n + 1 for n, line in enumerate(tab.rows) if any(not _empty(c) for c in line)), default=0)
        width = max((len(line) for line in data), default=0)
        if width > tab.col_count:
            raise self.grid_error(tab, last + 1, 1, last + 1, width)
        tab.row_count = max(tab.row_count, last + len(data))
        for i, line in enumerate(data):
            for j, cell in enumerate(line):
                tab.put(last + 1 + i, 1 + j, cell)
        return {}

    def _writable(self, tabs: list[_Tab], sheet_id: Any, where: str) -> _Tab:
        """The tab with ``sheet_id`` in this batch's copy, with its own rows (the batch may still fail)."""
        tab = self._tab_by_id(tabs, sheet_id, where)
        if id(tab) not in self._copied:
            tab.rows = [list(line) for line in tab.rows]
            self._copied.add(id(tab))
        return tab


def _cell_rows(rows: Any, where: str) -> list[list[Cell]]:
    """Values of RowData/CellData objects (userEnteredValue only); an empty CellData clears the cell."""
    if not isinstance(rows, list):
        raise ApiError(400, f"Invalid {where}: rows must be a list.")
    out: list[list[Cell]] = []
    for row in rows:
        line: list[Cell] = []
        for cell in (row or {}).get("values", []) or []:
            value = (cell or {}).get("userEnteredValue")
            if value is None:
                line.append(None)
                continue
            if not isinstance(value, dict) or len(value) != 1:
                raise ApiError(400, f"Invalid {where}: a userEnteredValue needs exactly one kind of value.")
            kind, raw = next(iter(value.items()))
            if kind == "stringValue":
                if len(str(raw)) > CELL_CHAR_LIMIT:
                    raise ApiError(400, f"Invalid {where}: Your input contains more than the maximum of "
                                        f"{CELL_CHAR_LIMIT} characters in a single cell.")
                line.append(str(raw))
            elif kind == "numberValue":
                line.append(raw)
            elif kind == "boolValue":
                line.append(bool(raw))
            else:
                raise ApiError(400, f"Invalid {where}: the fake does not support '{kind}'.")
        out.append(line)
    return out


_STRUCTURE_HANDLERS: dict[str, Callable[[Workbook, list[_Tab], dict[str, Any], str], dict[str, Any]]] = {
    "addSheet": Workbook._add_sheet,
    "deleteSheet": Workbook._delete_sheet,
    "appendDimension": Workbook._append_dimension,
    "updateSheetProperties": Workbook._update_properties,
    "updateCells": Workbook._update_cells,
    "appendCells": Workbook._append_cells,
}
