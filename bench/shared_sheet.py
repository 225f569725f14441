"""Colleagues on one Google Sheet: Sheets calls per client and throughput, two clients against one.

1,000 rows on the fake Sheets server; each client is a live run with its own journal, its own Sheets
gateway (so its own calls are counted, retries included) and 8 workers against the fake OpenAI server
(200 ms per reply). First one client alone does all the rows, then two clients start together on a
fresh copy and share them through claims. Printed: seconds, rows/min, LLM requests (must equal the
rows), each client's Sheets reads and writes per minute (Google's quota: 60 reads and 60 writes per
minute per user) and the Sheets calls per 1,000 rows in all; then the two-client speed-up.

    .venv/bin/python bench/shared_sheet.py [--rows 1000] [--workers 8] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.memory_keyring.MemoryKeyring")

from google.auth.credentials import AnonymousCredentials  # noqa: E402

from bench.common import MODEL, fake_llm_client, scratch_home  # noqa: E402
from desktop.jobs.engine import LiveRun  # noqa: E402
from desktop.jobs.planning import create_enrichment_run  # noqa: E402
from desktop.jobs.sharing import SHARED_MIRROR_INTERVAL_SEC, SharedRows  # noqa: E402
from desktop.journal import Journal, RowStatus, RunKind  # noqa: E402
from desktop.services.gsheet_source import GoogleSheetSource  # noqa: E402
from desktop.services.ratelimit import RateLimiter  # noqa: E402
from desktop.services.sheets import SheetsGateway  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.fakes.sheets_server import FakeSheets  # noqa: E402
from tests.torture.helpers import TAB, scenario_rows  # noqa: E402

KEY = "sk-bench-shared-0123456789"
QUOTA_PER_MIN = 60


def run_clients(names: list[str], rows: int, workers: int, latency: float, folder: Path) -> dict[str, Any]:
    """Start one live run per name at once on a fresh fake sheet; their figures."""
    with (
        FakeSheets(tabs={TAB: scenario_rows(rows)}) as sheets,
        FakeOpenAI(api_key=KEY, latency=latency) as llm,
    ):
        figures: dict[str, Any] = {}
        threads = []
        started = time.monotonic()

        def client(name: str) -> None:
            with Journal.open(folder / f"{name}-{len(names)}.sqlite3") as journal:
                gateway = SheetsGateway(sheets.spreadsheet_id, AnonymousCredentials, sheets.endpoint)
                source = GoogleSheetSource(sheets.spreadsheet_id, TAB, gateway=gateway)
                table = source.read_scenarios(None)
                run_id = create_enrichment_run(journal, source, table, "all", kind=RunKind.LIVE,
                                               model=MODEL)
                llm_client = fake_llm_client(llm, KEY, RateLimiter(100_000, 1_000_000_000))
                shared = SharedRows(journal, source, run_id, holder_name=f"{name}'s PC")
                live = LiveRun(journal, source, run_id, llm_client.generate, workers=workers, shared=shared,
                               mirror_interval=SHARED_MIRROR_INTERVAL_SEC)
                begun = time.monotonic()
                outcome = live.execute()
                seconds = time.monotonic() - begun
                minutes = seconds / 60
                figures[name] = {
                    "seconds": round(seconds, 1),
                    "completed": outcome.counts.get(RowStatus.COMPLETED.value, 0),
                    "sheets_calls": gateway.calls,
                    "reads_per_min": round(gateway.calls_by_kind["read"] / minutes, 1),
                    "writes_per_min": round(gateway.calls_by_kind["write"] / minutes, 1),
                }
                source.close()

        for name in names:
            thread = threading.Thread(target=client, args=(name,))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
        completed = sum(f["completed"] for f in figures.values())
        return {
            "clients": figures,
            "seconds": round(seconds, 1),
            "completed": completed,
            "rows_per_min": round(completed / seconds * 60, 1),
            "llm_requests": len(llm.chat_requests()),
            "sheets_calls_per_1000_rows": round(sheets.count() * 1000 / rows, 1),
        }


def main() -> int:
    """Measure one client, then two; print the figures and a RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()
    with scratch_home() as folder:
        one = run_clients(["Dana"], args.rows, args.workers, args.latency, folder)
        two = run_clients(["Dana", "Sam"], args.rows, args.workers, args.latency, folder)
    for label, result in (("one client ", one), ("two clients", two)):
        print(f"{label}: {result['completed']} rows in {result['seconds']} s = "
              f"{result['rows_per_min']} rows/min; "
              f"{result['llm_requests']} LLM requests; {result['sheets_calls_per_1000_rows']} Sheets calls "
              "per 1,000 rows")
        for name, figures in result["clients"].items():
            print(f"    {name}: {figures['completed']} rows, {figures['sheets_calls']} Sheets calls, "
                  f"{figures['reads_per_min']} reads/min and {figures['writes_per_min']} writes/min")
    speedup = two["rows_per_min"] / one["rows_per_min"] if one["rows_per_min"] else 0.0
    print(f"speed-up: two clients do {speedup:.2f}x the rows per minute of one")
    busiest = max(max(f["reads_per_min"], f["writes_per_min"]) for f in two["clients"].values())
    ok = (two["llm_requests"] == args.rows == two["completed"] and one["completed"] == args.rows
          and busiest <= QUOTA_PER_MIN)
    print("targets met" if ok else "targets NOT met")
    print("RESULT " + json.dumps({
        "rows": args.rows, "one": one, "two": two, "speedup": round(speedup, 2),
        "busiest_client_calls_per_min": busiest, "ok": ok,
    }))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
