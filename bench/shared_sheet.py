"""Colleagues on one Google Sheet: Sheets calls per client and throughput, two clients against one.

1,000 rows on the fake Sheets server; each client is its own process (colleagues use their own PCs),
a live run with its own journal, its own Sheets gateway and 8 workers against the fake OpenAI server
(200 ms per reply); the fakes run in this process. First one client alone does all the rows, then two
clients start together on a fresh copy and share them through claims. Printed: rows/min from the first
client's run start to the last one's end (and with each process's start-up and planning), LLM requests
(must equal the rows), each client's Sheets reads and writes in its busiest minute (Google's quota: 60
reads and 60 writes per minute per user; a run shorter than a minute counts all its calls) and the
Sheets calls per 1,000 rows in all; then the two-client speed-up, and how long the last client ran on
after the last LLM reply (the end of a shared run waiting for colleagues' claims).

    .venv/bin/python bench/shared_sheet.py [--rows 1000] [--workers 8] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.memory_keyring.MemoryKeyring")

from bench.common import MODEL, scratch_home  # noqa: E402

KEY = "sk-bench-shared-0123456789"
QUOTA_PER_MIN = 60
QUOTA_WINDOW_SEC = 60.0
SAMPLE_SEC = 0.25


def busiest_minute(samples: list[tuple[float, int]]) -> int:
    """The most calls within any 60 s of a run, from (time, calls so far) samples."""
    best = 0
    start = 0
    for when, count in samples:
        while samples[start][0] < when - QUOTA_WINDOW_SEC:
            start += 1
        before = samples[start - 1][1] if start else 0
        best = max(best, count - before)
    return best


def client(args: argparse.Namespace) -> dict[str, Any]:
    """One colleague's live run over every row (runs in its own process); its figures."""
    from google.auth.credentials import AnonymousCredentials

    from desktop.domain.pricing import PriceTable
    from desktop.jobs.engine import LiveRun
    from desktop.jobs.planning import create_enrichment_run
    from desktop.jobs.sharing import SHARED_MIRROR_INTERVAL_SEC, SharedRows
    from desktop.journal import Journal, RowStatus, RunKind
    from desktop.services.gsheet_source import GoogleSheetSource
    from desktop.services.llm import LLMClient
    from desktop.services.ratelimit import RateLimiter
    from desktop.services.retry import RetryPolicy
    from desktop.services.sheets import SheetsGateway
    from tests.torture.helpers import TAB

    started = time.time()
    with Journal.open(Path(args.journal)) as journal:
        gateway = SheetsGateway(args.spreadsheet, AnonymousCredentials, args.sheets)
        samples: list[tuple[float, dict[str, int]]] = []
        done = threading.Event()

        def sample() -> None:
            while not done.wait(SAMPLE_SEC):
                samples.append((time.monotonic(), dict(gateway.calls_by_kind)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        source = GoogleSheetSource(args.spreadsheet, TAB, gateway=gateway)
        table = source.read_scenarios(None)
        run_id = create_enrichment_run(journal, source, table, "all", kind=RunKind.LIVE, model=MODEL)
        llm_client = LLMClient(args.llm, KEY, MODEL, limiter=RateLimiter(100_000, 1_000_000_000),
                               retry=RetryPolicy(), prices=PriceTable.load())
        shared = SharedRows(journal, source, run_id, holder_name=f"{args.client}'s PC")
        live = LiveRun(journal, source, run_id, llm_client.generate, workers=args.workers, shared=shared,
                       mirror_interval=SHARED_MIRROR_INTERVAL_SEC)
        run_started = time.time()
        outcome = live.execute()
        ended = time.time()
        done.set()
        sampler.join()
        samples.append((time.monotonic(), dict(gateway.calls_by_kind)))
        source.close()
        last_reply = max((t.completed_at or "" for t in journal.tasks(run_id)), default="")
    return {
        "started": started,
        "run_started": run_started,
        "ended": ended,
        "seconds": round(ended - started, 1),
        "completed": outcome.counts.get(RowStatus.COMPLETED.value, 0),
        "last_reply": last_reply,
        "sheets_calls": gateway.calls,
        "reads_busiest_min": busiest_minute([(t, c["read"]) for t, c in samples]),
        "writes_busiest_min": busiest_minute([(t, c["write"]) for t, c in samples]),
    }


def run_clients(names: list[str], args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Start one client process per name at once on a fresh fake sheet; their figures."""
    from datetime import datetime

    from tests.fakes.openai_server import FakeOpenAI
    from tests.fakes.sheets_server import FakeSheets
    from tests.torture.helpers import TAB, scenario_rows

    with (
        FakeSheets(tabs={TAB: scenario_rows(args.rows)}) as sheets,
        FakeOpenAI(api_key=KEY, latency=args.latency) as llm,
    ):
        env = dict(os.environ, PYTHONPATH=str(ROOT))  # SIMBATCH_HOME: the scratch data folder
        processes = {
            name: subprocess.Popen(
                [sys.executable, __file__, "--client", name, "--workers", str(args.workers),
                 "--sheets", sheets.endpoint, "--spreadsheet", sheets.spreadsheet_id, "--llm", llm.base_url,
                 "--journal", str(folder / f"{name}-{len(names)}.sqlite3")],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            )
            for name in names
        }
        figures: dict[str, Any] = {}
        for name, process in processes.items():
            out, _ = process.communicate(timeout=600)
            if process.returncode != 0:
                raise SystemExit(f"client {name} failed with exit status {process.returncode}")
            figures[name] = json.loads(out.strip().splitlines()[-1])
        ended = max(f["ended"] for f in figures.values())
        seconds = ended - min(f["started"] for f in figures.values())
        run_seconds = ended - min(f["run_started"] for f in figures.values())
        last_reply = max(datetime.fromisoformat(f["last_reply"].replace("Z", "+00:00")).timestamp()
                         for f in figures.values())
        completed = sum(f["completed"] for f in figures.values())
        return {
            "clients": figures,
            "seconds": round(seconds, 1),
            "run_seconds": round(run_seconds, 1),
            "tail_seconds": round(ended - last_reply, 1),
            "completed": completed,
            "rows_per_min": round(completed / run_seconds * 60, 1),
            "rows_per_min_with_start_up": round(completed / seconds * 60, 1),
            "llm_requests": len(llm.chat_requests()),
            "sheets_calls_per_1000_rows": round(sheets.count() * 1000 / args.rows, 1),
        }


def main() -> int:
    """Measure one client, then two; print the figures and a RESULT line (or, with ``--client``, be one
    client and print its figures)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.2)
    for inner in ("--client", "--sheets", "--spreadsheet", "--llm", "--journal"):
        parser.add_argument(inner, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        print(json.dumps(client(args)))
        return 0
    with scratch_home() as folder:
        one = run_clients(["Dana"], args, folder)
        two = run_clients(["Dana", "Sam"], args, folder)
    for label, result in (("one client ", one), ("two clients", two)):
        print(f"{label}: {result['completed']} rows in {result['run_seconds']} s of running = "
              f"{result['rows_per_min']} rows/min ({result['rows_per_min_with_start_up']} with each "
              f"process's start-up and planning); the last client ended {result['tail_seconds']} s after "
              f"the last LLM reply; {result['llm_requests']} LLM requests; "
              f"{result['sheets_calls_per_1000_rows']} Sheets calls per 1,000 rows")
        for name, figures in result["clients"].items():
            print(f"    {name}: {figures['completed']} rows in {figures['seconds']} s, "
                  f"{figures['sheets_calls']} Sheets calls; busiest minute {figures['reads_busiest_min']} "
                  f"reads and {figures['writes_busiest_min']} writes")
    speedup = two["rows_per_min"] / one["rows_per_min"] if one["rows_per_min"] else 0.0
    print(f"speed-up: two clients do {speedup:.2f}x the rows per minute of one")
    busiest = max(max(f["reads_busiest_min"], f["writes_busiest_min"]) for f in two["clients"].values())
    ok = (two["llm_requests"] == args.rows == two["completed"] and one["completed"] == args.rows
          and busiest < QUOTA_PER_MIN)
    print("targets met" if ok else "targets NOT met")
    print("RESULT " + json.dumps({
        "rows": args.rows, "one": one, "two": two, "speedup": round(speedup, 2),
        "busiest_client_calls_per_min": busiest, "load_average": round(os.getloadavg()[0], 1), "ok": ok,
    }))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
