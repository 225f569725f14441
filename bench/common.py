"""What the benchmarks share: the demo workbook, a throw-away data folder and an LLM client on the fake
OpenAI server.

A script imports this after putting the repository root on ``sys.path`` (``from bench.common import …``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import tempfile
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from desktop.domain.pricing import PriceTable
from desktop.services.llm import LLMClient
from desktop.services.ratelimit import RateLimiter
from desktop.services.retry import RetryPolicy
from tests.fakes.openai_server import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "resources" / "demo" / "scenarios.xlsx"
MODEL = "gpt-4o-mini"


@contextlib.contextmanager
def scratch_home(prefix: str = "simbatch-bench-") -> Iterator[Path]:
    """A temporary folder whose ``home`` sub-folder is SimBatch's data folder (``SIMBATCH_HOME``) until
    the folder is removed on leaving."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        folder = Path(tmp)
        (folder / "home").mkdir()
        os.environ["SIMBATCH_HOME"] = str(folder / "home")
        yield folder


def fake_llm_client(fake: FakeOpenAI, key: str, limiter: RateLimiter | None = None) -> LLMClient:
    """The real LLM client on the fake server with the default retry policy and the price table
    (no client-side limit unless ``limiter`` is given)."""
    return LLMClient(
        fake.base_url, key, MODEL,
        limiter=limiter or RateLimiter(), retry=RetryPolicy(), prices=PriceTable.load(),
    )


@contextlib.contextmanager
def fake_openai_process(**options: Any) -> Iterator[str]:
    """The fake OpenAI server (``FakeOpenAI(**options)``) in a child process; yields its base URL.

    The real server is on another machine: in the measuring process, the fake's Python would compete
    with the app's threads for the interpreter lock and slow the GUI thread in a way users never see.
    """
    spawn = multiprocessing.get_context("spawn")  # no fork of a process that runs Qt
    ours, theirs = spawn.Pipe()
    process = spawn.Process(target=_serve_fake_openai, args=(theirs, options), daemon=True)
    process.start()
    try:
        if not ours.poll(60):
            raise RuntimeError("the fake OpenAI server did not start in its own process")
        yield str(ours.recv())
    finally:
        with contextlib.suppress(OSError):
            ours.send("stop")
        process.join(10)
        if process.is_alive():
            process.terminate()


def _serve_fake_openai(connection: Connection, options: dict[str, Any]) -> None:
    with FakeOpenAI(**options) as fake:
        connection.send(fake.base_url)
        connection.recv()  # until the measuring process is done


def cpu_times() -> tuple[int, int] | None:
    """(ticks stolen by the hypervisor, all ticks) of this machine so far, from ``/proc/stat``;
    None where there is no such file (not Linux)."""
    try:
        fields = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0].split()[1:]
    except OSError:
        return None
    ticks = [int(value) for value in fields[:8]]  # user nice system idle iowait irq softirq steal
    return ticks[7], sum(ticks)


def stolen_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """The share of the CPU time between two ``cpu_times()`` that the hypervisor gave to other
    machines: a virtual machine's benchmark is not on a quiet machine when this is more than a few
    percent, whatever its load average says."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])
