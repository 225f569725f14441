"""The local .xlsx workbook source, for offline use, demos and tests.

Reads stream the file in openpyxl's read-only mode and close it straight away, so other programs
can open it between operations. Writes load the whole workbook (formulas, styles, other tabs and
defined names included), change only the given cells and replace the file atomically: save to a
temporary file in the same folder, fsync, then rename over the original.
"""

from __future__ import annotations

import os
import stat
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import IllegalCharacterError, InvalidFileException
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from desktop.domain.layout import HEADER_SEARCH_ROWS, SheetLayout, find_layout
from desktop.domain.models import CellValue, to_cell_value
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
from desktop.services.source import (
    DEFAULT_SCENARIO_TAB,
    PROGRESS_COLUMNS,
    PROGRESS_TAB,
    CellRef,
    ScenarioTable,
    Source,
)
from desktop.services.workbook_lock import WorkbookLock

_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
_TEMP_PREFIX = ".~simbatch-"
#: One lock per workbook file for this process: each save loads the whole file and writes it back, so
#: two source objects saving one file at once (a run's write-back and anything else in the app) would
#: lose whichever change was loaded first.
_SAVE_LOCKS: dict[Path, threading.Lock] = {}
_SAVE_LOCKS_GUARD = threading.Lock()


def _save_lock(path: Path) -> threading.Lock:
    with _SAVE_LOCKS_GUARD:
        return _SAVE_LOCKS.setdefault(path, threading.Lock())
#: Excel stores at most this many characters in a cell; longer text is refused rather than cut.
EXCEL_CELL_LIMIT = 32_767
_NOT_A_WORKBOOK = (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, SyntaxError)


