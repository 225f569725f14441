"""Batch API scale benchmark: build the JSONL input for 50,000 rows, and ingest a 50,000-line output file.

Each phase runs in its own process so its peak memory (ru_maxrss) is its own. Targets: each phase
under 10 s and under 500 MB peak; the time and the peak memory of each phase are printed. The last line
is ``RESULT {json}`` for bench/run_all.py. Run with ``.venv/bin/python bench/batch_scale.py [--rows N]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop.domain.models import Scenario  # noqa: E402
from desktop.jobs.batch_input import ChunkLimits, LineBuilder, custom_id, write_chunks  # noqa: E402
from desktop.jobs.batch_results import read_results  # noqa: E402

MODEL = "gpt-4o-mini"
COLUMNS = ["Initial_Vitals", "State1_Vitals"]
TIME_LIMIT = 10.0
MEMORY_LIMIT_MB = 500.0


def peak_mb() -> float:
    """This process's peak resident memory in MB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def scenario(row: int) -> Scenario:
    return Scenario(
        row=row,
        case_id=f"CARD-{row:05d}",
        title="Acute coronary syndrome with rapid atrial fibrillation",
        vitals={"Initial_Vitals": "", "State1_Vitals": None},
        context={
            "Diagnosis": "NSTEMI, new-onset atrial fibrillation",
            "History": "68-year-old with hypertension and type 2 diabetes; chest pain for two hours. " * 3,
            "Learning_Objectives": "Recognise ACS; rate control; anticoagulation decisions.",
        },
    )


def build(rows: int, folder: Path) -> dict[str, float]:
    """Write the chunked JSONL for ``rows`` rows; returns timings and sizes."""
    started = time.perf_counter()
    chunks = write_chunks(
        LineBuilder("r-bench", MODEL),
        ((scenario(row), COLUMNS) for row in range(3, rows + 3)),
        folder,
        first_chunk=1,
        limits=ChunkLimits(),
    )
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "chunks": len(chunks),
        "lines": sum(len(c.rows) for c in chunks),
        "mb_written": sum(c.size for c in chunks) / 1e6,
    }


def _output_line(run_id: str, row: int) -> str:
    vitals = {
        "HR": 88,
        "BP": "120/80",
        "SpO2": 97,
        "RR": 16,
        "Temp": 37.0,
        "EtCO2": 36,
        "waveform": "sinus_ecg",
    }
    content = json.dumps({column: vitals for column in COLUMNS})
    body = {
        "id": f"chatcmpl-{row}",
        "object": "chat.completion",
        "model": MODEL,
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
        ],
        "usage": {
            "prompt_tokens": 2900,
            "completion_tokens": 90,
            "prompt_tokens_details": {"cached_tokens": 0},
        },
    }
    item = {
        "id": f"batch_req_{row}",
        "custom_id": custom_id(run_id, row),
        "response": {"status_code": 200, "request_id": f"req_{row}", "body": body},
        "error": None,
    }
    return json.dumps(item)


def ingest(rows: int, folder: Path) -> dict[str, float]:
    """Journal a run of ``rows`` rows, write a shuffled output file, then time reading and recording it."""
    import os
    import random

    os.environ["SIMBATCH_HOME"] = str(folder / "home")
    from desktop.journal import Journal

    journal = Journal.open(folder / "home" / "journal.sqlite3")
    numbers = list(range(3, rows + 3))
    run_id = journal.create_run(
        kind="batch",
        source="bench",
        scenario_tab="t",
        row_spec="all",
        model=MODEL,
        settings={},
        rows=[(r, f"CARD-{r:05d}") for r in numbers],
        columns={r: COLUMNS for r in numbers},
    )
    journal.mark_submitted(run_id, numbers)
    random.Random(1).shuffle(numbers)
    output = folder / "output.jsonl"
    with open(output, "w", encoding="utf-8") as handle:
        for row in numbers:
            handle.write(_output_line(run_id, row) + "\n")

    started = time.perf_counter()
    read = read_results(run_id, journal.columns_requested(run_id), output, None)
    journal.mark_finished_many(
        run_id,
        (
            {
                "row": r.row,
                "status": "COMPLETED" if r.ok else "FAILED",
                "result": r.values,
                "warnings": r.warnings,
                "error": r.error,
                "input_tokens": r.input_tokens,
                "output_tokens": r.output_tokens,
            }
            for r in read.rows.values()
        ),
    )
    seconds = time.perf_counter() - started
    completed = journal.run_counts(run_id).get("COMPLETED", 0)
    journal.close()
    return {"seconds": seconds, "lines": rows, "completed": completed}


def run_phase(phase: str, rows: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="simbatch-bench-") as tmp:
        result = build(rows, Path(tmp)) if phase == "build" else ingest(rows, Path(tmp))
    result["peak_mb"] = peak_mb()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--phase", choices=("build", "ingest"), default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.rows)))
        return 0
    ok = True
    summary: dict[str, object] = {"rows": args.rows}
    for phase, label in (("build", "Build JSONL"), ("ingest", "Ingest output")):
        done = subprocess.run(
            [sys.executable, __file__, "--phase", phase, "--rows", str(args.rows)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        passed = result["seconds"] < TIME_LIMIT and result["peak_mb"] < MEMORY_LIMIT_MB
        passed = passed and result.get("completed", args.rows) == args.rows
        ok = ok and passed
        summary[f"{phase}_s"] = round(result["seconds"], 2)
        summary[f"{phase}_peak_mb"] = round(result["peak_mb"], 1)
        extra = {k: v for k, v in result.items() if k not in ("seconds", "peak_mb")}
        print(
            f"{label:14s} {args.rows:,} rows: {result['seconds']:.2f} s, peak {result['peak_mb']:.0f} MB "
            f"{extra} {'OK' if passed else 'OVER LIMIT'}"
        )
    summary["ok"] = ok
    print("RESULT " + json.dumps(summary))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
