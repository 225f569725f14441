"""Shared set-up for the run-side GUI tests: a context on a workbook copy, and the fake OpenAI server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.gui.context import AppContext
from desktop.journal import Journal
from desktop.services.workbook import XlsxSource
from desktop.settings import Settings
from tests.fakes.openai_server import FakeOpenAI

API_KEY = "sk-test-gui-0123456789abcdef"


def make_context(workbook: Path, journal: Journal, **settings: object) -> AppContext:
    """A context with the workbook open and its rows loaded (read here, before any widget exists)."""
    values: dict[str, object] = {"requests_per_minute": 100_000, "tokens_per_minute": 100_000_000}
    values.update(settings)
    context = AppContext(journal, Settings.model_validate(values))
    source = XlsxSource(workbook)
    context.set_source(source)
    context.set_rows(source.read_scenarios().scenarios)
    return context


@pytest.fixture(name="fake")
def fake_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    """A fake OpenAI server that the app reaches through OPENAI_BASE_URL and OPENAI_API_KEY."""
    with FakeOpenAI(api_key=API_KEY, seed=3) as server:
        server.batch_polls_per_stage = 1
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        yield server


@pytest.fixture(name="journal")
def journal_fixture() -> Iterator[Journal]:
    """A journal in the test's data folder."""
    with Journal.open() as j:
        yield j
