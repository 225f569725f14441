"""The Google Sheet source: the same behaviour as the .xlsx workbook, in few Sheets API calls.

A read of the scenario tab is one batchGet; reading or writing any set of cells is one request
(split only for Google's 2 MB body limit). Progress rows are upserted by (Batch_ID, Row_Number)
through a cached key → row map, so a mirror flush costs one read the first time and one write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from desktop.domain.layout import HEADER_SEARCH_ROWS, SheetLayout, find_layout
from desktop.domain.models import CellValue
from desktop.errors import InputError
from desktop.services.claims import cell_data, update_cells
from desktop.services.grid import (
    Grid,
    ProgressIndex,
    is_empty_row,
    place_progress,
    progress_cells,
    progress_index,
    progress_key,
    require_data_row,
    scenario_table,
    top_rows,
)
from desktop.services.sheets import RequestRefused, SheetsGateway, TabInfo, a1, column_letters
from desktop.services.source import (
    DEFAULT_SCENARIO_TAB,
    PROGRESS_COLUMNS,
    PROGRESS_TAB,
    CellRef,
    ScenarioTable,
    Source,
)

CELL_CHAR_LIMIT = 50_000
#: Above this many ranges, a read asks for one span per column instead of one range per run.
MAX_READ_RANGES = 100
_LAST_PROGRESS_COLUMN = column_letters(len(PROGRESS_COLUMNS))


class GoogleSheetSource(Source):
    """A Google Sheet with a scenario tab and a ``Batch_Progress`` tab."""

    def __init__(
        self,
        spreadsheet_id: str,
        scenario_tab: str = DEFAULT_SCENARIO_TAB,
        *,
        gateway: SheetsGateway,
    ) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.locator = f"gsheet:{spreadsheet_id}"
        self.display_name = f"Google Sheet {spreadsheet_id}"
        self.scenario_tab = scenario_tab
        self.gateway = gateway
        self.last_row = 0
        self._tabs: dict[str, TabInfo] | None = None
        self._layout: SheetLayout | None = None
        self._progress_index: ProgressIndex | None = None
        self._progress_last = 1
        #: Colleagues write to this sheet at the same time (claims are in use): progress rows are
        #: appended by the service instead of at a line computed here.
        self.shared = False

    # ----------------------------------------------------------------------------- reading

    def read_layout(self) -> SheetLayout:
        """Find the header row among the first rows and map the columns."""
        self._scenario_info()
        [top] = self.gateway.batch_get([a1(self.scenario_tab, f"1:{HEADER_SEARCH_ROWS}")])
        self._layout = find_layout(top_rows(_grid(top, 1)), self.scenario_tab)
        return self._layout

    def read_scenarios(self, rows: Sequence[int] | None = None) -> ScenarioTable:
        """Read the data rows (all when ``rows`` is None) in one request; empty rows are skipped."""
        self._scenario_info()
        [values] = self.gateway.batch_get([a1(self.scenario_tab)])
        grid = _grid(values, 1)
        table = scenario_table(grid, self.scenario_tab, rows)
        self._layout = table.layout
        self.last_row = table.last_row
        return table

    def read_cells(self, refs: Sequence[CellRef], _again: bool = False) -> dict[CellRef, CellValue]:
        """Current value of each cell, with the header rows, in one request."""
        if not refs:
            return {}
        info = self._scenario_info()
        by_column: dict[int, list[int]] = {}
        wanted: list[tuple[CellRef, int]] = []
        header_range = a1(self.scenario_tab, f"1:{HEADER_SEARCH_ROWS}")
        # The layout comes from the same request, so a moved column is seen at once.
        layout = self._layout or self.read_layout()
        for ref in refs:
            column = layout.column_for(ref.column).index
            wanted.append((ref, column))
            if ref.row <= info.rows:
                by_column.setdefault(column, []).append(ref.row)
        ranges, spans = _read_ranges(self.scenario_tab, by_column)
        replies = self.gateway.batch_get([header_range, *ranges])
        layout = self._layout = find_layout(top_rows(_grid(replies[0], 1)), self.scenario_tab)
        cells: dict[tuple[int, int], CellValue] = {}
        for (column, first), values in zip(spans, replies[1:], strict=True):
            for offset, line in enumerate(values):
                cells[(first + offset, column)] = _clean(line[0]) if line else None
        if any(layout.column_for(ref.column).index != column for ref, column in wanted) and not _again:
            return self.read_cells(refs, _again=True)  # a column moved since the last read
        return {ref: cells.get((ref.row, column)) for ref, column in wanted}

    def read_progress(self) -> list[list[CellValue]]:
        """The progress tab's data rows, each padded to 15 cells; empty when the tab is missing."""
        if self._tab_info(PROGRESS_TAB, refresh_if_missing=True) is None:
            return []
        grid = self._load_progress_index()
        return [progress_cells(cells) for n, cells in sorted(grid.items()) if n > 1]

    # ----------------------------------------------------------------------------- writing

    def write_cells(self, values: Mapping[CellRef, CellValue]) -> None:
        """Write all the given cells in one request (split only for the 2 MB body limit)."""
        if not values:
            return
        info = self._scenario_info()
        layout = self._layout or self.read_layout()
        data: list[tuple[str, list[list[CellValue]]]] = []
        for ref, value in values.items():
            require_data_row(layout, ref.row, self.scenario_tab)
            column = layout.column_for(ref.column).index
            _check_length(value, ref.row, self.scenario_tab)
            data.append((a1(self.scenario_tab, f"{column_letters(column)}{ref.row}"), [[_cell(value)]]))
        highest = max(ref.row for ref in values)
        if highest > info.rows:
            self._grow(info, highest)
        self.gateway.batch_update(data)

    def known_layout(self) -> SheetLayout:
        """The layout from the last read (read now when there was none)."""
        return self._layout or self.read_layout()

    def scenario_sheet_id(self) -> int:
        """The numeric id of the scenario tab (claims on its rows are keyed by it)."""
        return self._scenario_info().sheet_id

    def cell_requests(self, values: Mapping[CellRef, CellValue]) -> list[dict[str, object]]:
        """updateCells requests writing ``values``, for a batchUpdate that carries a claim check."""
        info = self._scenario_info()
        layout = self._layout or self.read_layout()
        requests: list[dict[str, object]] = []
        for ref, value in values.items():
            require_data_row(layout, ref.row, self.scenario_tab)
            _check_length(value, ref.row, self.scenario_tab)
            column = layout.column_for(ref.column).index
            requests.append(update_cells(info.sheet_id, ref.row - 1, column - 1, [[_cell(value)]]))
        return requests

    def ensure_progress_tab(self) -> bool:
        """Create the progress tab with its 15 headers if missing; True when it was created."""
        if self._tab_info(PROGRESS_TAB, refresh_if_missing=True) is not None:
            [header] = self.gateway.batch_get([a1(PROGRESS_TAB, f"A1:{_LAST_PROGRESS_COLUMN}1")])
            if not header or is_empty_row(header[0]):
                self.gateway.batch_update([(a1(PROGRESS_TAB, "A1"), [list(PROGRESS_COLUMNS)])])
            return False
        try:
            self._create_progress_tab()
        except RequestRefused:  # a colleague's SimBatch created it a moment ago
            if self._tab_info(PROGRESS_TAB, refresh_if_missing=True) is None:
                raise
            return False
        return True

    def write_progress(self, rows: Sequence[Sequence[CellValue]]) -> None:
        """Upsert progress rows keyed by (Batch_ID, Row_Number) in one write request."""
        if not rows:
            return
        if self.shared:
            self._write_progress_shared(rows)
            return
        if self._progress_index is None:
            if self._tab_info(PROGRESS_TAB, refresh_if_missing=True) is None:
                self._create_progress_tab()
            else:
                self._load_progress_index()
        assert self._progress_index is not None
        targets, last = place_progress(self._progress_index, self._progress_last, rows)
        info = self._tab_info(PROGRESS_TAB)
        if info is not None and last > info.rows:
            self._grow(info, last)
        data = [
            (a1(PROGRESS_TAB, f"A{row}:{_LAST_PROGRESS_COLUMN}{row}"), [[_cell(v) for v in padded]])
            for row, padded in sorted(targets.items())
        ]
        try:
            self.gateway.batch_update(data)
        except Exception:
            self._progress_index = None  # the sheet may differ from the map now; re-read next time
            raise
        self._progress_last = last

    def _write_progress_shared(self, rows: Sequence[Sequence[CellValue]]) -> None:
        """Upsert for a sheet colleagues write to at the same time: known rows are updated where they
        are, new ones appended by the service itself (appendCells inside one batchUpdate, so two
        clients' new rows never land on the same line); the key map is re-read after an append."""
        info = self._tab_info(PROGRESS_TAB, refresh_if_missing=True)
        if info is None:
            try:
                self._create_progress_tab()
            except RequestRefused:  # a colleague created it first
                self._tabs = None
            info = self._tab_info(PROGRESS_TAB, refresh_if_missing=True)
            if info is None:
                raise InputError(f"The {PROGRESS_TAB} tab could not be created.")
        if self._progress_index is None:
            self._load_progress_index()
        assert self._progress_index is not None
        requests: list[dict[str, object]] = []
        appended: list[list[CellValue]] = []
        for values in rows:
            cells = [_cell(v) for v in progress_cells(values)]
            line = self._progress_index.get(progress_key(cells[0], cells[1]))
            if line is None:
                appended.append(cells)
            else:
                requests.append(update_cells(info.sheet_id, line - 1, 0, [cells]))
        if appended:
            requests.append({"appendCells": {
                "sheetId": info.sheet_id,
                "rows": [{"values": [cell_data(v) for v in line]} for line in appended],
                "fields": "userEnteredValue",
            }})
        try:
            self.gateway.structure(requests)
        finally:
            if appended:
                self._progress_index = None  # where the service put them is read on the next flush

    def close(self) -> None:
        """Close the HTTP connections of this thread."""
        self.gateway.close()

    # ----------------------------------------------------------------------------- helpers

    def _tabs_by_title(self, refresh: bool = False) -> dict[str, TabInfo]:
        if self._tabs is None or refresh:
            self._tabs = {tab.title: tab for tab in self.gateway.metadata()}
        return self._tabs

    def _tab_info(self, title: str, refresh_if_missing: bool = False) -> TabInfo | None:
        """A tab's info from the cached metadata; re-fetched once when missing (someone may have
        added the tab since) if ``refresh_if_missing``."""
        cached = self._tabs is not None
        tabs = self._tabs_by_title()
        if title not in tabs and refresh_if_missing and cached:
            tabs = self._tabs_by_title(refresh=True)
        return tabs.get(title)

    def _scenario_info(self) -> TabInfo:
        info = self._tab_info(self.scenario_tab)
        if info is None:
            tabs = self._tabs_by_title()
            found = ", ".join(repr(name) for name in tabs) or "none"
            raise InputError(
                f"The Google Sheet {self.spreadsheet_id} has no tab named {self.scenario_tab!r} "
                f"(tabs found: {found})."
            )
        return info

    def _create_progress_tab(self) -> None:
        info = self.gateway.add_sheet(PROGRESS_TAB)
        self._tabs_by_title()[PROGRESS_TAB] = info
        self.gateway.batch_update([(a1(PROGRESS_TAB, "A1"), [list(PROGRESS_COLUMNS)])])
        self._progress_index, self._progress_last = {}, 1

    def _load_progress_index(self) -> Grid:
        [values] = self.gateway.batch_get([a1(PROGRESS_TAB, f"A:{_LAST_PROGRESS_COLUMN}")])
        grid = {n: cells for n, cells in _grid(values, 1).items() if not is_empty_row(cells)}
        self._progress_index, self._progress_last = progress_index(grid)
        return grid

    def _grow(self, info: TabInfo, needed_rows: int) -> None:
        """Add rows to a tab's grid so that row ``needed_rows`` exists (in steps of 1,000)."""
        extra = max(needed_rows - info.rows, 1000)
        self.gateway.append_rows(info.sheet_id, extra)
        grown = TabInfo(info.title, info.sheet_id, info.rows + extra, info.columns)
        self._tabs_by_title()[info.title] = grown


