"""Kill the submitting process at each step (SIGKILL, through the test-only crash hook), then resume:
the same file and batch are used, no second batch is created, and every row completes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.jobs.batch_chunks import CRASH_ENV
from desktop.journal import BatchStep, Journal
from tests.conftest import REPO_ROOT
from tests.fakes.openai_server import FakeOpenAI

pytestmark = pytest.mark.slow


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(seed=3).start()
    server.batch_polls_per_stage = 1
    try:
        yield server
    finally:
        server.stop()


def simbatch(fake: FakeOpenAI, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(OPENAI_API_KEY=fake.api_key, OPENAI_BASE_URL=fake.base_url)
    env.pop(CRASH_ENV, None)
    if crash_at:
        env[CRASH_ENV] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("step", "recorded"),
    [
        ("after_upload", BatchStep.UPLOADING),  # the file id was not recorded yet
        ("after_create", BatchStep.CREATING),  # the batch id was not recorded yet
        ("during_poll", BatchStep.CREATED),
    ],
)
def test_killed_submit_resumes_without_a_second_batch(
    fake: FakeOpenAI, demo_copy: Path, step: str, recorded: BatchStep
) -> None:
    killed = simbatch(
        fake,
        "batch",
        "submit",
        "--source",
        str(demo_copy),
        "--rows",
        "3-10",
        "--wait",
        "--poll-interval",
        "0.02",
        "--batch-id",
        "night run",
        crash_at=step,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    with Journal.open() as journal:
        (run,) = journal.list_runs()
        (job,) = journal.batch_jobs(run.run_id)
    assert job.status == recorded.value
    assert run.settings.get("batch_name") == "night run"
    assert fake.batches_created == (0 if step == "after_upload" else 1)

    # `simbatch resume` (newest unfinished run) hands batch runs to the batch engine, like `batch resume`.
    command = ["resume"] if step == "during_poll" else ["batch", "resume", run.run_id]
    resumed = simbatch(fake, *command, "--poll-interval", "0.02", "--json")
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    assert report["run_id"] == run.run_id and report["counts"] == {"COMPLETED": 8}
    assert fake.batches_created == 1
    input_files = [o for o in fake.file_objects.values() if o["purpose"] == "batch"]
    assert len(input_files) == 1  # the upload was found again by its name, not repeated
    (batch,) = fake.batches.values()
    assert batch["metadata"]["simbatch_run"] == run.run_id
    assert batch["metadata"]["simbatch_name"] == "night run"
    assert report["batches"][0]["batch_id"] == batch["id"]

    with Journal.open() as journal:
        assert journal.writeback_history(run.run_id)
        assert {t.status.value for t in journal.tasks(run.run_id)} == {"COMPLETED"}


def test_status_and_download_collect_results_later(fake: FakeOpenAI, demo_copy: Path) -> None:
    fake.batch_polls_per_stage = 2
    submitted = simbatch(
        fake, "batch", "submit", "--source", str(demo_copy), "--rows", "3-5", "--overwrite", "--json"
    )
    assert submitted.returncode == 0, submitted.stderr
    report = json.loads(submitted.stdout)
    run_id = report["run_id"]
    assert report["counts"] == {"SUBMITTED": 3} and report["batches"][0]["remote_status"] == "validating"
    batch_id = report["batches"][0]["batch_id"]

    listing = simbatch(fake, "batch", "list", "--json")
    assert [b["batch_id"] for b in json.loads(listing.stdout)["batches"]] == [batch_id]

    for _ in range(10):
        status = simbatch(fake, "batch", "status", batch_id, "--json")
        assert status.returncode == 0, status.stderr
        if json.loads(status.stdout)["counts"] == {"COMPLETED": 3}:
            break
    else:
        raise AssertionError("the batch never finished")
    again = simbatch(fake, "batch", "download", run_id, "--json")
    assert json.loads(again.stdout)["counts"] == {"COMPLETED": 3}
    assert fake.batches_created == 1
    summary = simbatch(fake, "report", run_id)  # a batch run's report names the endpoint it used
    assert summary.returncode == 0 and "127.0.0.1" in summary.stdout and "Batch API" in summary.stdout

    unknown = simbatch(fake, "batch", "status", "batch_nope")
    assert unknown.returncode == 2 and "batch_nope" in unknown.stderr and "Traceback" not in unknown.stderr


def test_failed_rows_rerun_in_a_new_batch_then_live(fake: FakeOpenAI, demo_copy: Path) -> None:
    first = simbatch(
        fake,
        "batch",
        "submit",
        "--source",
        str(demo_copy),
        "--rows",
        "3-6",
        "--overwrite",
        "--wait",
        "--poll-interval",
        "0.02",
        "--json",
    )
    run_id = json.loads(first.stdout)["run_id"]
    assert first.returncode == 0 and fake.batches_created == 1
    with Journal.open() as journal:
        journal.mark_failed(run_id, 4, "The model's reply was rejected: test")
        journal.mark_failed(run_id, 5, "The model's reply was rejected: test")

    retried = simbatch(fake, "batch", "retry", run_id, "--poll-interval", "0.02", "--json")
    assert retried.returncode == 0, retried.stderr
    assert json.loads(retried.stdout)["counts"] == {"COMPLETED": 4}
    assert fake.batches_created == 2
    (second,) = [b for b in fake.batches.values() if b["metadata"]["simbatch_chunk"] == "2"]
    assert second["request_counts"]["total"] == 2

    with Journal.open() as journal:
        journal.mark_failed(run_id, 6, "The batch request failed (HTTP 500).")
    live = simbatch(fake, "batch", "retry", run_id, "--live", "--json")
    assert live.returncode == 0, live.stderr
    assert json.loads(live.stdout)["counts"] == {"COMPLETED": 4}
    assert fake.requested_rows() == [6] and fake.batches_created == 2


def test_submit_without_a_key_is_one_sentence_and_journals_nothing(demo_copy: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", CRASH_ENV)}
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "batch", "submit", "--source", str(demo_copy), "--rows", "3-4"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3 and "API key" in done.stderr and "Traceback" not in done.stderr
    with Journal.open() as journal:
        assert journal.list_runs() == []
