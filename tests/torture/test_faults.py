"""Faults at 10% on both services at once: a live run over a Google Sheet (FakeSheets with random 5xx
and dropped connections) against FakeOpenAI with its transport and content faults. Every row must end
COMPLETED or FAILED with a reason, every result must reach the sheet, and the Batch_Progress tab must
equal the journal. CI runs every pair of faults; ``make torture`` every combination."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.auth.credentials import AnonymousCredentials

from desktop.domain.pricing import PriceTable
from desktop.jobs.engine import LiveRun
from desktop.jobs.planning import create_enrichment_run
from desktop.jobs.progress import progress_cells
from desktop.journal import Journal, RowStatus, RunKind
from desktop.services.gsheet_source import GoogleSheetSource
from desktop.services.llm import LLMClient
from desktop.services.ratelimit import RateLimiter
from desktop.services.retry import RetryPolicy
from desktop.services.sheets import SheetsGateway
from desktop.services.source import PROGRESS_TAB, CellRef
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.sheets_server import FakeSheets
from tests.torture.helpers import TAB, assert_every_row_settled, full_run, scenario_rows

RATE = 0.10
ROWS = 20
OPENAI_FAULTS = ("429", "5xx", "timeout", "drop", "malformed", "truncated", "refusal", "invalid_vitals")
SHEETS_FAULTS = ("sheets_5xx", "sheets_drop")
ALL_FAULTS = OPENAI_FAULTS + SHEETS_FAULTS


def combinations() -> list[tuple[str, ...]]:
    """Pairs of faults for CI; every non-empty combination under ``make torture``."""
    if not full_run():
        return [*itertools.combinations(ALL_FAULTS, 2), ALL_FAULTS]
    return [c for n in range(1, len(ALL_FAULTS) + 1) for c in itertools.combinations(ALL_FAULTS, n)]


@pytest.fixture(scope="module")
def openai_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(seed=1) as fake:
        fake.faults.retry_after = 0.01
        fake.faults.timeout_hold = 0.3
        yield fake


@pytest.fixture(scope="module")
def sheets_fake() -> Iterator[FakeSheets]:
    with FakeSheets(tabs={TAB: scenario_rows(ROWS)}) as fake:
        yield fake


QUICK = RetryPolicy(max_attempts=6, base=0.005, cap=0.02, retry_after_cap=0.02)


@pytest.fixture(scope="module")
def gateway(sheets_fake: FakeSheets) -> SheetsGateway:
    """One gateway for the module: building the API client is the slow part of a Sheets call."""
    return SheetsGateway(
        sheets_fake.spreadsheet_id,
        AnonymousCredentials,
        sheets_fake.endpoint,
        retry=QUICK,
        reads_per_minute=100_000,
        writes_per_minute=100_000,
    )


def set_faults(openai_fake: FakeOpenAI, sheets_fake: FakeSheets, faults: tuple[str, ...], seed: int) -> None:
    """Turn on exactly ``faults`` at 10%, with seeded dice."""
    for name in OPENAI_FAULTS:
        setattr(openai_fake.faults, f"rate_{name}", RATE if name in faults else 0.0)
    openai_fake.dice._rng.seed(seed)
    sheets_fake.faults.rate_5xx = RATE if "sheets_5xx" in faults else 0.0
    sheets_fake.faults.rate_drop = RATE if "sheets_drop" in faults else 0.0
    sheets_fake.faults.rng = random.Random(seed)


def blank_as_none(cells: list[object]) -> list[object]:
    """A cleared Sheets cell reads back as nothing; compare "" and None as one."""
    return [None if v == "" else v for v in cells]


@pytest.mark.parametrize("faults", combinations(), ids="+".join)
def test_every_row_settles_under_faults(
    openai_fake: FakeOpenAI,
    sheets_fake: FakeSheets,
    gateway: SheetsGateway,
    simbatch_home: Path,
    faults: tuple[str, ...],
) -> None:
    sheets_fake.faults.rate_5xx = sheets_fake.faults.rate_drop = 0.0
    sheets_fake.set_tab(TAB, scenario_rows(ROWS))
    if PROGRESS_TAB in sheets_fake.tab_names():
        sheets_fake.set_tab(PROGRESS_TAB, [])
    set_faults(openai_fake, sheets_fake, faults, seed=hash(faults) % 10_000)
    source = GoogleSheetSource(sheets_fake.spreadsheet_id, TAB, gateway=gateway)
    client = LLMClient(
        openai_fake.base_url, openai_fake.api_key, "gpt-4o-mini", limiter=RateLimiter(), retry=QUICK,
        prices=PriceTable.load(), timeout=0.2,
    )
    with Journal.open() as journal:
        table = source.read_scenarios()
        run_id = create_enrichment_run(journal, source, table, "all", kind=RunKind.LIVE, model="gpt-4o-mini")
        live = LiveRun(journal, source, run_id, client.generate, workers=6, mirror_interval=0.05, tick=0.02)
        outcome = live.execute()
        assert outcome.exit_error is None, outcome.exit_error
        tasks = journal.tasks(run_id)
    sheets_fake.faults.rate_5xx = sheets_fake.faults.rate_drop = 0.0

    assert_every_row_settled(tasks, list(range(3, 3 + ROWS)))
    # No lost results: each completed row's cells on the sheet hold its journaled result.
    done = [t for t in tasks if t.status is RowStatus.COMPLETED]
    refs = [CellRef(t.row, c) for t in done for c in t.columns_requested]
    cells = source.read_cells(refs)
    for task in done:
        for column in task.columns_requested:
            assert json.loads(str(cells[CellRef(task.row, column)])) == (task.result or {})[column]
    for task in tasks:
        if task.status is RowStatus.FAILED:
            assert all(cells.get(CellRef(task.row, c)) is None for c in task.columns_requested)
    # No progress row lost: the Batch_Progress tab equals the journal, row for row.
    mirror = {int(str(r[1])): r for r in source.read_progress()}
    assert sorted(mirror) == [t.row for t in tasks]
    for task in tasks:
        shown = mirror[task.row]
        assert [shown[1], shown[2], shown[3], shown[8] or ""] == [task.row, task.case_id, task.status.value,
                                                                 task.error or ""]
        assert blank_as_none(shown) == blank_as_none(progress_cells(task))
