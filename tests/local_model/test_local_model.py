"""End to end through a real local model: ``simbatch run`` on a copy of the demo workbook against
llama-cpp-python's server with SmolLM2-135M-Instruct, on loopback.

Run by ``make test-local-model`` (which builds ``.venv-local-model`` first); skipped in ``make test``.
The model is tiny: what is checked is SimBatch's side — the run ends cleanly, every row ends COMPLETED
or FAILED with a reason, every written cell is valid, and the author's own valid fields are kept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.domain.models import Scenario, Severity
from desktop.domain.vitals import CellKind, parse_cell
from desktop.domain.vitals_check import validate_vitals
from desktop.journal import Journal, RowStatus
from desktop.services.workbook import XlsxSource
from desktop.settings import Settings, save_settings
from tests.local_model.llama_server import LlamaServer

pytestmark = pytest.mark.skipif(
    os.environ.get("SIMBATCH_LOCAL_MODEL") != "1", reason="needs the local model: make test-local-model"
)
RUN_TIMEOUT_SEC = 3000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with LlamaServer.start(log_path=log) as running:
        yield running


def read_rows(path: Path) -> dict[int, Scenario]:
    return {s.row: s for s in XlsxSource(path).read_scenarios().scenarios}


def author_fields(raw: object, column: str) -> dict[str, object]:
    """The fields of a cell that the author wrote validly (no critical issue on them)."""
    parsed = parse_cell(raw)
    if parsed.kind is not CellKind.OBJECT or parsed.data is None:
        return {}
    bad = {i.field.split(".", 1)[1] for i in validate_vitals(parsed.data, column)
           if i.severity is Severity.CRITICAL and "." in i.field}  # fmt: skip
    return {key: value for key, value in parsed.data.items() if key not in bad}


def test_demo_rows_through_a_real_local_model(
    server: LlamaServer, demo_copy: Path, simbatch_home: Path
) -> None:
    save_settings(
        Settings(llm_provider="local", local_base_url=server.base_url, local_model=server.model, workers=2)
    )
    before = read_rows(demo_copy)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "run", "--source", str(demo_copy), "--rows", "all", "--json"],
        capture_output=True, text=True, timeout=RUN_TIMEOUT_SEC, env=dict(os.environ),
    )  # fmt: skip
    seconds = time.monotonic() - started
    assert done.returncode in (0, 1), f"{done.returncode}: {done.stderr[-3000:]}\n{server.log_tail()}"
    assert "Traceback" not in done.stderr
    document = json.loads(done.stdout)
    assert document["status"] == "COMPLETED", document
    assert document["cost_usd"] == 0

    with Journal.open() as journal:
        tasks = journal.tasks(document["run_id"])
    assert tasks, "the demo has rows that need generation"
    after = read_rows(demo_copy)
    failed = []
    for task in tasks:
        assert task.status in (RowStatus.COMPLETED, RowStatus.FAILED), (task.row, task.status)
        if task.status is RowStatus.FAILED:
            assert task.error and task.error.strip(), task.row
            failed.append((task.row, task.error))
            continue
        for column in task.columns_requested:  # every written cell is valid
            cell = after[task.row].vitals.get(column)
            parsed = parse_cell(cell)
            assert parsed.kind is CellKind.OBJECT and parsed.data is not None, (task.row, column, cell)
            critical = [i for i in validate_vitals(parsed.data, column) if i.severity is Severity.CRITICAL]
            assert critical == [], (task.row, column, critical)
    for task in tasks:  # the author's valid fields are kept, byte for byte in value
        for column, raw in before[task.row].vitals.items():
            kept = author_fields(raw, column)
            now = parse_cell(after[task.row].vitals.get(column)).data or {}
            for key, value in kept.items():
                assert now.get(key) == value, (task.row, column, key, value, now.get(key))

    asked = [t for t in tasks if t.columns_requested]  # the others needed nothing generated
    completed = sum(t.status is RowStatus.COMPLETED for t in asked)
    print(
        f"\nlocal model: {len(asked)} rows generated in {seconds:.0f} s ({len(asked) / seconds * 60:.1f} "
        f"rows/min; {len(tasks)} rows in the run): {completed} completed, {len(failed)} failed"
    )
    for row, error in failed:
        print(f"  row {row}: {error}")
