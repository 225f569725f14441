"""Requests per row and cost per completed row against a plausible but imperfect model.

The fake OpenAI server answers 20 % of replies with values ``validate`` warns about (sinus_ecg at
101–110 bpm and the like) and 5 % with unusable ones (SpO2 140, HR left out). A live run over the demo
rows repeated to 300 rows (field-level generation, 8 workers, no latency) and a Batch API run over the
same rows are measured: requests sent per row that needed generation, cost per completed row, rows
completed, flagged for review and failed. Target: at most 1.1 requests per row live (warnings are never
asked again; an unusable reply is asked again with the complaint). The last line is ``RESULT {json}``.

    .venv/bin/python bench/imperfect_model.py [--rows 300] [--warnings 0.2] [--criticals 0.05]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.memory_keyring.MemoryKeyring")

from bench.common import DEMO, MODEL, fake_llm_client, scratch_home  # noqa: E402
from desktop.domain.pricing import PriceTable  # noqa: E402
from desktop.jobs.batch import BatchOptions, BatchRun  # noqa: E402
from desktop.jobs.engine import LiveRun  # noqa: E402
from desktop.jobs.planning import create_enrichment_run  # noqa: E402
from desktop.journal import Journal, RowStatus, RunKind  # noqa: E402
from desktop.services.batch_api import BatchAPIClient  # noqa: E402
from desktop.services.retry import RetryPolicy  # noqa: E402
from desktop.services.workbook import XlsxSource  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.integration.live_helpers import make_workbook  # noqa: E402

KEY = "sk-bench-0123456789"


def figures(journal: Journal, run_id: str, requests: int) -> dict[str, float]:
    """Requests per row asked, cost per completed row, and the row counts of one run."""
    tasks = [t for t in journal.tasks(run_id) if t.columns_requested]
    completed = [t for t in tasks if t.status is RowStatus.COMPLETED]
    cost = sum(t.cost_usd for t in tasks)
    return {
        "rows": len(tasks),
        "requests": requests,
        "requests_per_row": requests / len(tasks) if tasks else 0.0,
        "completed": len(completed),
        "flagged": sum(1 for t in completed if t.flagged),
        "failed": sum(1 for t in tasks if t.status is RowStatus.FAILED),
        "cost_usd": cost,
        "cost_per_completed_row": cost / len(completed) if completed else 0.0,
    }


def live(book: Path, journal: Journal, warnings: float, criticals: float) -> dict[str, float]:
    with FakeOpenAI(api_key=KEY, seed=3) as fake:
        fake.faults.imperfect_model(warnings, criticals)
        source = XlsxSource(book)
        run_id = create_enrichment_run(
            journal, source, source.read_scenarios(None), "all", kind=RunKind.LIVE, model=MODEL
        )
        LiveRun(journal, source, run_id, fake_llm_client(fake, KEY).generate, workers=8).execute()
        source.close()
        return figures(journal, run_id, len(fake.chat_requests(None)))


def batch(book: Path, journal: Journal, warnings: float, criticals: float) -> dict[str, float]:
    with FakeOpenAI(api_key=KEY, seed=3) as fake:
        fake.faults.imperfect_model(warnings, criticals)
        fake.batch_polls_per_stage = 1
        source = XlsxSource(book)
        run_id = create_enrichment_run(
            journal, source, source.read_scenarios(None), "all", kind=RunKind.BATCH, model=MODEL
        )
        service = BatchAPIClient(fake.base_url, KEY, retry=RetryPolicy())
        options = BatchOptions(poll_interval=0.05, max_poll_interval=0.2)
        BatchRun(journal, source, run_id, service, PriceTable.load(), options=options).run(wait=True)
        source.close()
        return figures(journal, run_id, len(fake.output_faults))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--warnings", type=float, default=0.20)
    parser.add_argument("--criticals", type=float, default=0.05)
    args = parser.parse_args()
    with scratch_home() as folder:
        results: dict[str, dict[str, float]] = {}
        with Journal.open() as journal:
            for mode, runner in (("live", live), ("batch", batch)):
                book = make_workbook(DEMO, folder / f"{mode}.xlsx", args.rows)
                results[mode] = runner(book, journal, args.warnings, args.criticals)
    for mode, r in results.items():
        print(
            f"{mode:5}: {r['rows']:.0f} rows to generate, {r['requests']:.0f} requests "
            f"({r['requests_per_row']:.3f} per row); {r['completed']:.0f} completed, {r['flagged']:.0f} "
            f"flagged for review, {r['failed']:.0f} failed; ${r['cost_per_completed_row']:.6f} per "
            f"completed row (${r['cost_usd']:.4f} in all)"
        )
    print("RESULT " + json.dumps({
        "warnings": args.warnings, "criticals": args.criticals,
        "live": results["live"], "batch": results["batch"],
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
