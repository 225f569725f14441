"""Shared set-up for the Batch API tests: a fake OpenAI server, a workbook run and a runner."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.domain.pricing import PriceTable
from desktop.domain.rowspec import parse_row_spec
from desktop.jobs.batch import BatchOptions, BatchRun
from desktop.jobs.batch_input import MAX_BYTES, MAX_LINES, ChunkLimits
from desktop.jobs.planning import create_enrichment_run
from desktop.journal import Journal, RunKind
from desktop.services.batch_api import BatchAPIClient
from desktop.services.retry import RetryPolicy
from desktop.services.workbook import XlsxSource
from tests.fakes.openai_server import FakeOpenAI

MODEL = "gpt-4o-mini"
FAST_RETRY = RetryPolicy(max_attempts=3, base=0.01, cap=0.05)


@dataclass
class BatchSetup:
    """A fake server, a journal and a workbook with one batch run journaled on it."""

    fake: FakeOpenAI
    journal: Journal
    source: XlsxSource
    workbook: Path
    client: BatchAPIClient

    def new_run(self, rows: str, overwrite: bool = True) -> str:
        spec = parse_row_spec(rows)
        table = self.source.read_scenarios(None if spec.all_rows else spec.rows)
        return create_enrichment_run(
            self.journal, self.source, table, rows, kind=RunKind.BATCH, model=MODEL, overwrite=overwrite
        )

    def runner(self, run_id: str, **limits: int | None) -> BatchRun:
        options = BatchOptions(
            poll_interval=0.01,
            max_poll_interval=0.05,
            limits=ChunkLimits(
                max_lines=limits.get("max_lines") or MAX_LINES,
                max_bytes=limits.get("max_bytes") or MAX_BYTES,
                token_cap=limits.get("token_cap"),
            ),
        )
        return BatchRun(self.journal, self.source, run_id, self.client, PriceTable.load(), options=options)


@pytest.fixture
def batch_setup(demo_copy: Path, simbatch_home: Path) -> Iterator[BatchSetup]:
    fake = FakeOpenAI(seed=7).start()
    fake.batch_polls_per_stage = 1
    journal = Journal.open()
    source = XlsxSource(demo_copy)
    client = BatchAPIClient(fake.base_url, fake.api_key, retry=FAST_RETRY)
    try:
        yield BatchSetup(fake, journal, source, demo_copy, client)
    finally:
        source.close()
        journal.close()
        fake.stop()
