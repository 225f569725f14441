"""SIGKILL a 300-row Batch API run at seeded random moments (submit, poll, download, ingest, write-back),
resume after each kill, and prove one batch was paid for and the workbook holds exactly the results."""

from __future__ import annotations

import json
from pathlib import Path

from desktop.journal import RowStatus
from tests.fakes.openai_server import FakeOpenAI
from tests.integration.live_helpers import snapshot
from tests.torture.helpers import (
    cli_env,
    diff,
    expected_workbook,
    kill_count,
    make_workbook,
)
from tests.torture.kills import kill_and_resume, settled_run

API_KEY = "sk-torture-batch-0123456789"
ROWS = 300


def batch_input_rows(fake: FakeOpenAI) -> list[list[str]]:
    """The custom ids of each batch the fake created, in creation order."""
    inputs = []
    for batch in fake.batches.values():
        data = fake.files[batch["input_file_id"]].decode()
        inputs.append([json.loads(line)["custom_id"] for line in data.splitlines() if line.strip()])
    return inputs


def test_batch_run_survives_random_sigkills(tmp_path: Path, simbatch_home: Path) -> None:
    kills = kill_count()
    workbook = make_workbook(tmp_path / "bank.xlsx", ROWS)
    before = snapshot(workbook)
    with FakeOpenAI(api_key=API_KEY, seed=5) as fake:
        fake.batch_polls_per_stage = 4 + 3 * kills  # polling spans several invocations, even when busy
        fake.faults.rate_invalid_vitals = 0.02  # some rows end FAILED with the validator's reason
        env = cli_env(fake.base_url, API_KEY, simbatch_home)
        first = ["batch", "submit", "--source", str(workbook), "--rows", "all", "--wait",
                 "--poll-interval", "0.05", "--json"]
        resume = ["resume", "--poll-interval", "0.05", "--json"]
        log = kill_and_resume(simbatch_home, first, resume, env, kills=kills, seed=77, window=(0.5, 2.2))
        inputs = batch_input_rows(fake)
        created = fake.batches_created
        chats = fake.chat_requests(None)

    assert len(log.kills) == kills, "the batch run finished before every kill landed"
    _report, tasks = settled_run(log, simbatch_home, ROWS)
    failed = [t for t in tasks if t.status is RowStatus.FAILED]
    assert len(failed) < ROWS // 10

    # One batch, created once, holding each row once: nothing was submitted or paid for twice.
    assert created == 1 and not chats
    (ids,) = inputs
    assert len(ids) == len(set(ids)) == ROWS
    assert diff(expected_workbook(before, tasks), snapshot(workbook)) == {}
    assert all(API_KEY not in text for text in log.outputs)
