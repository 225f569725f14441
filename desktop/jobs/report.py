"""What the run engines tell the user, shared by live and Batch API runs so both read the same.

Every line goes to the journal's event log first (the GUI log pane and ``simbatch`` read it there),
then to the caller's hook, or to the engine's Python logger when there is none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from desktop.journal import Journal

#: Receives each line a run says, with its level (``info``, ``warning`` or ``error``).
Say = Callable[[str, str], None]

#: The warning of a row finished without a request because none of its vitals cells needs generating.
NOTHING_TO_GENERATE = "Nothing to generate: every vitals cell is valid."


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
