"""The local .xlsx workbook source, for offline use, demos and tests.

Reads stream the file in openpyxl's read-only mode and close it straight away, so other programs
can open it between operations. Writes load the whole workbook (formulas, styles, other tabs and
defined names included), change only the given cells and replace the file atomically: save to a
temporary file in the same folder, fsync, then rename over the original (``workbook_file``). Both
run in the helper process (``helper_process``), beside the app rather than inside it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from desktop.domain.layout import HEADER_SEARCH_ROWS, SheetLayout, find_layout
from desktop.domain.models import CellValue
from desktop.errors import InputError
from desktop.paths import demo_copy_path, is_installed_file
from desktop.services.grid import (
    Grid,
    cell_at,
    is_empty_row,
    place_progress,
    progress_cells,
    progress_index,
    require_data_row,
    scenario_table,
    top_rows,
)
from desktop.services.helper_process import in_helper
from desktop.services.source import (
    DEFAULT_SCENARIO_TAB,
    PROGRESS_COLUMNS,
    PROGRESS_TAB,
    CellRef,
    ScenarioTable,
    Source,
)
from desktop.services.workbook_file import (
    has_tab,
    modify_file,
    read_tab,
    read_tab_if_present,
    require_file,
    worksheet,
)
from desktop.services.workbook_lock import WorkbookLock

_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
#: Excel stores at most this many characters in a cell; longer text is refused rather than cut.
EXCEL_CELL_LIMIT = 32_767


class XlsxSource(Source):
    """A local .xlsx workbook with a scenario tab and a ``Batch_Progress`` tab."""

    writes_whole_file = True

    def __init__(self, path: str | Path, scenario_tab: str = DEFAULT_SCENARIO_TAB) -> None:
        self.path = Path(path).expanduser().absolute()
        self.locator = str(self.path)
        self.display_name = self.path.name
        self.scenario_tab = scenario_tab
        self.last_row = 0
        self._lock: WorkbookLock | None = None

    # ----------------------------------------------------------------------------- reading

    def read_layout(self) -> SheetLayout:
        """Find the header row among the first rows and map the columns."""
        grid = self._read_grid(self.scenario_tab, max_row=HEADER_SEARCH_ROWS)
        return find_layout(top_rows(grid), self.scenario_tab)

    def read_scenarios(self, rows: Sequence[int] | None = None) -> ScenarioTable:
        """Read the data rows (all when ``rows`` is None); empty rows are skipped."""
        grid = self._read_grid(self.scenario_tab)
        table = scenario_table(grid, self.scenario_tab, rows)
        self.last_row = table.last_row
        return table

    def read_cells(self, refs: Sequence[CellRef]) -> dict[CellRef, CellValue]:
        """Current value of each cell, from one read of the file."""
        if not refs:
            return {}
        grid = self._read_grid(self.scenario_tab, max_row=max(HEADER_SEARCH_ROWS, *(r.row for r in refs)))
        layout = find_layout(top_rows(grid), self.scenario_tab)
        result: dict[CellRef, CellValue] = {}
        for ref in refs:
            result[ref] = cell_at(grid.get(ref.row, []), layout.column_for(ref.column).index)
        return result

    def read_progress(self) -> list[list[CellValue]]:
        """The progress tab's data rows, each padded to 15 cells; empty when the tab is missing."""
        grid = in_helper(read_tab_if_present, self.path, PROGRESS_TAB)
        if grid is None:
            return []
        lines = [cells for n, cells in sorted(grid.items()) if n > 1 and not is_empty_row(cells)]
        return [progress_cells(cells) for cells in lines]

    # ----------------------------------------------------------------------------- writing

    def check_writable(self) -> None:
        """Raise ``InputError`` when the workbook or its folder cannot be written.

        The permission bits are checked as well as ``os.access``: a file marked read-only by
        its owner stays read-only for us even when running as an administrator.
        """
        require_file(self.path)
        if is_installed_file(self.path):
            raise InputError(
                f"The workbook {self.path} is part of the SimBatch installation and is never changed; "
                f"open the demo workbook from the app to work on your own copy ({demo_copy_path()})."
            )
        mode = self.path.stat().st_mode
        if not mode & _WRITE_BITS or not os.access(self.path, os.W_OK):
            raise InputError(f"The workbook {self.path} is read-only; make it writable or save a copy first.")
        folder = self.path.parent
        folder_mode = folder.stat().st_mode
        posix_readonly = os.name != "nt" and not folder_mode & _WRITE_BITS
        if posix_readonly or not os.access(folder, os.W_OK | os.X_OK):
            raise InputError(
                f"The folder {folder} is read-only, so the workbook {self.display_name} "
                "cannot be saved there."
            )

    def write_cells(self, values: Mapping[CellRef, CellValue]) -> None:
        """Write all the given cells in one atomic save; nothing else in the workbook changes."""
        if values:
            self._modify(_CellWrites(self.scenario_tab, self.display_name, dict(values)))

    def ensure_progress_tab(self) -> bool:
        """Create the progress tab with its 15 headers if missing; True when it was created."""
        if in_helper(has_tab, self.path, PROGRESS_TAB):
            return False
        self._modify(_progress_sheet)
        return True

    def write_progress(self, rows: Sequence[Sequence[CellValue]]) -> None:
        """Upsert progress rows keyed by (Batch_ID, Row_Number), in one atomic save."""
        if rows:
            self._modify(_ProgressWrites([list(cells) for cells in rows]))

    # ----------------------------------------------------------------------------- the file

    def _read_grid(self, tab: str, max_row: int | None = None) -> Grid:
        return in_helper(read_tab, self.path, tab, self.display_name, max_row)

    def hold_for_writing(self) -> None:
        """Take the workbook's lock file (``WorkbookInUse`` names the SimBatch that holds it); it is
        held until ``close``."""
        if self._lock is None:
            from desktop.settings import display_name, load_settings

            self._lock = WorkbookLock(self.path, display_name(load_settings()))
        self._lock.acquire()

    def close(self) -> None:
        """Give the lock file up."""
        if self._lock is not None:
            self._lock.release()

    def _modify(self, change: Callable[[Workbook], object]) -> None:
        """Apply ``change`` to the workbook in one atomic save, holding its lock file meanwhile."""
        self.check_writable()
        for_this_save = self._lock is None or not self._lock.held  # outside a run: held for one save
        self.hold_for_writing()
        try:
            in_helper(modify_file, self.path, self.display_name, change)
        finally:
            if for_this_save:
                self.close()


