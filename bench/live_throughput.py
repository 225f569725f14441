"""Live run throughput against the fake OpenAI server (300 ms latency, 600 requests/min limit).

500 generated rows, 8 workers, settings rpm=600: prints rows/min, the share of the limit, the 429
count and share, the total cost and lost rows, and the ratio to a plain sequential loop measured in the
same run (a few rows, extrapolated). Targets: at least 90 % of the limit, at most 2 % of requests
answered 429. The last line is ``RESULT {json}`` for bench/run_all.py.

    .venv/bin/python bench/live_throughput.py [--rows 500] [--sequential-rows 10]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.memory_keyring.MemoryKeyring")

from bench.common import DEMO, MODEL, fake_llm_client, scratch_home  # noqa: E402
from desktop.jobs.engine import LiveRun  # noqa: E402
from desktop.jobs.planning import create_enrichment_run  # noqa: E402
from desktop.journal import Journal, RowStatus, RunKind  # noqa: E402
from desktop.services.ratelimit import RateLimiter  # noqa: E402
from desktop.services.workbook import XlsxSource  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.gui.run_helpers import make_workbook  # noqa: E402

RPM = 600
TPM = 50_000_000
LATENCY = 0.3
KEY = "sk-bench-0123456789"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--sequential-rows", type=int, default=10)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    with scratch_home() as folder:
        book = folder / "bench.xlsx"
        make_workbook(DEMO, book, args.rows)
        with Journal.open() as journal, FakeOpenAI(api_key=KEY, latency=LATENCY, rpm_limit=RPM,
                                                   tpm_limit=TPM) as fake:
            source = XlsxSource(book)
            # sequential: one row after another, no pool
            seq_client = fake_llm_client(fake, KEY, RateLimiter(None, TPM))
            table = source.read_scenarios(None)
            sample = table.scenarios[: args.sequential_rows]
            start = time.monotonic()
            for scenario in sample:
                seq_client.generate(scenario, list(table.layout.vitals))
            seq_rate = len(sample) / (time.monotonic() - start) * 60
            time.sleep(60.0 * len(sample) / RPM)  # let the fake's window drain a little
            fake.log.clear()

            run_id = create_enrichment_run(journal, source, table, "all", kind=RunKind.LIVE,
                                           model=MODEL, overwrite=True)
            limited = fake_llm_client(fake, KEY, RateLimiter(RPM, TPM))
            live = LiveRun(journal, source, run_id, limited.generate, workers=args.workers)
            start = time.monotonic()
            outcome = live.execute()
            elapsed = time.monotonic() - start
            chats = fake.chat_requests(None)
            throttled = sum(1 for r in chats if r.status == 429)
            counts = journal.run_counts(run_id)
            completed = counts.get(RowStatus.COMPLETED.value, 0)
            lost = args.rows - completed - counts.get(RowStatus.FAILED.value, 0)
            rate = completed / elapsed * 60
            answered = [r.time for r in chats if r.status == 200]
            window = max(answered) - min(answered) if len(answered) > 1 else elapsed
            sustained = (len(answered) - 1) / window * 60 if window > 0 else 0.0
            print(f"live:       {completed} rows in {elapsed:.1f} s = {rate:.0f} rows/min end to end "
                  f"({rate / RPM:.0%} of the {RPM}/min limit), {args.workers} workers")
            print(f"sustained:  {sustained:.0f} requests/min between the first and last request "
                  f"({sustained / RPM:.0%} of the limit)")
            print(f"429s:       {throttled} of {len(chats)} requests ({throttled / max(1, len(chats)):.1%})")
            print(f"cost:       ${outcome.cost_usd:.4f}; rows lost: {lost}; failed: "
                  f"{counts.get(RowStatus.FAILED.value, 0)}")
            print(f"sequential: {seq_rate:.0f} rows/min over {len(sample)} rows; "
                  f"{args.rows} rows would take {args.rows / seq_rate:.1f} min "
                  f"(live took {elapsed / 60:.1f} min)")
            speedup = rate / seq_rate
            print(f"ratio:      live is {speedup:.1f}x the sequential loop")
            ok = sustained >= 0.9 * RPM and throttled <= 0.02 * len(chats) and lost == 0
            print("targets met" if ok else "targets NOT met")
            print("RESULT " + json.dumps({
                "rows": args.rows, "seconds": round(elapsed, 2), "completed": completed, "lost": lost,
                "rows_per_min": round(rate, 1), "share_end_to_end": round(rate / RPM, 3),
                "sustained_per_min": round(sustained, 1), "share_sustained": round(sustained / RPM, 3),
                "requests": len(chats), "throttled": throttled,
                "share_429": round(throttled / max(1, len(chats)), 4),
                "sequential_rows_per_min": round(seq_rate, 1), "ratio_to_sequential": round(speedup, 2),
                "cost_usd": round(outcome.cost_usd, 4), "ok": ok,
            }))
            return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
