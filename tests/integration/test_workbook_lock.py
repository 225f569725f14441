"""An .xlsx on a shared drive: a second SimBatch is told who holds the workbook instead of racing."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.services.workbook_lock import WorkbookInUse, WorkbookLock, lock_path
from tests.fakes.openai_server import FakeOpenAI
from tests.integration.live_helpers import API_KEY


def write_lock(workbook: Path, *, host: str, pid: int, name: str = "Dana's PC") -> Path:
    path = lock_path(workbook)
    owner = {"name": name, "host": host, "pid": pid, "started": "2026-12-03T10:42:00+00:00"}
    path.write_text(json.dumps(owner), encoding="utf-8")
    return path


@pytest.fixture
def other_process() -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def test_a_live_holder_on_this_computer_is_named(
    tmp_path: Path, other_process: subprocess.Popen[bytes]
) -> None:
    workbook = tmp_path / "bank.xlsx"
    workbook.write_bytes(b"")
    write_lock(workbook, host=socket.gethostname(), pid=other_process.pid)
    with pytest.raises(WorkbookInUse) as caught:
        WorkbookLock(workbook, "Sam's PC").acquire()
    message = str(caught.value)
    assert "Dana's PC" in message and str(other_process.pid) in message and "this computer" in message
    assert lock_path(workbook).name in message


def test_a_holder_on_another_computer_is_never_assumed_dead(tmp_path: Path) -> None:
    workbook = tmp_path / "bank.xlsx"
    write_lock(workbook, host="dana-laptop", pid=1)
    with pytest.raises(WorkbookInUse, match="dana-laptop"):
        WorkbookLock(workbook, "Sam's PC").acquire()


def test_a_stale_lock_of_a_dead_process_here_is_replaced_and_released(tmp_path: Path) -> None:
    workbook = tmp_path / "bank.xlsx"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_lock(workbook, host=socket.gethostname(), pid=dead.pid)
    lock = WorkbookLock(workbook, "Sam's PC")
    lock.acquire()
    owner = lock.owner()
    assert owner is not None and owner.pid == os.getpid() and owner.name == "Sam's PC"
    lock.release()
    assert not lock_path(workbook).exists()


def test_run_on_a_held_workbook_says_who_holds_it_and_pays_nothing(
    demo_copy: Path, simbatch_home: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], other_process: subprocess.Popen[bytes],
) -> None:
    write_lock(demo_copy, host=socket.gethostname(), pid=other_process.pid)
    with FakeOpenAI(api_key=API_KEY) as llm:
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        code = main(["run", "--source", str(demo_copy), "--rows", "3-5"])
        assert llm.chat_requests(None) == []
    err = capsys.readouterr().err
    assert code == 2
    assert "is being worked on by SimBatch on Dana's PC" in err


def test_a_second_source_in_the_same_process_shares_the_lock_without_removing_it(tmp_path: Path) -> None:
    workbook = tmp_path / "bank.xlsx"
    run_lock, other = WorkbookLock(workbook, "Sam's PC"), WorkbookLock(workbook, "Sam's PC")
    run_lock.acquire()
    other.acquire()
    other.release()
    assert lock_path(workbook).exists()  # still held for the run
    run_lock.release()
    assert not lock_path(workbook).exists()
