"""Batch mode on a shared sheet: its rows are claimed for the life of the batch, then released."""

from __future__ import annotations

from pathlib import Path

from google.auth.credentials import AnonymousCredentials

from desktop.domain.pricing import PriceTable
from desktop.jobs.batch import BatchOptions, BatchRun
from desktop.jobs.colleagues import colleague_claims
from desktop.jobs.planning import create_enrichment_run
from desktop.journal import Journal, RowStatus, RunKind
from desktop.services.batch_api import BatchAPIClient
from desktop.services.gsheet_source import GoogleSheetSource
from desktop.services.sheets import SheetsGateway
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.sheets_server import FakeSheets
from tests.integration.batch_helpers import FAST_RETRY, MODEL
from tests.sharing.helpers import claim_tabs, filled_rows
from tests.torture.helpers import TAB

ROWS = set(range(3, 103))


def open_sheet(sheets: FakeSheets) -> GoogleSheetSource:
    gateway = SheetsGateway(sheets.spreadsheet_id, lambda: AnonymousCredentials(), sheets.endpoint)
    return GoogleSheetSource(sheets.spreadsheet_id, TAB, gateway=gateway)


def test_batch_rows_stay_claimed_until_the_batch_is_downloaded(
    sheets: FakeSheets, simbatch_home: Path
) -> None:
    with FakeOpenAI(seed=7) as llm, Journal.open() as journal:
        llm.batch_polls_per_stage = 2
        source = open_sheet(sheets)
        table = source.read_scenarios(sorted(ROWS))
        run_id = create_enrichment_run(journal, source, table, "3-102", kind=RunKind.BATCH, model=MODEL)
        client = BatchAPIClient(llm.base_url, llm.api_key, retry=FAST_RETRY)
        options = BatchOptions(poll_interval=0.01, max_poll_interval=0.05)
        BatchRun(journal, source, run_id, client, PriceTable.load(), options=options).run(wait=False)
        # Submitted, not finished: a colleague sees every row held by this batch.
        seen = colleague_claims(open_sheet(sheets))
        assert len(seen) == len(ROWS) and all(c.batch for c in seen.values())
        assert next(iter(seen.values())).describe().startswith("in a batch job of ")
        # A later process (a new source and runner) downloads the results and releases the claims.
        later = open_sheet(sheets)
        outcome = BatchRun(journal, later, run_id, client, PriceTable.load(), options=options).run(wait=True)
        assert outcome.counts.get(RowStatus.COMPLETED.value) == len(ROWS)
        assert filled_rows(sheets, ROWS) == ROWS
        assert colleague_claims(open_sheet(sheets)) == {}
        assert claim_tabs(sheets) == []