# --------------------------------------------------------------------------------- changes
# Each change runs in the helper process, so it is a module-level class or function.


@dataclass(frozen=True)
class _CellWrites:
    """Set scenario cells, each found by its header in the tab's header row."""

    tab: str
    display_name: str
    values: dict[CellRef, CellValue]

    def __call__(self, wb: Workbook) -> None:
        ws = worksheet(wb, self.tab, self.display_name)
        top = [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS)]
        layout = find_layout(top, self.tab)
        for ref, value in self.values.items():
            require_data_row(layout, ref.row, self.tab)
            _set_cell(ws, ref.row, layout.column_for(ref.column).index, value)


@dataclass(frozen=True)
class _ProgressWrites:
    """Upsert progress rows keyed by (Batch_ID, Row_Number)."""

    rows: list[list[CellValue]]

    def __call__(self, wb: Workbook) -> None:
        ws = _progress_sheet(wb)
        grid: Grid = {cells[0].row: [c.value for c in cells] for cells in ws.iter_rows(min_row=2)}
        index, last = progress_index(grid)
        targets, _ = place_progress(index, last, self.rows)
        for target, cells in targets.items():
            for column, value in enumerate(cells, start=1):
                _set_cell(ws, target, column, value)


# --------------------------------------------------------------------------------- helpers


def _set_cell(ws: Any, row: int, column: int, value: CellValue) -> None:
    """Set a value; text that starts with ``=`` stays text rather than becoming a formula."""
    if isinstance(value, str) and len(value) > EXCEL_CELL_LIMIT:
        raise InputError(
            f"The value for row {row} of {ws.title!r} is {len(value):,} characters long; "
            f"an Excel cell holds at most {EXCEL_CELL_LIMIT:,}."
        )
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def _progress_sheet(wb: Workbook) -> Any:
    """The progress tab, created with its bold header row when missing."""
    if PROGRESS_TAB in wb.sheetnames:
        ws = wb[PROGRESS_TAB]
        if ws.max_row == 1 and all(c.value in (None, "") for c in ws[1]):
            for column, name in enumerate(PROGRESS_COLUMNS, start=1):
                ws.cell(row=1, column=column, value=name)
        return ws
    ws = wb.create_sheet(PROGRESS_TAB)
    bold = Font(bold=True)
    for column, name in enumerate(PROGRESS_COLUMNS, start=1):
        ws.cell(row=1, column=column, value=name).font = bold
    ws.freeze_panes = "A2"
    return ws
