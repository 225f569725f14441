"""The helper process: replaced when it dies, gone when the app's process is gone; it validates rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.services.helper_process import in_helper
from tests.conftest import REPO_ROOT

#: A stand-in for the app: starts the helper, says the helper's process id, then waits to be killed.
APP = """
import os, sys, time
from desktop.services.helper_process import in_helper
if __name__ == "__main__":
    print(in_helper(os.getpid), flush=True)
    time.sleep(60)
"""


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its parent counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, ProcessLookupError):  # gone, or going while being read
        return False
    return state != "Z"


def test_a_helper_that_died_is_replaced() -> None:
    helper_pid = in_helper(os.getpid)
    assert helper_pid != os.getpid()
    os.kill(helper_pid, signal.SIGKILL)
    assert in_helper(os.getpid) not in (helper_pid, os.getpid())


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_the_helper_ends_when_the_app_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "app.py"
    script.write_text(APP)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    app = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert app.stdout is not None
        helper_pid = int(app.stdout.readline())
        assert alive(helper_pid)
    finally:
        app.kill()
        app.wait()
    deadline = time.monotonic() + 10
    while alive(helper_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(helper_pid), "the helper outlived the app"


@pytest.mark.skipif(not hasattr(os, "nice"), reason="POSIX priorities")
def test_the_helper_runs_below_the_apps_priority() -> None:
    from desktop.services.helper_process import HELPER_NICENESS

    assert in_helper(os.nice, 0) == min(19, os.nice(0) + HELPER_NICENESS)


def test_ctrl_c_in_a_terminal_leaves_the_helper_to_the_app() -> None:
    """Ctrl+C reaches the whole process group; the app decides what to stop and saves through the
    helper, so the helper must not die half-way through a save."""
    assert in_helper(signal.getsignal, signal.SIGINT) == signal.SIG_IGN


def test_a_helper_that_gives_no_answer_is_stopped_and_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.services import helper_process
    from desktop.services.helper_process import HelperStopped

    stuck_pid = in_helper(os.getpid)
    monkeypatch.setattr(helper_process, "JOB_TIMEOUT_SEC", 0.5)
    started = time.monotonic()
    with pytest.raises(HelperStopped, match="gave no answer"):
        in_helper(time.sleep, 30)
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 10
    while alive(stuck_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(stuck_pid)  # killed, not left sleeping
    assert in_helper(os.getpid) not in (stuck_pid, os.getpid())


def test_where_no_helper_can_start_workbooks_are_read_and_saved_in_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A locked-down computer may forbid starting the helper: the app must still open and save
    workbooks (slower for the window) rather than fail on every one."""
    import multiprocessing.spawn

    from desktop.services import helper_process
    from desktop.services.source import CellRef
    from desktop.services.workbook import XlsxSource
    from tests.torture.helpers import make_workbook

    monkeypatch.setattr(helper_process, "_helper", None)  # the running helper is left alone
    monkeypatch.setattr(helper_process, "_helper_worked", False)
    monkeypatch.setattr(helper_process, "_in_this_process", False)
    missing = tmp_path / "no-such-python"
    program = str(missing) if os.name == "nt" else os.fsencode(missing)  # as set_executable stores it
    monkeypatch.setattr(multiprocessing.spawn, "_python_exe", program)
    source = XlsxSource(make_workbook(tmp_path / "bank.xlsx", 5))
    assert len(source.read_scenarios().scenarios) == 5
    assert "could not start" in caplog.text
    source.write_cells({CellRef(3, "Initial_Vitals"): '{"HR": 80}'})
    assert source.read_scenarios([3]).scenarios[0].vitals["Initial_Vitals"] == '{"HR": 80}'
    assert in_helper(os.getpid) == os.getpid()  # from now on, in this process


def test_rows_are_validated_in_the_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    """Validation is pure Python: on a thread of the app, the window's thread waited for it (250 ms of
    the interpreter at the end of a 1,000-row run)."""
    from desktop.app.rows import validate_rows
    from desktop.domain import validate
    from desktop.domain.models import IssueCode, Scenario

    def not_here(*args: object, **kwargs: object) -> None:
        raise AssertionError("rows were validated in the app's own process")

    monkeypatch.setattr(validate, "validate_scenario", not_here)
    rows = [Scenario(row=3, case_id="C-1", title="Chest pain"), Scenario(row=4, case_id="C-1", title="Again")]
    reports = validate_rows(rows)
    assert [r.row for r in reports] == [3, 4]
    # the whole-table checks too
    assert all(IssueCode.DUPLICATE_CASE_ID in {i.code for i in r.issues} for r in reports)
