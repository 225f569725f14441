"""Finding a journaled run (to resume, revert or mirror) and reopening the source it was started on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from desktop.errors import InputError
from desktop.journal import Journal, RunKind
from desktop.journal.records import UNFINISHED_RUN_STATUSES, RunRecord
from desktop.services.open_source import SourceOpener
from desktop.services.source import Source

#: Run kinds that ``simbatch resume`` carries on with.
RESUMABLE_KINDS = (RunKind.LIVE, RunKind.BATCH)


def require_run(journal: Journal, run_id: str) -> RunRecord:
    """The run named ``run_id``; ``InputError`` with what to do when the journal has none."""
    run = journal.get_run(run_id)
    if run is None:
        raise InputError(f"There is no run {run_id!r} in the journal; 'simbatch runs' lists them.")
    return run


def find_run_to_resume(journal: Journal, run_id: str | None) -> RunRecord:
    """The run named ``run_id``, or the newest unfinished live or batch run; ``InputError`` when none."""
    if run_id:
        run = require_run(journal, run_id)
        if run.kind not in RESUMABLE_KINDS:
            raise InputError(
                f"Run {run_id} is a {run.kind} run; only live and batch runs can be resumed "
                f"(undo it with 'simbatch revert {run_id}')."
            )
        return run
    for run in journal.list_runs():
        if run.kind in RESUMABLE_KINDS and run.status in UNFINISHED_RUN_STATUSES:
            return run
    raise InputError("There is no unfinished run to resume; 'simbatch runs' lists every run.")


@contextmanager
def run_source(run: RunRecord, opener: SourceOpener) -> Iterator[Source]:
    """The source a run was created on (by its locator and scenario tab), closed afterwards."""
    source = opener(run.source, run.scenario_tab)
    try:
        yield source
    finally:
        source.close()
