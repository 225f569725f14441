"""What the run engines tell the user, shared by live and Batch API runs so both read the same.

Every line goes to the journal's event log first (the GUI log pane and ``simbatch`` read it there),
then to the caller's hook, or to the engine's Python logger when there is none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from desktop.journal import Journal, RowStatus, RunStatus

#: Receives each line a run says, with its level (``info``, ``warning`` or ``error``).
Say = Callable[[str, str], None]

#: The warning of a row finished without a request because none of its vitals cells needs generating.
NOTHING_TO_GENERATE = "Nothing to generate: every vitals cell is valid."


@dataclass(slots=True)
class RunStanding:
    """Where a run stands, live or Batch API: its status, rows per status and cost so far."""

    run_id: str
    status: RunStatus
    counts: dict[str, int]
    cost_usd: float


class RunReporter:
    """Says things about one run: journals each line, then hands it to ``hook`` or logs it."""

    def __init__(self, journal: Journal, run_id: str, hook: Say | None, log: logging.Logger) -> None:
        self._journal = journal
        self._run_id = run_id
        self._hook = hook
        self._log = log

    def __call__(self, text: str, level: str = "info") -> None:
        """Say ``text`` at ``level``."""
        self._journal.log_event(self._run_id, text, level)
        if self._hook is not None:
            self._hook(text, level)
        else:
            self._log.log(logging.WARNING if level in ("warning", "error") else logging.INFO, "%s", text)


def summary_line(completed: int, flagged: int, failed: int) -> str:
    """The one-line outcome of a run: ``118 completed, 12 flagged for review, 2 failed``."""
    return f"{completed} completed, {flagged} flagged for review, {failed} failed"


def flagged_rows(journal: Journal, run_id: str) -> list[dict[str, object]]:
    """The run's completed rows whose written vitals have warnings, each with those warnings (the
    ``flagged`` list of ``--json``)."""
    return [
        {
            "row": task.row,
            "case_id": task.case_id,
            "warnings": [f"{flag.get('field', '')}: {flag.get('message', '')}" for flag in task.flags],
        }
        for task in journal.tasks(run_id, [RowStatus.COMPLETED])
        if task.flagged
    ]
