"""The Batch_Progress mirror: 15 cells per row, coalesced outbox, kept while the source is unreachable."""

from __future__ import annotations

from pathlib import Path

from desktop.errors import ServiceError
from desktop.jobs.progress import ProgressMirror, progress_cells
from desktop.journal import Journal
from desktop.services.source import PROGRESS_COLUMNS
from desktop.services.workbook import XlsxSource
from tests.integration.live_helpers import plan


class Unreachable(XlsxSource):
    """The workbook source with its progress writes failing, as when the sheet cannot be reached."""

    down = True

    def write_progress(self, rows: object) -> None:  # type: ignore[override]
        if self.down:
            raise ServiceError("The sheet could not be reached.")
        super().write_progress(rows)  # type: ignore[arg-type]


def test_progress_cells_shape(demo_copy: Path) -> None:
    with Journal.open() as journal:
        _, run_id = plan(journal, demo_copy, rows="7")
        journal.mark_conflict(run_id, 7, ["State1_Vitals"])
        cells = progress_cells(journal.get_task(run_id, 7))
    assert len(cells) == len(PROGRESS_COLUMNS) == 15
    assert cells[:4] == [run_id, 7, "CARD-005", "PENDING"]
    assert "Conflict" in str(cells[12])


def test_updates_are_coalesced_kept_when_unreachable_and_sent_later(demo_copy: Path) -> None:
    with Journal.open() as journal:
        _, run_id = plan(journal, demo_copy, rows="3-6")
        source = Unreachable(demo_copy)
        mirror = ProgressMirror(journal, source, interval=0.0)
        assert mirror.rebuild(run_id) == 4
        journal.mark_processing(run_id, 3)
        mirror.enqueue(journal.get_task(run_id, 3))
        assert journal.pending_progress_count() == 4  # row 3 twice is one update
        assert mirror.flush() is False and mirror.last_error
        assert journal.pending_progress_count() == 4
        source.down = False
        assert mirror.maybe_flush() is True
        assert journal.pending_progress_count() == 0
        rows = {r[1]: r for r in XlsxSource(demo_copy).read_progress()}
        assert sorted(rows) == [3, 4, 5, 6] and rows[3][3] == "PROCESSING"
        mirror.interval = 60.0
        mirror.enqueue(journal.get_task(run_id, 4))
        assert mirror.maybe_flush() is False  # too soon


def test_a_mirror_writes_only_its_own_sources_rows(demo_copy: Path, tmp_path: Path) -> None:
    other_copy = tmp_path / "other.xlsx"
    other_copy.write_bytes(demo_copy.read_bytes())
    with Journal.open() as journal:
        _, run_a = plan(journal, demo_copy, rows="3-4")
        _, run_b = plan(journal, other_copy, rows="5-6")
        ProgressMirror(journal, Unreachable(demo_copy), interval=0.0).rebuild(run_a)  # A is down: kept
        mirror_b = ProgressMirror(journal, XlsxSource(other_copy), interval=0.0)
        mirror_b.rebuild(run_b)
        assert mirror_b.flush() is True
        assert sorted(r[1] for r in XlsxSource(other_copy).read_progress()) == [5, 6]  # none of A's rows
        assert journal.pending_progress_count() == 2  # A's updates still wait for A
        assert ProgressMirror(journal, XlsxSource(demo_copy), interval=0.0).flush() is True
        assert sorted(r[1] for r in XlsxSource(demo_copy).read_progress()) == [3, 4]
        assert journal.pending_progress_count() == 0


def test_a_flush_drains_more_than_one_write(demo_copy: Path) -> None:
    with Journal.open() as journal:
        _, run_id = plan(journal, demo_copy, rows="3-12")
        mirror = ProgressMirror(journal, XlsxSource(demo_copy), interval=0.0)
        mirror.BATCH = 4
        mirror.rebuild(run_id)
        assert mirror.flush() is True
        assert mirror.writes == 3 and journal.pending_progress_count() == 0
        assert sorted(r[1] for r in XlsxSource(demo_copy).read_progress()) == list(range(3, 13))
