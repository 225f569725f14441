"""The ``Batch_Progress`` tab of a Google Sheet: created with its headers when missing, read, and its
rows upserted by (Batch_ID, Row_Number) through a cached key → row map, so a mirror flush costs one
read the first time and one write."""

from __future__ import annotations

from collections.abc import Sequence

from desktop.domain.models import CellValue
from desktop.errors import InputError
from desktop.services.grid import (
    Grid,
    ProgressIndex,
    is_empty_row,
    place_progress,
    progress_cells,
    progress_index,
    progress_key,
)
from desktop.services.gsheet_cells import cell_data, sent_cell, update_cells, value_grid
from desktop.services.gsheet_tabs import SheetTabs
from desktop.services.sheets import RequestRefused, a1, column_letters
from desktop.services.source import PROGRESS_COLUMNS, PROGRESS_TAB

_LAST_PROGRESS_COLUMN = column_letters(len(PROGRESS_COLUMNS))


class ProgressTab:
    """The progress tab of one spreadsheet, with where each of its lines is."""

    def __init__(self, tabs: SheetTabs) -> None:
        self.tabs = tabs
        self.gateway = tabs.gateway
        self._index: ProgressIndex | None = None
        self._last = 1

    def read(self) -> list[list[CellValue]]:
        """The tab's data rows, each padded to 15 cells; empty when the tab is missing."""
        if self.tabs.info(PROGRESS_TAB, refresh_if_missing=True) is None:
            return []
        grid = self._load_index()
        return [progress_cells(cells) for n, cells in sorted(grid.items()) if n > 1]

    def ensure(self) -> bool:
        """Create the tab with its 15 headers if missing; True when it was created."""
        if self.tabs.info(PROGRESS_TAB, refresh_if_missing=True) is not None:
            [header] = self.gateway.batch_get([a1(PROGRESS_TAB, f"A1:{_LAST_PROGRESS_COLUMN}1")])
            if not header or is_empty_row(header[0]):
                self.gateway.batch_update([(a1(PROGRESS_TAB, "A1"), [list(PROGRESS_COLUMNS)])])
            return False
        try:
            self._create()
        except RequestRefused:  # a colleague's SimBatch created it a moment ago
            if self.tabs.info(PROGRESS_TAB, refresh_if_missing=True) is None:
                raise
            return False
        return True

    def write(self, rows: Sequence[Sequence[CellValue]], shared: bool) -> None:
        """Upsert rows keyed by (Batch_ID, Row_Number) in one write request; on a ``shared`` sheet
        new rows are appended by the service (see :meth:`_write_shared`)."""
        if not rows:
            return
        if shared:
            self._write_shared(rows)
            return
        if self._index is None:
            if self.tabs.info(PROGRESS_TAB, refresh_if_missing=True) is None:
                self._create()
            else:
                self._load_index()
        assert self._index is not None
        targets, last = place_progress(self._index, self._last, rows)
        info = self.tabs.info(PROGRESS_TAB)
        if info is not None and last > info.rows:
            self.tabs.grow(info, last)
        data = [
            (a1(PROGRESS_TAB, f"A{row}:{_LAST_PROGRESS_COLUMN}{row}"), [[sent_cell(v) for v in padded]])
            for row, padded in sorted(targets.items())
        ]
        try:
            self.gateway.batch_update(data)
        except Exception:
            self._index = None  # the sheet may differ from the map now; re-read next time
            raise
        self._last = last

    def _write_shared(self, rows: Sequence[Sequence[CellValue]]) -> None:
        """Upsert for a sheet colleagues write to at the same time: known rows are updated where they
        are, new ones appended by the service itself (appendCells inside one batchUpdate, so two
        clients' new rows never land on the same line); the key map is re-read after an append."""
        info = self.tabs.info(PROGRESS_TAB, refresh_if_missing=True)
        if info is None:
            try:
                self._create()
            except RequestRefused:  # a colleague created it first
                self.tabs.forget()
            info = self.tabs.info(PROGRESS_TAB, refresh_if_missing=True)
            if info is None:
                raise InputError(f"The {PROGRESS_TAB} tab could not be created.")
        if self._index is None:
            self._load_index()
        assert self._index is not None
        requests: list[dict[str, object]] = []
        appended: list[list[CellValue]] = []
        for values in rows:
            cells = [sent_cell(v) for v in progress_cells(values)]
            line = self._index.get(progress_key(cells[0], cells[1]))
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
                self._index = None  # where the service put them is read on the next flush

    def _create(self) -> None:
        self.tabs.add(PROGRESS_TAB)
        self.gateway.batch_update([(a1(PROGRESS_TAB, "A1"), [list(PROGRESS_COLUMNS)])])
        self._index, self._last = {}, 1

    def _load_index(self) -> Grid:
        [values] = self.gateway.batch_get([a1(PROGRESS_TAB, f"A:{_LAST_PROGRESS_COLUMN}")])
        grid = {n: cells for n, cells in value_grid(values, 1).items() if not is_empty_row(cells)}
        self._index, self._last = progress_index(grid)
        return grid
