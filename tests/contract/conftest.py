"""Fixtures of the Source contract suite: one parameter per Source implementation.

``make_source(tabs, scenario_tab)`` builds a source holding the given tabs (each a list of rows,
row 1 first); ``tab_reader(source, tab)`` reads a tab straight from the backing store, without
the Source API, so tests can check what really changed. ``tab_reader`` returns the rows up to the
last non-empty one, each without trailing empty cells, formulas as their ``=`` text.

To add an implementation: add its name to ``make_source``'s params and a factory class with
``__call__`` and ``read_tab`` (see ``XlsxFactory``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

import pytest
from google.auth.credentials import AnonymousCredentials
from openpyxl import Workbook, load_workbook

from desktop.domain.models import CellValue, to_cell_value
from desktop.services.gsheet_source import GoogleSheetSource
from desktop.services.retry import RetryPolicy
from desktop.services.sheets import SheetsGateway
from desktop.services.source import DEFAULT_SCENARIO_TAB, Source
from desktop.services.workbook import EXCEL_CELL_LIMIT, XlsxSource
from tests.fakes.sheets_server import FakeSheets

Tabs = dict[str, list[list[CellValue]]]
ReadTab = Callable[[Source, str], list[list[CellValue]]]


class SourceFactory(Protocol):
    """Builds sources for one implementation and reads their tabs directly."""

    def __call__(self, tabs: Tabs, scenario_tab: str = DEFAULT_SCENARIO_TAB) -> Source: ...

    def read_tab(self, source: Source, tab: str) -> list[list[CellValue]]: ...

    def close(self) -> None: ...


def trim(rows: list[list[CellValue]]) -> list[list[CellValue]]:
    """Drop trailing empty cells of each row and trailing empty rows."""
    out = []
    for row in rows:
        cells = list(row)
        while cells and cells[-1] in (None, ""):
            cells.pop()
        out.append(cells)
    while out and not out[-1]:
        out.pop()
    return out


class XlsxFactory:
    """Sources backed by .xlsx files written in a temporary folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sources: list[Source] = []

    def __call__(self, tabs: Tabs, scenario_tab: str = DEFAULT_SCENARIO_TAB) -> Source:
        wb = Workbook()
        wb.remove(wb.active)
        for title, rows in tabs.items():
            ws = wb.create_sheet(title)
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row, start=1):
                    if value is not None:
                        cell = ws.cell(row=r, column=c, value=value)
                        if isinstance(value, str) and len(value) > EXCEL_CELL_LIMIT:
                            # openpyxl cuts long text; other programs (Google Sheets) write it whole.
                            cell._value = value
        path = self.folder / f"source-{len(self.sources) + 1}.xlsx"
        wb.save(path)
        source = XlsxSource(path, scenario_tab)
        self.sources.append(source)
        return source

    def read_tab(self, source: Source, tab: str) -> list[list[CellValue]]:
        wb = load_workbook(source.locator)
        try:
            ws = wb[tab]
            return trim([[to_cell_value(c.value) for c in row] for row in ws.iter_rows()])
        finally:
            wb.close()

    def close(self) -> None:
        for source in self.sources:
            source.close()


class GsheetFactory:
    """Sources backed by a loopback fake Sheets server per source (the real API client talks to it)."""

    def __init__(self) -> None:
        self.fakes: dict[int, FakeSheets] = {}
        self.sources: list[Source] = []

    def __call__(self, tabs: Tabs, scenario_tab: str = DEFAULT_SCENARIO_TAB) -> Source:
        fake = FakeSheets(tabs={title: [list(row) for row in rows] for title, rows in tabs.items()}).start()
        policy = RetryPolicy(max_attempts=3, base=0.01, cap=0.05)
        gateway = SheetsGateway(fake.spreadsheet_id, AnonymousCredentials, fake.endpoint, retry=policy)
        source = GoogleSheetSource(fake.spreadsheet_id, scenario_tab, gateway=gateway)
        self.fakes[id(source)] = fake
        self.sources.append(source)
        return source

    def read_tab(self, source: Source, tab: str) -> list[list[CellValue]]:
        rows = self.fakes[id(source)].tab(tab)
        return trim([[None if cell == "" else cell for cell in row] for row in rows])

    def close(self) -> None:
        for source in self.sources:
            source.close()
        for fake in self.fakes.values():
            fake.stop()


@pytest.fixture(params=["xlsx", "gsheet"])
def make_source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SourceFactory]:
    """A factory ``make_source(tabs, scenario_tab) -> Source`` for each Source implementation."""
    factory: SourceFactory
    if request.param == "xlsx":
        factory = XlsxFactory(tmp_path)
    elif request.param == "gsheet":
        factory = GsheetFactory()
    else:  # pragma: no cover - a new param needs its factory here
        raise AssertionError(f"no factory for {request.param}")
    yield factory
    factory.close()


@pytest.fixture
def tab_reader(make_source: SourceFactory) -> ReadTab:
    """``tab_reader(source, tab)``: the tab's rows read from the backing store directly."""
    return make_source.read_tab
