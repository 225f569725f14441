"""The .xlsx file under the workbook source: opening it read-only and streaming a tab's cached cell
values, and changing it safely — load the whole workbook, change it, save to a temporary file in the
same folder, fsync, then rename over the original — one save per file at a time in this process.
Whatever opening or saving raises becomes one sentence naming the file."""

from __future__ import annotations

import os
import stat
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError, InvalidFileException
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from desktop.domain.models import CellValue, to_cell_value
from desktop.errors import InputError
from desktop.services.grid import Grid

_TEMP_PREFIX = ".~simbatch-"
#: One lock per workbook file for this process: each save loads the whole file and writes it back, so
#: two source objects saving one file at once (a run's write-back and anything else in the app) would
#: lose whichever change was loaded first.
_SAVE_LOCKS: dict[Path, threading.Lock] = {}
_SAVE_LOCKS_GUARD = threading.Lock()
_NOT_A_WORKBOOK = (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, SyntaxError)


def _save_lock(path: Path) -> threading.Lock:
    with _SAVE_LOCKS_GUARD:
        return _SAVE_LOCKS.setdefault(path, threading.Lock())


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


def require_file(path: Path) -> None:
    """``InputError`` unless ``path`` is an existing file."""
    if not path.exists():
        raise InputError(f"The workbook {path} does not exist.")
    if not path.is_file():
        raise InputError(f"{path} is a folder, not an Excel workbook (.xlsx).")


@contextmanager
def file_errors(path: Path) -> Iterator[None]:
    """Turn what opening or saving a file can raise into one clear sentence."""
    try:
        yield
    except FileNotFoundError as exc:
        raise InputError(f"The workbook {path} does not exist.") from exc
    except PermissionError as exc:
        raise InputError(
            f"The workbook {path} is open in another program or access is denied; "
            "close it there and try again."
        ) from exc
    except _NOT_A_WORKBOOK as exc:
        raise InputError(f"The file {path} is not an Excel workbook (.xlsx) or is damaged.") from exc


@contextmanager
def open_for_reading(path: Path) -> Iterator[Any]:
    """A read-only workbook handle, always closed afterwards."""
    require_file(path)
    with file_errors(path):
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            yield wb
        finally:
            wb.close()


def worksheet(wb: Any, tab: str, display_name: str) -> Any:
    """The tab named ``tab``; ``InputError`` listing the tabs there are when it is missing."""
    if tab not in wb.sheetnames:
        found = ", ".join(repr(name) for name in wb.sheetnames) or "none"
        raise InputError(f"The workbook {display_name} has no tab named {tab!r} (tabs found: {found}).")
    return wb[tab]


def parse_grid(wb: Any, ws: Any, max_row: int | None) -> Grid:
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


def read_tab(path: Path, tab: str, display_name: str, max_row: int | None = None) -> Grid:
    """The cells of the tab ``tab`` up to ``max_row`` (all when None); ``InputError`` naming the tabs
    there are when it is missing."""
    with open_for_reading(path) as wb:
        return parse_grid(wb, worksheet(wb, tab, display_name), max_row)


def read_tab_if_present(path: Path, tab: str) -> Grid | None:
    """Every cell of the tab ``tab``, or None when the workbook has no such tab."""
    with open_for_reading(path) as wb:
        if tab not in wb.sheetnames:
            return None
        return parse_grid(wb, wb[tab], None)


def has_tab(path: Path, tab: str) -> bool:
    """True when the workbook has a tab named ``tab``."""
    with open_for_reading(path) as wb:
        return tab in wb.sheetnames


def modify_file(path: Path, display_name: str, change: Callable[[Workbook], object]) -> None:
    """Load the full workbook (formulas, styles, other tabs, defined names and macros kept), apply
    ``change`` and save it atomically (in the helper process, ``change`` must be picklable: a
    module-level function or an instance of a module-level class)."""
    with _save_lock(path):
        with file_errors(path):
            keep_vba = path.suffix.lower() == ".xlsm"
            wb = load_workbook(path, rich_text=True, keep_vba=keep_vba)
        try:
            change(wb)
            _save_atomic(wb, path, display_name)
        finally:
            wb.close()
            _release_cells(wb)


def _save_atomic(wb: Workbook, path: Path, display_name: str) -> None:
    folder = path.parent
    with file_errors(path):
        fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=path.suffix, dir=folder)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w+b") as handle:
            wb.save(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, stat.S_IMODE(path.stat().st_mode))
        with file_errors(path):
            os.replace(temp, path)
    except IllegalCharacterError as exc:
        temp.unlink(missing_ok=True)
        raise InputError(f"A value holds characters that {display_name} cannot store.") from exc
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise InputError(f"The workbook {path} could not be saved: {exc.strerror or exc}.") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)


def _release_cells(wb: Workbook) -> None:
    """Drop the loaded cells of every sheet.

    Each cell refers back to its sheet, so a discarded workbook is tens of thousands of reference
    cycles that only the cyclic collector frees (in the app's own process, where saves once ran, that
    stalled the window for tens of milliseconds after every write; in the helper process it would
    keep a second workbook's worth of memory until the next collection). Without the sheets' cell
    maps the cells are freed at once, here, by reference counting.
    """
    for ws in wb.worksheets:
        cells = getattr(ws, "_cells", None)
        if isinstance(cells, dict):
            cells.clear()


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
