"""The end of a shared run does not idle: a block is released in the same request that writes its last
rows, and a colleague waiting for it sees it free at its next look at the claims (which it takes soon
after a change and less often while nothing moves)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from google.auth.credentials import AnonymousCredentials

from desktop.jobs.planning import create_enrichment_run
from desktop.jobs.sharing import MAX_WAIT_READ_SEC, WAIT_READ_MIN_SEC, SharedRows
from desktop.jobs.writeback import WriteBack
from desktop.journal import Journal, RowStatus, RunKind
from desktop.journal.claims import ClaimStep
from desktop.services.claims import ClaimBoard
from desktop.services.claims_tab import ClaimStatus
from desktop.services.gsheet_source import GoogleSheetSource
from desktop.services.sheets import SheetsGateway
from tests.fakes.sheets_server import FakeSheets
from tests.sharing.helpers import filled_rows
from tests.torture.helpers import TAB, scenario_rows

BLOCK = 10
ROWS = list(range(3, 3 + 2 * BLOCK))  # two blocks of ten rows
VITALS = {"HR": 90, "BP": "120/80", "SpO2": 97, "RR": 18, "waveform": "sinus_ecg"}
LEASE = 600.0  # nobody goes stale here: only the polling schedule is under test


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def open_sheet(sheets: FakeSheets) -> GoogleSheetSource:
    gateway = SheetsGateway(sheets.spreadsheet_id, lambda: AnonymousCredentials(), sheets.endpoint)
    return GoogleSheetSource(sheets.spreadsheet_id, TAB, gateway=gateway)


def colleague(
    journal: Journal, sheets: FakeSheets, name: str, clock: Callable[[], float] = time.monotonic
) -> tuple[SharedRows, str]:
    source = open_sheet(sheets)
    table = source.read_scenarios(ROWS)
    run_id = create_enrichment_run(journal, source, table, f"{ROWS[0]}-{ROWS[-1]}", kind=RunKind.LIVE,
                                   model="gpt-4o-mini")
    shared = SharedRows(journal, source, run_id, holder_name=f"{name}'s PC", lease=LEASE, block_rows=BLOCK,
                        clock=clock)
    shared.start()
    return shared, run_id


def generate(journal: Journal, run_id: str, rows: list[int]) -> None:
    """What the run's workers record for rows they generated."""
    for row in rows:
        columns = journal.get_task(run_id, row).columns_requested
        journal.mark_processing(run_id, row)
        journal.mark_completed(
            run_id, row, result={c: VITALS for c in columns}, input_tokens=1, cached_tokens=0,
            output_tokens=1, cost_usd=0.0, vitals_added=5, warnings=[],
        )


def reads_of(shared: SharedRows) -> int:
    """Sheets reads one colleague's SimBatch sent."""
    return shared.source.gateway.calls_by_kind["read"]


def test_a_block_is_released_with_its_last_rows_and_a_waiting_colleague_takes_it_at_its_next_look(
    tmp_path: Path,
) -> None:
    with (
        FakeSheets(tabs={TAB: scenario_rows(2 * BLOCK)}) as sheets,
        Journal.open(tmp_path / "dana.sqlite3") as dana_journal,
        Journal.open(tmp_path / "sam.sqlite3") as sam_journal,
    ):
        dana, dana_run = colleague(dana_journal, sheets, "Dana")
        first = dana.claim_next()
        assert first is not None and [t.row for t in first] == ROWS[:BLOCK]

        clock = Clock()
        sam, sam_run = colleague(sam_journal, sheets, "Sam", clock)
        second = sam.claim_next()
        assert second is not None and [t.row for t in second] == ROWS[BLOCK:]
        assert sam.claim_next() is None  # block 0 is Dana's, and Dana is alive: Sam waits for it
        assert sam.waiting

        # Sam looks at the claims again after WAIT_READ_MIN_SEC, then twice as long while nothing moves.
        reads = reads_of(sam)
        sam.tick()
        assert reads_of(sam) == reads
        clock.now += WAIT_READ_MIN_SEC
        sam.tick()
        assert reads_of(sam) == reads + 1
        clock.now += WAIT_READ_MIN_SEC
        sam.tick()
        assert reads_of(sam) == reads + 1  # nothing moved: the next look is further off

        # Dana's rows of block 0 are generated: the block is to be released, and its write-back does it.
        generate(dana_journal, dana_run, ROWS[: BLOCK - 1])
        assert not dana.block_to_release()
        generate(dana_journal, dana_run, ROWS[BLOCK - 1 : BLOCK])
        assert dana.block_to_release()
        updates = sheets.count("spreadsheets.batchUpdate")
        outcome = WriteBack(dana_journal, dana.source, dana_run, dana).flush()
        assert outcome.rows == ROWS[:BLOCK]
        assert sheets.count("spreadsheets.batchUpdate") == updates + 1  # cells and DONE: one request
        observer = ClaimBoard(dana.source.gateway, dana.source.scenario_sheet_id(), "observer", "")
        observer.join()
        assert observer.read()[0].status == ClaimStatus.DONE
        assert filled_rows(sheets, set(ROWS[:BLOCK])) == set(ROWS[:BLOCK])
        dana.settle()  # the block was marked DONE already: no other request
        assert sheets.count("spreadsheets.batchUpdate") == updates + 1
        assert [(c.block, c.status) for c in dana_journal.claims(dana_run)] == [(0, ClaimStep.DONE)]
        assert not dana.block_to_release()

        # Sam's next look comes at its scheduled time and finds block 0 done by Dana.
        clock.now += WAIT_READ_MIN_SEC
        sam.tick()
        assert reads_of(sam) == reads + 2
        assert sam.claim_next() == []  # handed over, nothing to generate
        assert not sam.waiting
        handed = sam_journal.tasks(sam_run, [RowStatus.CANCELLED])
        assert [t.row for t in handed] == ROWS[:BLOCK]
        assert {t.error for t in handed} == {"Done by Dana's PC"}
        clock.now += MAX_WAIT_READ_SEC
        sam.tick()
        assert reads_of(sam) == reads + 2  # nothing left to wait for: no more reads
        for shared in (dana, sam):
            shared.stop()
