"""The Batch_Progress tab of a source: created when missing, or a run's rows written to it again from
the journal (the source of truth)."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.errors import ServiceError
from desktop.jobs.progress import ProgressMirror
from desktop.journal import Journal, RunKind, RunRecord
from desktop.services.open_source import SourceOpener
from desktop.services.source import PROGRESS_COLUMNS, PROGRESS_TAB, Source

__all__ = ["PROGRESS_COLUMNS", "PROGRESS_TAB", "Rebuilt", "ensure_progress_tab", "rebuild_progress"]


def ensure_progress_tab(opener: SourceOpener, source: str, tab: str) -> tuple[bool, str]:
    """Create the progress tab of ``source`` when missing: (whether it was created, the source's name)."""
    opened = opener(source, tab)
    try:
        created = opened.ensure_progress_tab()
    finally:
        opened.close()
    return created, opened.display_name


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What ``rebuild_progress`` wrote: how many rows, to which source."""

    rows: int
    display_name: str


def rebuild_progress(journal: Journal, run: RunRecord, source: Source) -> Rebuilt:
    """Write every row of ``run`` to the progress tab of its ``source`` now; ``ServiceError`` when the tab
    cannot be written (the rows then wait in the journal for the next run or rebuild)."""
    mirror = ProgressMirror(journal, source, interval=0.0)
    if run.kind is RunKind.BATCH:
        count = _queue_batch_rows(journal, mirror, run.run_id)
    else:
        count = mirror.rebuild(run.run_id)
    if not mirror.flush() and mirror.last_error is not None:
        raise ServiceError(
            f"The {PROGRESS_TAB} tab could not be written ({mirror.last_error}); the rows wait in "
            "the journal and go out with the next run or rebuild."
        )
    return Rebuilt(count, source.display_name)


def _queue_batch_rows(journal: Journal, mirror: ProgressMirror, run_id: str) -> int:
    """Queue a batch run's rows under the Batch API id of the job that holds each row."""
    ids: dict[int, str] = {}
    for job in journal.batch_jobs(run_id):
        for row in job.rows:
            if job.batch_id:
                ids[row] = job.batch_id
    tasks = journal.tasks(run_id)
    for task in tasks:
        mirror.enqueue(task, ids.get(task.row))
    return len(tasks)