class _CachedValueParser(WorkSheetParser):  # type: ignore[misc]
    """Cell values as last calculated; a formula's own text where the file holds no cached value."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        if element.find(FORMULA_TAG) is None:
            return super().parse_cell(element)  # type: ignore[no-any-return]
        formula = self.parse_formula(element)  # also registers shared-formula masters
        cell: dict[str, Any] = super().parse_cell(element)
        if cell["value"] is None:
            cell["value"] = getattr(formula, "text", formula)
        return cell


class XlsxSource(Source):
    """A local .xlsx workbook with a scenario tab and a ``Batch_Progress`` tab."""

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
        with self._open_for_reading() as wb:
            if PROGRESS_TAB not in wb.sheetnames:
                return []
            grid = _parse_grid(wb, wb[PROGRESS_TAB], None)
        lines = [cells for n, cells in sorted(grid.items()) if n > 1 and not is_empty_row(cells)]
        return [progress_cells(cells) for cells in lines]

    # ----------------------------------------------------------------------------- writing

    def check_writable(self) -> None:
        """Raise ``InputError`` when the workbook or its folder cannot be written.

        The permission bits are checked as well as ``os.access``: a file marked read-only by
        its owner stays read-only for us even when running as an administrator.
        """
        self._require_file()
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
        if not values:
            return

        def change(wb: Workbook) -> None:
            ws = self._worksheet(wb, self.scenario_tab)
            top = [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS)]
            layout = find_layout(top, self.scenario_tab)
            for ref, value in values.items():
                require_data_row(layout, ref.row, self.scenario_tab)
                _set_cell(ws, ref.row, layout.column_for(ref.column).index, value)

        self._modify(change)

    def ensure_progress_tab(self) -> bool:
        """Create the progress tab with its 15 headers if missing; True when it was created."""
        with self._open_for_reading() as wb:
            if PROGRESS_TAB in wb.sheetnames:
                return False
        self._modify(_progress_sheet)
        return True

    def write_progress(self, rows: Sequence[Sequence[CellValue]]) -> None:
        """Upsert progress rows keyed by (Batch_ID, Row_Number), in one atomic save."""
        if not rows:
            return

        def change(wb: Workbook) -> None:
            ws = _progress_sheet(wb)
            grid: Grid = {cells[0].row: [c.value for c in cells] for cells in ws.iter_rows(min_row=2)}
            index, last = progress_index(grid)
            targets, _ = place_progress(index, last, rows)
            for target, cells in targets.items():
                for column, value in enumerate(cells, start=1):
                    _set_cell(ws, target, column, value)

        self._modify(change)

    # ----------------------------------------------------------------------------- file handling

    def _require_file(self) -> None:
        if not self.path.exists():
            raise InputError(f"The workbook {self.path} does not exist.")
        if not self.path.is_file():
            raise InputError(f"{self.path} is a folder, not an Excel workbook (.xlsx).")

    @contextmanager
    def _file_errors(self) -> Iterator[None]:
        """Turn what opening or saving a file can raise into one clear sentence."""
        try:
            yield
        except FileNotFoundError as exc:
            raise InputError(f"The workbook {self.path} does not exist.") from exc
        except PermissionError as exc:
            raise InputError(
                f"The workbook {self.path} is open in another program or access is denied; "
                "close it there and try again."
            ) from exc
        except _NOT_A_WORKBOOK as exc:
            raise InputError(f"The file {self.path} is not an Excel workbook (.xlsx) or is damaged.") from exc

    @contextmanager
    def _open_for_reading(self) -> Iterator[Any]:
        """A read-only workbook handle, always closed afterwards."""
        self._require_file()
        with self._file_errors():
            wb = load_workbook(self.path, read_only=True, data_only=True)
            try:
                yield wb
            finally:
                wb.close()

    def _read_grid(self, tab: str, max_row: int | None = None) -> Grid:
        with self._open_for_reading() as wb:
            return _parse_grid(wb, self._worksheet(wb, tab), max_row)

    def _worksheet(self, wb: Any, tab: str) -> Any:
        if tab not in wb.sheetnames:
            found = ", ".join(repr(name) for name in wb.sheetnames) or "none"
            raise InputError(
                f"The workbook {self.display_name} has no tab named {tab!r} (tabs found: {found})."
            )
        return wb[tab]

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
        """Load the full workbook, apply ``change`` and save it atomically."""
        self.check_writable()
        for_this_save = self._lock is None or not self._lock.held  # outside a run: held for one save
        self.hold_for_writing()
        try:
            with _save_lock(self.path):
                with self._file_errors():
                    keep_vba = self.path.suffix.lower() == ".xlsm"
                    wb = load_workbook(self.path, rich_text=True, keep_vba=keep_vba)
                try:
                    change(wb)
                    self._save_atomic(wb)
                finally:
                    wb.close()
                    _release_cells(wb)
        finally:
            if for_this_save:
                self.close()

    def _save_atomic(self, wb: Workbook) -> None:
        folder = self.path.parent
        with self._file_errors():
            fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=self.path.suffix, dir=folder)
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "w+b") as handle:
                wb.save(handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, stat.S_IMODE(self.path.stat().st_mode))
            with self._file_errors():
                os.replace(temp, self.path)
        except IllegalCharacterError as exc:
            temp.unlink(missing_ok=True)
            raise InputError(f"A value holds characters that {self.display_name} cannot store.") from exc
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise InputError(f"The workbook {self.path} could not be saved: {exc.strerror or exc}.") from exc
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _fsync_folder(folder)


# --------------------------------------------------------------------------------- helpers


def _release_cells(wb: Workbook) -> None:
    """Drop the loaded cells of every sheet.

    Each cell refers back to its sheet, so a discarded workbook is tens of thousands of reference
    cycles that only the cyclic collector frees — and that runs on the GUI thread in the app, where
    freeing a large workbook stalled the window for tens of milliseconds after every write. Without
    the sheets' cell maps the cells are freed at once, here, by reference counting.
    """
    for ws in wb.worksheets:
        cells = getattr(ws, "_cells", None)
        if isinstance(cells, dict):
            cells.clear()


def _parse_grid(wb: Any, ws: Any, max_row: int | None) -> Grid:
    """Stream the rows of a read-only worksheet up to ``max_row`` (all when None)."""
    grid: Grid = {}
    source = ws._get_source()
    try:
        parser = _CachedValueParser(
            source,
            ws._shared_strings,
            data_only=True,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        for number, cells in parser.parse():
            if max_row is not None and number > max_row:
                break
            if not cells:
                continue
            values: list[CellValue] = [None] * max(c["column"] for c in cells)
            for cell in cells:
                values[cell["column"] - 1] = to_cell_value(cell["value"])
            grid[number] = values
    finally:
        source.close()
    return grid


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


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable where the platform allows syncing a folder."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
