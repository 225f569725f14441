"""Sheets API calls per 1,000 rows during a live run over a Google Sheet (the loopback fake).

A 1,000-row live run (LiveRun with the LLM client against the fake OpenAI server, short latency, high
limits) over ``GoogleSheetSource`` against the fake Sheets server, with the engine's default flush
intervals. Every request the Sheets gateway sends (retries included) is counted and filed under the
tab it touches: scenario data (reads and writes of the scenario tab), progress (the Batch_Progress
mirror) and metadata (the tab list). Target: at most 12 scenario-data calls per 1,000 rows, and progress
writes no more often than one every few seconds.

    .venv/bin/python bench/sheets_calls.py [--rows 1000] [--workers 8] [--latency 0.02]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.memory_keyring.MemoryKeyring")

import openpyxl  # noqa: E402
from google.auth.credentials import AnonymousCredentials  # noqa: E402

from bench.common import DEMO, MODEL, fake_llm_client, scratch_home  # noqa: E402
from desktop.domain.models import CellValue  # noqa: E402
from desktop.jobs.engine import LiveRun  # noqa: E402
from desktop.jobs.planning import create_enrichment_run  # noqa: E402
from desktop.journal import Journal, RowStatus, RunKind  # noqa: E402
from desktop.services.gsheet_source import GoogleSheetSource  # noqa: E402
from desktop.services.ratelimit import RateLimiter  # noqa: E402
from desktop.services.sheets import SheetsGateway  # noqa: E402
from desktop.services.source import PROGRESS_TAB  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.fakes.sheets_server import FakeSheets  # noqa: E402
from tests.gui.run_helpers import make_workbook  # noqa: E402

TAB = "Master Scenario Convert"
KEY = "sk-bench-sheets-0123456789"
TARGET_SCENARIO_CALLS = 12
MIN_PROGRESS_GAP = 2.0  # seconds between progress writes, at the least ("one per few seconds")


class CountingGateway(SheetsGateway):
    """The real gateway, counting each request it sends under the tab it reads or writes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by_kind: Counter[str] = Counter()
        self.progress_write_times: list[float] = []
        self.progress_sheet_id: int | None = None
        self._kind = threading.local()
        self._count_lock = threading.Lock()

    def _as(self, kind: str, call: Callable[[], Any]) -> Any:
        previous = getattr(self._kind, "value", None)
        self._kind.value = kind
        try:
            return call()
        finally:
            self._kind.value = previous

    @staticmethod
    def _kind_of(ranges: Sequence[str], action: str) -> str:
        tab = "progress" if any(PROGRESS_TAB in r for r in ranges) else "scenario"
        return f"{tab} {action}"

    def metadata(self) -> Any:
        """Count under metadata."""
        return self._as("metadata read", super().metadata)

    def batch_get(self, ranges: Sequence[str]) -> Any:
        """Count under the tab of the ranges."""
        return self._as(self._kind_of(ranges, "read"), lambda: SheetsGateway.batch_get(self, ranges))

    def batch_update(self, data: Sequence[tuple[str, Sequence[Sequence[CellValue]]]]) -> int:
        """Count under the tab of the ranges."""
        ranges = [r for r, _ in data]
        kind = self._kind_of(ranges, "write")
        if kind.startswith("progress") and any(not r.endswith("!A1") for r in ranges):
            self.progress_write_times.append(time.monotonic())  # a mirror flush, not the header row
        return int(self._as(kind, lambda: SheetsGateway.batch_update(self, data)))

    def append(self, range_: str, rows: Sequence[Sequence[CellValue]]) -> None:
        """Count under the tab of the range."""
        kind = self._kind_of([range_], "write")
        if kind.startswith("progress"):
            self.progress_write_times.append(time.monotonic())
        self._as(kind, lambda: SheetsGateway.append(self, range_, rows))

    def structure(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Tab creation and grid growth: filed under the tab they change."""
        text = json.dumps(requests)
        progress = PROGRESS_TAB in text or (
            self.progress_sheet_id is not None and f'"sheetId": {self.progress_sheet_id}' in text
        )
        kind = "progress structure" if progress else "scenario structure"
        replies: list[dict[str, Any]] = self._as(kind, lambda: SheetsGateway.structure(self, requests))
        for reply in replies:
            props = reply.get("addSheet", {}).get("properties", {})
            if props.get("title") == PROGRESS_TAB:
                self.progress_sheet_id = int(props.get("sheetId", 0))
        return replies

    def _execute(self, kind: str, make: Callable[[Any], Any]) -> dict[str, Any]:
        label = getattr(self._kind, "value", None) or f"other {kind}"

        def counted(api: Any) -> Any:
            with self._count_lock:
                self.by_kind[label] += 1
            return make(api)

        return super()._execute(kind, counted)


def sheet_rows(rows: int, folder: Path) -> list[list[Any]]:
    """The demo scenario tab, repeated to ``rows`` data rows, as a list of rows for the fake."""
    book_path = make_workbook(DEMO, folder / "rows.xlsx", rows)
    book = openpyxl.load_workbook(book_path)
    values = [list(r) for r in book[TAB].iter_rows(values_only=True)]
    book.close()
    return values


def main() -> int:
    """Run the measurement, print the figures and a RESULT line; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per fake OpenAI reply")
    args = parser.parse_args()
    with scratch_home() as folder:
        tab = sheet_rows(args.rows, folder)
        with (
            FakeSheets(tabs={TAB: tab}) as sheets,
            FakeOpenAI(api_key=KEY, latency=args.latency) as fake,
            Journal.open() as journal,
        ):
            gateway = CountingGateway(sheets.spreadsheet_id, AnonymousCredentials, sheets.endpoint)
            source = GoogleSheetSource(sheets.spreadsheet_id, TAB, gateway=gateway)
            started = time.monotonic()
            table = source.read_scenarios(None)
            run_id = create_enrichment_run(journal, source, table, "all", kind=RunKind.LIVE,
                                           model=MODEL, overwrite=True)
            client = fake_llm_client(fake, KEY, RateLimiter(100_000, 1_000_000_000))
            live = LiveRun(journal, source, run_id, client.generate, workers=args.workers)
            outcome = live.execute()
            seconds = time.monotonic() - started
            counts = journal.run_counts(run_id)
            source.close()
            served = sheets.count()
    rows = len(table.scenarios)
    per_k = 1000 / max(1, rows)
    kinds = gateway.by_kind
    scenario = sum(n for k, n in kinds.items() if k.startswith("scenario"))
    progress = sum(n for k, n in kinds.items() if k.startswith("progress"))
    progress_writes = len(gateway.progress_write_times)
    metadata = kinds["metadata read"]
    # The last flush comes when the run ends, however soon after the previous one: not counted.
    flushes = gateway.progress_write_times[:-1]
    gaps = [b - a for a, b in itertools.pairwise(flushes)]
    shortest_gap = min(gaps, default=float("inf"))
    completed = counts.get(RowStatus.COMPLETED.value, 0)
    print(f"rows: {rows}, workers: {args.workers}, fake OpenAI latency: {args.latency * 1000:.0f} ms")
    print(f"run: {seconds:.1f} s, outcome: {counts}, cost ${outcome.cost_usd:.4f}")
    print(f"calls by kind: {dict(sorted(kinds.items()))}; answered by the fake: {served}")
    print(f"scenario data: {scenario * per_k:.1f} calls per 1,000 rows (target ≤ {TARGET_SCENARIO_CALLS})")
    print(f"progress tab:  {progress * per_k:.1f} calls per 1,000 rows, of which {progress_writes} mirror "
          f"writes; shortest gap between them (final flush aside) {shortest_gap:.1f} s")
    print(f"metadata:      {metadata} calls")
    ok = (scenario * per_k <= TARGET_SCENARIO_CALLS and completed == rows
          and (not gaps or shortest_gap >= MIN_PROGRESS_GAP))
    print("targets met" if ok else "targets NOT met")
    result = {
        "rows": rows,
        "seconds": round(seconds, 2),
        "completed": completed,
        "scenario_calls_per_1000": round(scenario * per_k, 1),
        "progress_calls_per_1000": round(progress * per_k, 1),
        "progress_writes": progress_writes,
        "shortest_progress_gap_s": round(shortest_gap, 2) if gaps else None,
        "metadata_calls": metadata,
        "ok": ok,
    }
    print("RESULT " + json.dumps(result))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
