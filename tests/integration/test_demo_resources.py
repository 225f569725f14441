"""No run from the command line touches the shipped resources: the shipped demo is refused, its copy works."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.app.demo import open_demo_copy
from desktop.cli import main
from tests.conftest import DEMO_WORKBOOK, resources_changes, resources_state
from tests.fakes.openai_server import FakeOpenAI
from tests.integration.live_helpers import API_KEY, changed_cells, snapshot


@pytest.fixture
def fake(simbatch_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    settings = {"version": 2, "requests_per_minute": 100_000, "tokens_per_minute": 100_000_000,
                "poll_interval_sec": 0.05}
    (simbatch_home / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    with FakeOpenAI(api_key=API_KEY) as server:
        server.batch_polls_per_stage = 1
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        yield server


SOURCE = "{source}"
COMMANDS = {
    "live run": ["run", "--source", SOURCE, "--rows", "all"],
    "batch run": ["batch", "submit", "--source", SOURCE, "--rows", "all", "--wait"],
    "defaults": ["defaults", "--source", SOURCE, "--rows", "all"],
}


def command_on(command: str, source: Path) -> list[str]:
    """The command's arguments with ``source`` filled in."""
    return [str(source) if arg == SOURCE else arg for arg in COMMANDS[command]]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_run_on_the_shipped_demo_is_refused_before_any_request(
    command: str, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    before = resources_state()
    code = main(command_on(command, DEMO_WORKBOOK))
    _, err = capsys.readouterr()
    assert code != 0
    assert "part of the SimBatch installation" in err
    assert fake.log == []
    assert resources_changes(before) == []


def test_runs_on_the_demo_copy_write_there_and_nowhere_under_resources(
    fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    before = resources_state()
    copy = open_demo_copy()
    original = snapshot(copy)
    for command in ("defaults", "live run", "batch run"):
        code = main(command_on(command, copy))
        assert code == 0, (command, capsys.readouterr().err)
    assert changed_cells(original, snapshot(copy))
    assert resources_changes(before) == []
