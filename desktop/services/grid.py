"""What both sources do with a tab once its cells are read: a grid of rows becomes scenarios.

A *grid* maps sheet row numbers (1-based) to that row's cells (column 1 first, trailing cells may
be missing). The xlsx and Google Sheet sources read their grids differently and share the rest here.
"""

from __future__ import annotations

from collections.abc import Sequence

from desktop.domain.layout import HEADER_SEARCH_ROWS, SheetLayout, find_layout
from desktop.domain.models import CellValue, Scenario, to_cell_value
from desktop.errors import InputError
from desktop.services.source import PROGRESS_COLUMNS, ScenarioTable

Grid = dict[int, list[CellValue]]
#: Where each Batch_Progress line is: (Batch_ID, Row_Number) -> sheet row.
ProgressIndex = dict[tuple[str, str], int]
_PROGRESS_WIDTH = len(PROGRESS_COLUMNS)


def top_rows(grid: Grid) -> list[list[CellValue]]:
    """The rows where the header is looked for."""
    return [grid.get(n, []) for n in range(1, HEADER_SEARCH_ROWS + 1)]


def is_empty_row(cells: Sequence[CellValue]) -> bool:
    """True when every cell is empty or blank text."""
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def cell_at(cells: Sequence[CellValue], index: int) -> CellValue:
    """The cell in 1-based column ``index`` (None past the row's last cell)."""
    return cells[index - 1] if index <= len(cells) else None


def id_text(value: object) -> str:
    """A Case ID (or a progress key part) as text: a number cell 101 (or 101.0) becomes ``"101"``."""
    value = to_cell_value(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def progress_key(batch_id: object, row_number: object) -> tuple[str, str]:
    """The key a Batch_Progress line is found by: (Batch_ID, Row_Number) as text."""
    return id_text(batch_id), id_text(row_number)


def progress_cells(values: Sequence[CellValue]) -> list[CellValue]:
    """A progress line as exactly 15 cells: missing cells are empty, extra cells are dropped."""
    return [*values[:_PROGRESS_WIDTH], *[None] * (_PROGRESS_WIDTH - len(values))]


def progress_index(grid: Grid) -> tuple[ProgressIndex, int]:
    """The lines of a progress tab's grid by key (the first line wins), and its last non-empty row
    (1, the header, when there is no data)."""
    index: ProgressIndex = {}
    last = 1
    for n, cells in sorted(grid.items()):
        if n > 1 and not is_empty_row(cells):
            index.setdefault(progress_key(cell_at(cells, 1), cell_at(cells, 2)), n)
            last = n
    return index, last


def place_progress(
    index: ProgressIndex, last: int, rows: Sequence[Sequence[CellValue]]
) -> tuple[dict[int, list[CellValue]], int]:
    """Upsert planning: each row goes over its key's line, or after ``last`` when the key is new.

    Returns {sheet row: its 15 cells} and the new last row; ``index`` learns the new lines.
    """
    targets: dict[int, list[CellValue]] = {}
    for values in rows:
        cells = progress_cells(values)
        key = progress_key(cells[0], cells[1])
        target = index.get(key)
        if target is None:
            last += 1
            target = index[key] = last
        targets[target] = cells
    return targets, last


def require_data_row(layout: SheetLayout, row: int, tab: str) -> None:
    """Refuse a write to the header or the rows above it (``InputError``)."""
    if row <= layout.header_row:
        raise InputError(
            f"Row {row} of {tab!r} is not a data row; data starts at row {layout.first_data_row}."
        )


def scenario_from_cells(layout: SheetLayout, row: int, cells: Sequence[CellValue]) -> Scenario:
    """One scenario from its row's cells."""
    title = cell_at(cells, layout.title.index) if layout.title else None
    return Scenario(
        row=row,
        case_id=id_text(cell_at(cells, layout.case_id.index)),
        title="" if title is None else str(title),
        vitals={name: cell_at(cells, col.index) for name, col in layout.vitals.items()},
        context={col.header: cell_at(cells, col.index) for col in layout.context},
    )


def scenario_table(grid: Grid, tab: str, rows: Sequence[int] | None) -> ScenarioTable:
    """The scenarios of a tab's grid: all data rows, or the requested ones (empty rows skipped,
    rows past the last data row listed in ``skipped_rows``)."""
    layout = find_layout(top_rows(grid), tab)
    data = {n: cells for n, cells in grid.items() if n > layout.header_row and not is_empty_row(cells)}
    last_row = max(data, default=0)
    if rows is None:
        wanted, skipped = sorted(data), []
    else:
        requested = sorted(set(rows))
        skipped = [n for n in requested if n > last_row]
        wanted = [n for n in requested if n in data]
    scenarios = [scenario_from_cells(layout, n, data[n]) for n in wanted]
    return ScenarioTable(layout=layout, scenarios=scenarios, last_row=last_row, skipped_rows=skipped)
