"""Helpers shared by the live-run tests: a client on the fake, workbook snapshots, run setup."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from desktop.domain.pricing import PriceTable
from desktop.jobs.planning import create_enrichment_run
from desktop.journal import Journal, RunKind
from desktop.services.llm import LLMClient
from desktop.services.ratelimit import RateLimiter
from desktop.services.retry import RetryPolicy
from desktop.services.source import PROGRESS_TAB
from desktop.services.workbook import XlsxSource
from tests.fakes.openai_server import FakeOpenAI

API_KEY = "sk-test-live-0123456789abcdef"
MODEL = "gpt-4o-mini"

Cells = dict[tuple[str, str], object]


def make_client(fake: FakeOpenAI, *, api_key: str = API_KEY, timeout: float = 5.0) -> LLMClient:
    """A real client on the fake with quick retries and no client-side limit."""
    return LLMClient(
        fake.base_url,
        api_key,
        MODEL,
        limiter=RateLimiter(),
        retry=RetryPolicy(max_attempts=4, base=0.01, cap=0.05, retry_after_cap=0.2),
        prices=PriceTable.load(),
        timeout=timeout,
    )


def snapshot(path: Path) -> Cells:
    """Every non-empty cell of every sheet but the progress tab, by (sheet, coordinate)."""
    wb = openpyxl.load_workbook(path)
    cells: Cells = {}
    for ws in wb.worksheets:
        if ws.title == PROGRESS_TAB:
            continue
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    cells[(ws.title, cell.coordinate)] = cell.value
    wb.close()
    return cells


def changed_cells(before: Cells, after: Cells) -> set[tuple[str, str]]:
    """Coordinates whose value differs between two snapshots."""
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def coordinates(path: Path, cells: list[tuple[int, str]]) -> set[tuple[str, str]]:
    """(sheet, coordinate) of scenario-tab cells named by (row, vitals column)."""
    source = XlsxSource(path)
    layout = source.read_layout()
    tab = source.scenario_tab
    source.close()
    letters = {name: openpyxl.utils.get_column_letter(col.index) for name, col in layout.vitals.items()}
    return {(tab, f"{letters[column]}{row}") for row, column in cells}


def plan(journal: Journal, path: Path, rows: str = "all", overwrite: bool = False) -> tuple[XlsxSource, str]:
    """Open the workbook and journal a live run over ``rows``."""
    source = XlsxSource(path)
    table = source.read_scenarios(None if rows == "all" else _rows(rows))
    run_id = create_enrichment_run(
        journal, source, table, rows, kind=RunKind.LIVE, model=MODEL, overwrite=overwrite
    )
    return source, run_id


def _rows(spec: str) -> list[int]:
    first, _, last = spec.partition("-")
    return list(range(int(first), int(last or first) + 1))


def make_workbook(demo: Path, target: Path, rows: int) -> Path:
    """The demo rows repeated until there are ``rows`` scenarios, with unique case ids."""
    book = openpyxl.load_workbook(demo)
    sheet = book["Master Scenario Convert"]
    template = [[c.value for c in row] for row in sheet.iter_rows(min_row=3, max_row=sheet.max_row)]
    for index in range(len(template), rows):
        values = list(template[index % len(template)])
        values[0] = f"{values[0]}-X{index}"
        sheet.append(values)
    book.save(target)
    book.close()
    return target
