"""Write-back after a block was taken over: nothing is written, and nothing is counted as written here.

In one process with two journals and a clock per colleague, so the takeover happens at a known point:
Dana generates a row and falls asleep before writing it; Sam takes the block over after the lease,
generates and writes the row; Dana wakes and flushes. The cell already holds Sam's value, so Dana has
no cell left to write — and the row must still go through the claim check and be refused, not be
marked written (with a conflict) as if Dana had done it.
"""

from __future__ import annotations

from pathlib import Path

from desktop.jobs.planning import create_enrichment_run
from desktop.jobs.sharing import SharedRows
from desktop.jobs.writeback import WriteBack
from desktop.journal import Journal, RowStatus, RunKind
from desktop.services.source import CellRef
from tests.fakes.sheets_server import FakeSheets
from tests.integration.batch_helpers import MODEL
from tests.sharing.test_batch_claims import open_sheet

LEASE = 1.0
VITALS = {"HR": 88, "BP": "118/76", "SpO2": 97, "RR": 16, "Temp": 36.9, "EtCO2": 35, "waveform": "sinus_ecg"}


class Clock:
    """A colleague's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def plan(journal: Journal, sheets: FakeSheets) -> tuple[str, int, list[str]]:
    """A live run over the first block; the first row that needs vitals and its columns."""
    source = open_sheet(sheets)
    table = source.read_scenarios(list(range(3, 53)))
    run_id = create_enrichment_run(journal, source, table, "3-52", kind=RunKind.LIVE, model=MODEL)
    task = next(t for t in journal.tasks(run_id) if t.columns_requested)
    return run_id, task.row, list(task.columns_requested)


def generate(journal: Journal, run_id: str, row: int, columns: list[str], hr: int) -> None:
    journal.mark_processing(run_id, row)
    journal.mark_completed(
        run_id, row, result={c: dict(VITALS, HR=hr) for c in columns}, input_tokens=1, cached_tokens=0,
        output_tokens=1, cost_usd=0.0001, vitals_added=len(columns), warnings=[],
    )


def test_a_row_of_a_block_taken_over_is_refused_even_with_no_cell_left_to_write(
    sheets: FakeSheets, tmp_path: Path, simbatch_home: Path
) -> None:
    with Journal.open(tmp_path / "dana.sqlite3") as dana, Journal.open(tmp_path / "sam.sqlite3") as sam:
        dana_run, row, columns = plan(dana, sheets)
        sam_run, _, _ = plan(sam, sheets)
        dana_clock, sam_clock = Clock(), Clock()
        dana_source = open_sheet(sheets)
        dana_rows = SharedRows(dana, dana_source, dana_run, holder_name="Dana's PC", lease=LEASE,
                               clock=dana_clock)
        dana_rows.start()
        assert row in [t.row for t in dana_rows.claim_next() or []]
        generate(dana, dana_run, row, columns, hr=101)
        dana_rows.stop()  # the lid closes: no more heartbeats

        sam_source = open_sheet(sheets)
        sam_rows = SharedRows(sam, sam_source, sam_run, holder_name="Sam's PC", lease=LEASE,
                              take_over=True, clock=sam_clock)
        sam_rows.start()  # sees Dana's heartbeat ...
        sam_clock.now += LEASE + 1  # ... not move for longer than the lease
        assert row in [t.row for t in sam_rows.claim_next() or []]
        generate(sam, sam_run, row, columns, hr=102)
        written = WriteBack(sam, sam_source, sam_run, sam_rows).flush()
        assert row in written.rows
        sams_cells = sam_source.read_cells([CellRef(row, c) for c in columns])

        outcome = WriteBack(dana, dana_source, dana_run, dana_rows).flush()
        assert row not in outcome.rows and outcome.conflicts == {}
        task = dana.get_task(dana_run, row)
        assert task.status is RowStatus.COMPLETED and task.written_at is None and not task.conflict
        assert open_sheet(sheets).read_cells([CellRef(row, c) for c in columns]) == sams_cells
        sam_rows.finish()
        dana_rows.finish()
