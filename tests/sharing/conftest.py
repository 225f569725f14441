"""Fixtures: a fake Google Sheet of 1,000 cases and a fake LLM endpoint with low latency."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.sheets_server import FakeSheets
from tests.integration.live_helpers import API_KEY
from tests.torture.helpers import TAB, scenario_rows

ROWS = 1000


@pytest.fixture
def sheets() -> Iterator[FakeSheets]:
    with FakeSheets(tabs={TAB: scenario_rows(ROWS)}) as fake:
        yield fake


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=API_KEY, latency=0.01) as fake:
        yield fake
