"""SIGKILL a 300-row live run at seeded random moments, resume after each kill, and prove that nothing
was lost, paid twice or written wrong."""

from __future__ import annotations

from pathlib import Path

from desktop.journal import RowStatus
from tests.fakes.openai_server import FakeOpenAI
from tests.integration.live_helpers import snapshot
from tests.torture.helpers import (
    cli_env,
    diff,
    expected_workbook,
    fast_settings,
    kill_count,
    make_workbook,
    monotonic_to_wall,
    wall_time,
)
from tests.torture.kills import kill_and_resume, settled_run

API_KEY = "sk-torture-live-0123456789"
ROWS = 300


def test_live_run_survives_random_sigkills(tmp_path: Path, simbatch_home: Path) -> None:
    kills = kill_count()
    workbook = make_workbook(tmp_path / "bank.xlsx", ROWS)
    before = snapshot(workbook)
    fast_settings(simbatch_home)
    # Enough work per invocation that each kill lands mid-run: about 0.4 s of requests per kill.
    latency = 0.02 + 0.003 * kills
    with FakeOpenAI(api_key=API_KEY, latency=latency, seed=11) as fake:
        fake.faults.rate_invalid_vitals = 0.02  # a few rows retried, some failed with a reason
        offset = monotonic_to_wall()
        env = cli_env(fake.base_url, API_KEY, simbatch_home)
        first = ["run", "--source", str(workbook), "--rows", "all", "--workers", "2", "--json"]
        log = kill_and_resume(
            simbatch_home, first, ["resume", "--json"], env, kills=kills, seed=2026, window=(0.6, 1.8)
        )
        requests = fake.chat_requests(200)

    assert len(log.kills) == kills, "the run finished before every kill landed"
    report, tasks = settled_run(log, simbatch_home, ROWS)
    assert sum(report["counts"].values()) == ROWS

    # No row the journal held as completed at a kill was requested after that kill …
    for kill in log.kills:
        again = {r.row for r in requests if r.time > kill.at and r.row in kill.completed}
        assert not again, f"completed rows requested again after a kill: {sorted(again)}"
    # … nor after the moment it was journaled as completed.
    done_at = {
        t.row: wall_time(t.completed_at)
        for t in tasks
        if t.status is RowStatus.COMPLETED and t.completed_at
    }
    late = {r.row for r in requests if r.row in done_at and r.time + offset > done_at[r.row] + 0.05}
    assert not late, f"rows requested after they were completed: {sorted(late)}"
    assert {r.row for r in requests} >= set(done_at)

    # The workbook holds exactly the journaled results and nothing else changed.
    assert diff(expected_workbook(before, tasks), snapshot(workbook)) == {}
    assert all(API_KEY not in text for text in log.outputs)
