"""Colleagues on one sheet: CLI processes, each with its own data folder, on one fake Google Sheet."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from desktop.journal import Journal, RowStatus, RowTask
from tests.fakes.sheets_server import FakeSheets
from tests.torture.helpers import TAB, VITALS, cli_env, start

FIRST_ROW = 3  # scenario_rows: a banner, the header, then the cases


def colleague_home(root: Path, name: str, lease: float) -> Path:
    """A data folder with settings for one colleague: a display name, a short lease, no client limit."""
    home = root / name
    home.mkdir(parents=True, exist_ok=True)
    settings = {
        "version": 2, "requests_per_minute": 100_000, "tokens_per_minute": 100_000_000,
        "display_name": f"{name}'s PC", "claim_lease_sec": lease,
    }
    (home / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    return home


def start_run(
    sheets: FakeSheets, base_url: str, api_key: str, home: Path, *extra: str, workers: int = 8,
    rows: str = "all",
) -> subprocess.Popen[str]:
    """``simbatch run`` over ``rows`` of the fake sheet, printing JSON."""
    env = cli_env(base_url, api_key, home, SIMBATCH_SHEETS_ENDPOINT=sheets.endpoint)
    args = ["run", "--source", f"gsheet:{sheets.spreadsheet_id}", "--rows", rows, "--workers", str(workers)]
    return start([*args, "--json", *extra], env)


def start_resume(
    sheets: FakeSheets, base_url: str, api_key: str, home: Path, *extra: str
) -> subprocess.Popen[str]:
    """``simbatch resume`` of the newest unfinished run of ``home``."""
    env = cli_env(base_url, api_key, home, SIMBATCH_SHEETS_ENDPOINT=sheets.endpoint)
    return start(["resume", "--json", *extra], env)


def finish(process: subprocess.Popen[str], timeout: float = 120.0) -> tuple[int, dict[str, object], str]:
    """Wait for a CLI process; (exit code, its JSON document, stderr)."""
    out, err = process.communicate(timeout=timeout)
    assert out.strip(), err
    return process.returncode, json.loads(out), err


def tasks_of(home: Path) -> list[RowTask]:
    """Every row task of every run in a colleague's journal."""
    with Journal.open(home / "journal.sqlite3") as journal:
        return [task for run in journal.list_runs() for task in journal.tasks(run.run_id)]


def completed_rows(home: Path) -> list[int]:
    """Rows COMPLETED with generated vitals in a colleague's journal (a row twice if two runs did it).

    A row a colleague had already written when this run was planned has nothing to generate: it is
    COMPLETED at no cost with an empty result, and not counted."""
    return [t.row for t in tasks_of(home) if t.status is RowStatus.COMPLETED and t.result]


def filled_rows(sheets: FakeSheets, within: set[int] | None = None) -> set[int]:
    """Sheet rows whose vitals cells are all filled."""
    values = sheets.tab(TAB)
    header = values[1]
    columns = [header.index(name) for name in VITALS]
    return {
        n + 1 for n, line in enumerate(values) if n + 1 >= FIRST_ROW
        and all(len(line) > c and line[c] not in ("", None) for c in columns)
        and (within is None or n + 1 in within)
    }


def claim_tabs(sheets: FakeSheets) -> list[str]:
    """Tabs SimBatch made for claims (none once a shared run has ended and tidied)."""
    return [name for name in sheets.tab_names() if name.startswith("SimBatch ")]
