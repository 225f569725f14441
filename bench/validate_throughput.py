"""Validation throughput: 10,000 varied rows in memory through ``validate_table``.

Prints rows per second and peak memory. Target: at least 5,000 rows/s on one core and under 300 MB.
The last line is ``RESULT {json}`` for bench/run_all.py.
Run: ``.venv/bin/python bench/validate_throughput.py [ROWS]``.
"""

from __future__ import annotations

import json
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.domain.models import Scenario
from desktop.domain.validate import summarize, validate_table

TARGET_ROWS_PER_S = 5_000
TARGET_MB = 300
CLEAN = {"HR": 88, "BP": "120/80", "SpO2": 98, "RR": 16, "Temp": 37.0, "EtCO2": 35, "waveform": "sinus_ecg"}


def _cell(rng: random.Random, kind: str) -> str:
    data: dict[str, object] = dict(CLEAN, HR=rng.randint(60, 100), SpO2=rng.randint(92, 100))
    if kind == "gappy":
        for key in rng.sample(list(data), rng.randint(1, 3)):
            data[key] = rng.choice([None, "N/A", "-"]) if rng.random() < 0.5 else data.pop(key)
    elif kind == "alias":
        data["waveform"] = rng.choice(["NSR", "Sinus Tach", "afib", "V-fib", "CHB"])
        data["hr"] = data.pop("HR")
        data["BP"] = {"sys": 118, "dia": 76}
        data["Temp"] = "98.9 °F"
    elif kind == "odd":
        data["HR"] = rng.choice([350, 20, 180, "fast"])
        data["waveform"] = rng.choice(["asystole_ecg", "banana", "sinus_bradycardia_ecg"])
    elif kind == "broken":
        return json.dumps(data)[: rng.randint(5, 40)]
    return json.dumps(data, ensure_ascii=False)


def make_rows(count: int, seed: int = 7) -> list[Scenario]:
    """``count`` rows mixing clean, gappy, alias-laden, odd and broken vitals, 1–3 states each."""
    rng = random.Random(seed)
    kinds = ["clean"] * 5 + ["gappy"] * 2 + ["alias"] * 2 + ["odd", "broken"]
    rows = []
    for n in range(count):
        vitals: dict[str, str | None] = {"Initial_Vitals": _cell(rng, rng.choice(kinds))}
        for state in range(1, rng.randint(2, 4)):
            vitals[f"State{state}_Vitals"] = "" if rng.random() < 0.3 else _cell(rng, rng.choice(kinds))
        case_id = f"CASE-{n % (count - 50) if count > 100 else n:05d}"  # a few duplicates
        rows.append(Scenario(row=n + 3, case_id=case_id, title=f"Case {n}", vitals=dict(vitals)))
    return rows


def main() -> int:
    """Run the benchmark; exit 1 when a target is missed."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rows = make_rows(count)
    validate_table(rows[:200])  # warm caches (waveform catalogue, regexes)
    start = time.perf_counter()
    reports = validate_table(rows)
    elapsed = time.perf_counter() - start
    # Memory is measured in a second pass: tracing allocations slows Python down several times.
    tracemalloc.start()
    validate_table(rows)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rate = count / elapsed
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    if sys.platform == "darwin":
        rss_mb /= 1024
    summary = summarize(reports)
    print(f"validated {count:,} rows in {elapsed:.2f} s: {rate:,.0f} rows/s (target ≥ {TARGET_ROWS_PER_S:,})")
    print(f"peak traced memory {peak / 2**20:.1f} MB, peak RSS {rss_mb:.0f} MB (target < {TARGET_MB} MB)")
    print(f"summary: {summary}")
    ok = rate >= TARGET_ROWS_PER_S and rss_mb < TARGET_MB
    print("OK" if ok else "TARGET MISSED")
    print("RESULT " + json.dumps({"rows": count, "rows_per_s": round(rate), "peak_rss_mb": round(rss_mb, 1),
                                  "peak_traced_mb": round(peak / 2**20, 1), "ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
