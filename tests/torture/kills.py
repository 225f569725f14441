"""Drive a CLI run through SIGKILLs at seeded random moments, resuming after each, until one finishes."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from desktop.journal import Journal, RowStatus, RowTask
from tests.torture.helpers import assert_every_row_settled, journal_tasks, start


@dataclass
class Kill:
    """One SIGKILL: when it landed (``time.monotonic()``) and the rows the journal had completed then."""

    at: float
    completed: set[int]


@dataclass
class KillLog:
    """What happened over the whole sequence of runs and resumes."""

    kills: list[Kill] = field(default_factory=list)
    finished: subprocess.CompletedProcess[str] | None = None
    outputs: list[str] = field(default_factory=list)


def completed_rows(home: Path) -> set[int]:
    """Rows of the newest run that the journal holds as COMPLETED (empty before any run exists)."""
    if not (home / "journal.sqlite3").exists():
        return set()
    with Journal.open(home / "journal.sqlite3") as journal:
        runs = journal.list_runs()
        return {t.row for t in journal.tasks(runs[0].run_id, [RowStatus.COMPLETED])} if runs else set()


def has_run(home: Path) -> bool:
    """True once the first command has journaled its run."""
    if not (home / "journal.sqlite3").exists():
        return False
    with Journal.open(home / "journal.sqlite3") as journal:
        return bool(journal.list_runs())


def newest_run(home: Path) -> str:
    """The id of the newest run in the journal."""
    with Journal.open(home / "journal.sqlite3") as journal:
        return journal.list_runs()[0].run_id


def kill_and_resume(
    home: Path,
    first: list[str],
    resume: list[str],
    env: dict[str, str],
    *,
    kills: int,
    seed: int,
    window: tuple[float, float],
) -> KillLog:
    """Start ``first``; SIGKILL it after a seeded random delay in ``window``; then start ``resume`` (or
    ``first`` again while no run is journaled) and kill it the same way, ``kills`` times in all; finally
    let one invocation finish (at most 120 s)."""
    rng = random.Random(seed)
    log = KillLog()
    while len(log.kills) < kills:
        proc = start(resume if has_run(home) else first, env)
        delay = rng.uniform(*window)
        try:
            out, err = proc.communicate(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            at = time.monotonic()
            out, err = proc.communicate()
            log.kills.append(Kill(at, completed_rows(home)))
            log.outputs.append(out + err)
            continue
        # It finished before the kill landed: the work left was shorter than the delay.
        log.outputs.append(out + err)
        log.finished = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        return log
    # Name the run: a kill may have landed after the run had already finished.
    proc = start([resume[0], newest_run(home), *resume[1:]] if has_run(home) else first, env)
    out, err = proc.communicate(timeout=120)
    log.outputs.append(out + err)
    log.finished = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return log


def settled_run(log: KillLog, home: Path, rows: int) -> tuple[dict[str, object], list[RowTask]]:
    """Check that the last command finished one run with each of ``rows`` rows (from row 3) settled; the
    command's JSON report and the run's tasks."""
    assert log.finished is not None and log.finished.returncode in (0, 1), log.finished.stderr
    report = json.loads(log.finished.stdout)
    runs, tasks = journal_tasks(home)
    assert len(runs) == 1 and report["run_id"] == runs[0]
    assert_every_row_settled(tasks, list(range(3, 3 + rows)))
    return report, tasks
