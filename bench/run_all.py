"""Run every benchmark, one process each, and write a summary table of the figures and their targets.

Each script prints its figures and, last, a line ``RESULT {json}``. This runner collects those lines,
prints a table (figure, value, target, pass/fail) and writes it to ``artifacts/bench/summary.md`` (with
the raw results next to it in ``summary.json``). Exit status 1 when a script failed or a target is missed.

    .venv/bin/python bench/run_all.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "artifacts" / "bench"
SCRIPT_TIMEOUT_SEC = 300
#: Scripts that take longer than that by design (ten whole-window runs; a real model on the CPU).
LONG_SCRIPTS = {"gui_latency": 900, "local_model": 3600}

Result = dict[str, Any]


def _p99_text(r: Result) -> str:
    """The worst run's p99 stall, each run's, and how much CPU the host took from each (a virtual
    machine's steal: the figure is only meaningful on a quiet machine)."""
    per_run = ", ".join(f"{v:.1f}" for v in r["p99_stall_per_run_ms"])
    stolen = ", ".join("—" if v is None else f"{v * 100:.0f}%" for v in r.get("cpu_stolen_per_run", []))
    return f"{r['p99_stall_ms']:.0f} ms (per run: {per_run}; CPU stolen by the host: {stolen})"


@dataclass(frozen=True)
class Figure:
    """One row of the summary: how to read the value from a script's result, and its target."""

    label: str
    value: Callable[[Result], str]
    target: str
    passed: Callable[[Result], bool] | None  # None: reported, no target


BENCHES: dict[str, list[Figure]] = {
    "live_throughput": [
        Figure("Live throughput, 500 rows, 600 req/min limit, 300 ms latency (sustained share of limit)",
               lambda r: f"{r['share_sustained']:.0%} ({r['sustained_per_min']:.0f}/min)",
               "≥ 90 %", lambda r: r["share_sustained"] >= 0.9),
        Figure("Live throughput, end to end incl. start-up and final write",
               lambda r: f"{r['share_end_to_end']:.0%} ({r['rows_per_min']:.0f} rows/min)", "—", None),
        Figure("Requests answered 429",
               lambda r: f"{r['share_429']:.1%} ({r['throttled']} of {r['requests']})",
               "≤ 2 %", lambda r: r["share_429"] <= 0.02),
        Figure("Speed-up over a sequential loop",
               lambda r: f"{r['ratio_to_sequential']:.1f}×", "—", None),
        Figure("Rows lost", lambda r: str(r["lost"]), "0", lambda r: r["lost"] == 0),
    ],
    "sheets_calls": [
        Figure("Sheets calls per 1,000 rows, scenario data (reads + writes)",
               lambda r: f"{r['scenario_calls_per_1000']:g}",
               "≤ 12", lambda r: r["scenario_calls_per_1000"] <= 12),
        Figure("Sheets calls per 1,000 rows, Batch_Progress mirror",
               lambda r: (f"{r['progress_calls_per_1000']:g} ({r['progress_writes']} writes in "
                          f"{r['seconds']:.0f} s, ≥ {r['shortest_progress_gap_s']} s apart)"),
               "≤ 1 write per few s", lambda r: (r["shortest_progress_gap_s"] or 99) >= 2.0),
    ],
    "shared_sheet": [
        Figure("Two colleagues on one Google Sheet, 1,000 rows: busiest client's Sheets calls per minute",
               lambda r: (f"{r['busiest_client_calls_per_min']:g} reads or writes/min; "
                          f"{r['two']['sheets_calls_per_1000_rows']:g} calls per 1,000 rows in all"),
               "< 60/min per user", lambda r: r["busiest_client_calls_per_min"] < 60),
        Figure("Two colleagues vs one on 1,000 rows: rows per minute",
               lambda r: (f"{r['speedup']:.2f}× ({r['two']['rows_per_min']:.0f} vs "
                          f"{r['one']['rows_per_min']:.0f} rows/min)"), "—", None),
        Figure("Two colleagues on 1,000 rows: the last one's end after the last LLM reply",
               lambda r: f"{r['two']['tail_seconds']:g} s", "—", None),
        Figure("LLM requests with two colleagues on 1,000 rows",
               lambda r: str(r["two"]["llm_requests"]), "1,000",
               lambda r: r["two"]["llm_requests"] == r["rows"]),
    ],
    "gui_latency": [
        Figure("GUI event-loop stall during a 1,000-row run, longest of ten runs",
               lambda r: (f"{r['longest_stall_ms']:.0f} ms (per run: "
                          f"{', '.join(f'{v:.0f}' for v in r['longest_stall_per_run_ms'])}; "
                          f"load {r['load_average']:g})"),
               "< 50 ms", lambda r: r["longest_stall_ms"] < 50),
        Figure("GUI event-loop stall, 99th percentile (worst run)", _p99_text, "< 16 ms",
               lambda r: r["p99_stall_ms"] < 16),
        Figure("GUI-thread CPU time within one stall, longest (p99)",
               lambda r: f"{r['longest_gui_cpu_ms']:.0f} ms ({r['p99_gui_cpu_ms']:.0f} ms)", "—", None),
    ],
    "journal_scale": [
        Figure("`simbatch runs` with 100,000 row tasks (wall time)",
               lambda r: f"{r['runs_s']:.2f} s", "< 1 s", lambda r: r["runs_s"] < 1.0),
        Figure("Opening the app with that journal: window to rows shown",
               lambda r: f"{r['open_window_to_rows_s']:.2f} s",
               "< 1 s", lambda r: r["open_window_to_rows_s"] < 1.0),
        Figure("Opening the app: process launch to rows shown",
               lambda r: f"{r['open_launch_to_rows_s']:.2f} s", "—", None),
        Figure("Resume of a 10,000-row run: start to first request",
               lambda r: f"{r['resume_first_request_s']:.2f} s",
               "< 2 s", lambda r: r["resume_first_request_s"] < 2.0),
    ],
    "imperfect_model": [
        Figure("Imperfect model (20 % warnings, 5 % unusable), live: requests per row",
               lambda r: f"{r['live']['requests_per_row']:.3f} "
               f"({r['live']['requests']} for {r['live']['rows']} rows)",
               "≤ 1.1", lambda r: r["live"]["requests_per_row"] <= 1.1),
        Figure("Imperfect model, live: cost per completed row; completed / flagged / failed",
               lambda r: f"${r['live']['cost_per_completed_row']:.6f}; {r['live']['completed']} / "
               f"{r['live']['flagged']} / {r['live']['failed']}", "—", None),
        Figure("Imperfect model, Batch API: cost per completed row; completed / flagged / failed",
               lambda r: f"${r['batch']['cost_per_completed_row']:.6f}; {r['batch']['completed']} / "
               f"{r['batch']['flagged']} / {r['batch']['failed']}", "—", None),
    ],
    "batch_scale": [
        Figure("Batch JSONL build, 50,000 rows",
               lambda r: f"{r['build_s']:.1f} s, peak {r['build_peak_mb']:.0f} MB",
               "< 10 s, < 500 MB", lambda r: r["build_s"] < 10 and r["build_peak_mb"] < 500),
        Figure("Batch output ingest, 50,000 rows",
               lambda r: f"{r['ingest_s']:.1f} s, peak {r['ingest_peak_mb']:.0f} MB",
               "< 10 s, < 500 MB", lambda r: r["ingest_s"] < 10 and r["ingest_peak_mb"] < 500),
    ],
    "bundle_startup": [
        Figure("Linux bundle size (make bundle)",
               lambda r: f"{r['size_mb']} MB (.deb {r['deb_mb']} MB)" if r["bundle"] else "not built",
               "< 250 MB", lambda r: not r["bundle"] or r["size_mb"] < 250),
        Figure("Bundle launch → main window shown, median",
               lambda r: (f"{r['median_s']:.2f} s ({r['min_s']:.2f}–{r['max_s']:.2f} s, load {r['load_avg']})"
                          if r["bundle"] else "not built"),
               "< 2 s", lambda r: not r["bundle"] or r["median_s"] < 2.0),
    ],
    "report_build": [
        Figure("Run report of a 1,000-row run (all changed, ~200 flagged with monitor strips), HTML",
               lambda r: f"{r['html_s']:.1f} s ({r['html_cpu_s']:.1f} s CPU), {r['html_mb']:.1f} MB",
               "< 5 s, < 5 MB", lambda r: r["html_s"] < 5 and r["html_mb"] < 5),
        Figure("Run report of that run, PDF",
               lambda r: (f"{r['pdf_s']:.1f} s ({r['pdf_cpu_s']:.1f} s CPU), {r['pdf_mb']:.1f} MB, "
                          f"{r['pdf_pages']} pages"),
               "< 5 s, < 5 MB", lambda r: r["pdf_s"] < 5 and r["pdf_mb"] < 5),
    ],
    "local_model": [
        Figure("Rows per minute through a local model (llama.cpp server, SmolLM2-135M, 1 thread)",
               lambda r: r.get("skipped") or (f"{r['rows_per_min']:.1f} rows/min ({r['completed']} of "
                                              f"{r['rows']} rows to generate completed, "
                                              f"{r['seconds']:.0f} s)"),
               "—", None),
    ],
    "table_scale": [
        Figure("Reading a 10,000-row .xlsx",
               lambda r: f"{r['read_s']:.2f} s (load {r['load_avg']:g})", "< 5 s", lambda r: r["read_s"] < 5),
        Figure("Rows table: 10,000 rows loaded with their reports and sorted by score",
               lambda r: f"{r['table_s']:.2f} s", "< 2 s", lambda r: r["table_s"] < 2),
    ],
    "validate_throughput": [
        Figure("Validation, 10,000 rows",
               lambda r: f"{r['rows_per_s']:,} rows/s, {r['peak_rss_mb']:.0f} MB",
               "≥ 5,000 rows/s, < 300 MB", lambda r: r["rows_per_s"] >= 5000 and r["peak_rss_mb"] < 300),
    ],
}


def run_script(name: str) -> tuple[Result | None, float, str]:
    """Run ``bench/<name>.py``; returns (its RESULT, seconds, the tail of its output)."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, str(ROOT / "bench" / f"{name}.py")], cwd=ROOT, env=env,
                              capture_output=True, text=True,
                              timeout=LONG_SCRIPTS.get(name, SCRIPT_TIMEOUT_SEC))
        output = done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        return None, time.perf_counter() - started, f"timed out after {exc.timeout:.0f} s"
    seconds = time.perf_counter() - started
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("RESULT "):
            result: Result = json.loads(line[len("RESULT "):])
            return result, seconds, output
    return None, seconds, output[-2000:]


def table(rows: list[tuple[str, str, str, str]]) -> str:
    """A Markdown table of (figure, value, target, pass/fail)."""
    lines = ["| figure | value | target | result |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


def main() -> int:
    """Run the benchmarks, print and write the summary; exit 1 when something failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHES), default=None)
    args = parser.parse_args()
    names = args.only or list(BENCHES)
    rows: list[tuple[str, str, str, str]] = []
    raw: dict[str, Result | None] = {}
    ok = True
    total = time.perf_counter()
    for name in names:
        print(f"== bench/{name}.py", flush=True)
        result, seconds, output = run_script(name)
        raw[name] = result
        print(f"   {seconds:.0f} s", flush=True)
        if result is None:
            ok = False
            rows.append((f"bench/{name}.py", "no result", "—", "FAIL"))
            print(output, file=sys.stderr)
            continue
        for figure in BENCHES[name]:
            try:
                value = figure.value(result)
                verdict = "—" if figure.passed is None else ("pass" if figure.passed(result) else "FAIL")
            except (KeyError, TypeError) as exc:
                value, verdict = f"missing ({exc})", "FAIL"
            ok = ok and verdict != "FAIL"
            rows.append((figure.label, value, figure.target, verdict))
    elapsed = time.perf_counter() - total
    header = (f"Benchmarks of {date.today().isoformat()} on {platform.system()} {platform.machine()}, "
              f"{os.cpu_count()} CPU cores, Python {platform.python_version()}; {elapsed:.0f} s in all.")
    summary = f"{header}\n\n{table(rows)}\n"
    print()
    print(summary)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "summary.md").write_text(summary, encoding="utf-8")
    (OUT / "summary.json").write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    print(f"written to {OUT.relative_to(ROOT) / 'summary.md'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
