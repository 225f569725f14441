"""The Google Sheet source: the same behaviour as the .xlsx workbook, in few Sheets API calls.

A read of the scenario tab is one batchGet; reading or writing any set of cells is one request
(split only for Google's 2 MB body limit). The ``Batch_Progress`` tab is kept by
``gsheet_progress.ProgressTab``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from desktop.domain.layout import HEADER_SEARCH_ROWS, SheetLayout, find_layout
from desktop.domain.models import CellValue
from desktop.errors import InputError
from desktop.services.grid import require_data_row, scenario_table, top_rows
from desktop.services.gsheet_cells import (
    check_length,
    clean_cell,
    read_ranges,
    sent_cell,
    update_cells,
    value_grid,
)
from desktop.services.gsheet_progress import ProgressTab
from desktop.services.gsheet_tabs import SheetTabs
from desktop.services.sheets import SheetsGateway, TabInfo, a1, column_letters
from desktop.services.source import DEFAULT_SCENARIO_TAB, CellRef, ScenarioTable, Source


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
        self._tabs = SheetTabs(gateway)
        self._progress = ProgressTab(self._tabs)
        self._layout: SheetLayout | None = None
        #: Colleagues write to this sheet at the same time (claims are in use): progress rows are
        #: appended by the service instead of at a line computed here.
        self.shared = False

    # ----------------------------------------------------------------------------- reading

    def read_layout(self) -> SheetLayout:
        """Find the header row among the first rows and map the columns."""
        self._scenario_info()
        [top] = self.gateway.batch_get([a1(self.scenario_tab, f"1:{HEADER_SEARCH_ROWS}")])
        self._layout = find_layout(top_rows(value_grid(top, 1)), self.scenario_tab)
        return self._layout

    def read_scenarios(self, rows: Sequence[int] | None = None) -> ScenarioTable:
        """Read the data rows (all when ``rows`` is None) in one request; empty rows are skipped."""
        self._scenario_info()
        [values] = self.gateway.batch_get([a1(self.scenario_tab)])
        grid = value_grid(values, 1)
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
        ranges, spans = read_ranges(self.scenario_tab, by_column)
        replies = self.gateway.batch_get([header_range, *ranges])
        layout = self._layout = find_layout(top_rows(value_grid(replies[0], 1)), self.scenario_tab)
        cells: dict[tuple[int, int], CellValue] = {}
        for (column, first), values in zip(spans, replies[1:], strict=True):
            for offset, line in enumerate(values):
                cells[(first + offset, column)] = clean_cell(line[0]) if line else None
        if any(layout.column_for(ref.column).index != column for ref, column in wanted) and not _again:
            return self.read_cells(refs, _again=True)  # a column moved since the last read
        return {ref: cells.get((ref.row, column)) for ref, column in wanted}

    def read_progress(self) -> list[list[CellValue]]:
        """The progress tab's data rows, each padded to 15 cells; empty when the tab is missing."""
        return self._progress.read()

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
            check_length(value, ref.row, self.scenario_tab)
            data.append((a1(self.scenario_tab, f"{column_letters(column)}{ref.row}"), [[sent_cell(value)]]))
        highest = max(ref.row for ref in values)
        if highest > info.rows:
            self._tabs.grow(info, highest)
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
            check_length(value, ref.row, self.scenario_tab)
            column = layout.column_for(ref.column).index
            requests.append(update_cells(info.sheet_id, ref.row - 1, column - 1, [[sent_cell(value)]]))
        return requests

    def ensure_progress_tab(self) -> bool:
        """Create the progress tab with its 15 headers if missing; True when it was created."""
        return self._progress.ensure()

    def write_progress(self, rows: Sequence[Sequence[CellValue]]) -> None:
        """Upsert progress rows keyed by (Batch_ID, Row_Number) in one write request."""
        self._progress.write(rows, shared=self.shared)

    def close(self) -> None:
        """Close the HTTP connections of this thread."""
        self.gateway.close()

    # ----------------------------------------------------------------------------- helpers

    def _scenario_info(self) -> TabInfo:
        info = self._tabs.info(self.scenario_tab)
        if info is None:
            tabs = self._tabs.by_title()
            found = ", ".join(repr(name) for name in tabs) or "none"
            raise InputError(
                f"The Google Sheet {self.spreadsheet_id} has no tab named {self.scenario_tab!r} "
                f"(tabs found: {found})."
            )
        return info