def _clean(value: object) -> CellValue:
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


def _cell(value: CellValue) -> CellValue:
    """What to send for a cell: an empty cell is ``""`` (a null would leave the cell unchanged)."""
    return "" if value is None else value


def _check_length(value: CellValue, row: int, tab: str) -> None:
    if isinstance(value, str) and len(value) > CELL_CHAR_LIMIT:
        raise InputError(
            f"The value for row {row} of {tab!r} is {len(value):,} characters long; "
            f"a Google Sheets cell holds at most {CELL_CHAR_LIMIT:,}."
        )


def _grid(values: list[list[CellValue]], first_row: int) -> Grid:
    return {first_row + i: [_clean(v) for v in line] for i, line in enumerate(values) if line}


def _read_ranges(tab: str, by_column: dict[int, list[int]]) -> tuple[list[str], list[tuple[int, int]]]:
    """Ranges covering the wanted rows of each column: one per run of consecutive rows, or one
    span per column when the runs would be too many. Also (column, first row) of each range."""
    runs: list[tuple[int, int, int]] = []  # column, first row, last row
    for column, rows in sorted(by_column.items()):
        ordered = sorted(set(rows))
        start = prev = ordered[0]
        for row in ordered[1:]:
            if row != prev + 1:
                runs.append((column, start, prev))
                start = row
            prev = row
        runs.append((column, start, prev))
    if len(runs) > MAX_READ_RANGES:
        runs = [(column, min(rows), max(rows)) for column, rows in sorted(by_column.items())]
    ranges = [a1(tab, f"{column_letters(c)}{first}:{column_letters(c)}{last}") for c, first, last in runs]
    return ranges, [(c, first) for c, first, _ in runs]
