"""Shared pieces of the torture suite: the kill count, generated workbooks, CLI subprocesses, the
journal read back, and the expected workbook built from the journal."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import openpyxl

from desktop.domain.vitals import format_vitals
from desktop.journal import Journal, RowStatus, RowTask
from tests.conftest import REPO_ROOT

TAB = "Master Scenario Convert"
HEADERS = ["Case_ID", "Case_Title", "Diagnosis", "History", "Initial_Vitals", "State1_Vitals"]
VITALS = ("Initial_Vitals", "State1_Vitals")
KILLS_ENV = "SIMBATCH_TORTURE_KILLS"
FULL_ENV = "SIMBATCH_TORTURE_FULL"

Snapshot = dict[tuple[str, str], object]


def kill_count(default: int = 3) -> int:
    """How many SIGKILLs each kill test makes: ``SIMBATCH_TORTURE_KILLS`` or a short CI default."""
    return int(os.environ.get(KILLS_ENV) or default)


def full_run() -> bool:
    """True under ``make torture``: every fault combination instead of the pairs."""
    return os.environ.get(FULL_ENV, "") not in ("", "0")


Context = Mapping[int, Mapping[str, object]]


def scenario_rows(count: int, context: Context | None = None) -> list[list[object]]:
    """A banner, the header row and ``count`` cases with empty vitals cells (rows 3 onwards).

    ``context`` replaces cells of given sheet rows by header name (hostile content, for example)."""
    rows: list[list[object]] = [["Scenario bank (generated)"], list(HEADERS)]
    for n in range(count):
        row = [f"GEN-{n:04d}", f"Case {n}", f"Diagnosis {n % 17}", f"History of case {n}", None, None]
        for name, value in (context or {}).get(n + 3, {}).items():
            row[HEADERS.index(name)] = value
        rows.append(row)
    return rows


def make_workbook(path: Path, count: int, context: Context | None = None) -> Path:
    """Write a workbook with the scenario tab, a second untouched tab and an empty progress tab."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = TAB
    for values in scenario_rows(count, context):
        ws.append(values)
    notes = wb.create_sheet("Notes")
    notes.append(["Kept as is", 42, "=1+1"])
    wb.save(path)
    wb.close()
    return path


def expected_workbook(before: Snapshot, tasks: list[RowTask]) -> Snapshot:
    """The workbook as it must end: ``before`` with each completed row's journaled result written."""
    expected = dict(before)
    letters = {name: openpyxl.utils.get_column_letter(HEADERS.index(name) + 1) for name in VITALS}
    for task in tasks:
        if task.status is not RowStatus.COMPLETED:
            continue
        for column, vitals in (task.result or {}).items():
            assert isinstance(vitals, Mapping), (task.row, column, vitals)
            expected[(TAB, f"{letters[column]}{task.row}")] = format_vitals(vitals)
    return expected


def diff(expected: Snapshot, actual: Snapshot) -> dict[tuple[str, str], tuple[object, object]]:
    """Cells that differ: coordinate -> (expected, actual)."""
    return {
        key: (expected.get(key), actual.get(key))
        for key in expected.keys() | actual.keys()
        if expected.get(key) != actual.get(key)
    }


def cli_env(base_url: str, api_key: str, home: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``python -m desktop`` child on the fakes."""
    env = dict(os.environ)
    env.update(
        SIMBATCH_HOME=str(home),
        OPENAI_BASE_URL=base_url,
        OPENAI_API_KEY=api_key,
        PYTHON_KEYRING_BACKEND="tests.memory_keyring.MemoryKeyring",
        PYTHONPATH=str(REPO_ROOT),
        **extra,
    )
    return env


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """Start ``python -m desktop ARGS`` with its output captured."""
    return subprocess.Popen(
        [sys.executable, "-m", "desktop", *args],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def fast_settings(home: Path) -> None:
    """Settings without a client-side limit, so the fake's latency paces the run."""
    settings = {"version": 2, "requests_per_minute": 100_000, "tokens_per_minute": 100_000_000}
    (home / "settings.json").write_text(json.dumps(settings), encoding="utf-8")


def wall_time(stamp: str) -> float:
    """A journal timestamp (``2026-11-29T01:42:07.123Z``) as seconds since the epoch."""
    return dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC).timestamp()


def monotonic_to_wall() -> float:
    """The offset that turns ``time.monotonic()`` readings of this process into epoch seconds."""
    return time.time() - time.monotonic()


def journal_tasks(home: Path) -> tuple[list[str], list[RowTask]]:
    """Every run id (newest first) and the tasks of the newest run."""
    with Journal.open(home / "journal.sqlite3") as journal:
        runs = [r.run_id for r in journal.list_runs()]
        return runs, journal.tasks(runs[0]) if runs else []


def assert_every_row_settled(tasks: list[RowTask], rows: list[int]) -> None:
    """Exactly one task per row, each COMPLETED with a result or FAILED with a reason."""
    assert sorted(t.row for t in tasks) == rows
    for task in tasks:
        assert task.status in (RowStatus.COMPLETED, RowStatus.FAILED), (task.row, task.status)
        if task.status is RowStatus.FAILED:
            assert task.error, f"row {task.row} failed without a reason"
        else:
            assert task.result and set(task.result) == set(task.columns_requested), task.row
            assert task.written, f"row {task.row} completed but was never written back"
