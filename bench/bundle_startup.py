"""Size and start-up time of the built Linux bundle (``make bundle`` first).

Runs ``dist/simbatch/simbatch --self-test`` several times with an empty environment, offscreen, and
reports the launch → main-window-shown time each run prints (median, min, max), the bundle's size
and the .deb's, and the machine's load average (the figure grows with other work on the machine).

    .venv/bin/python bench/bundle_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "simbatch"
TARGET_MB = 250
TARGET_START_S = 2.0


def folder_mb(folder: Path) -> float:
    """Disk use of a folder in MB (file sizes, symbolic links not followed)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def launch_time(program: Path) -> float:
    """One self-test run of the bundle; the launch → main window time it prints, in seconds."""
    with tempfile.TemporaryDirectory(prefix="simbatch-bench-") as scratch:
        env = {
            "PATH": "/usr/bin:/bin", "HOME": scratch, "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring", "SIMBATCH_ORG_CONFIG": "",
        }
        result = subprocess.run(
            [str(program), "--self-test", "--self-test-result", f"{scratch}/result.json"],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )
    found = re.search(r"launch to main window shown: (\d+\.\d+) s", result.stdout)
    if result.returncode != 0 or found is None:
        raise SystemExit(f"The bundle's self-test failed: {result.stderr.strip() or result.stdout}")
    return float(found.group(1))


def main() -> int:
    """Measure and print the figures; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    program = BUNDLE / "simbatch"
    if not program.is_file():
        print("No bundle in dist/simbatch: run 'make bundle' first; nothing measured.")
        print("RESULT " + json.dumps({"bundle": False, "ok": True}))
        return 0
    size = folder_mb(BUNDLE)
    debs = sorted(ROOT.glob("dist/simbatch_*.deb"))
    deb_mb = debs[-1].stat().st_size / 2**20 if debs else None
    times = [launch_time(program) for _ in range(args.runs)]
    load = os.getloadavg()[0]
    median = statistics.median(times)
    print(f"bundle {size:.0f} MB (target < {TARGET_MB} MB); .deb {deb_mb or 0:.0f} MB")
    print(f"launch → main window over {args.runs} runs: median {median:.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s (target < {TARGET_START_S:g} s); "
          f"load average {load:.1f} on {os.cpu_count()} CPUs")
    ok = size < TARGET_MB and median < TARGET_START_S
    print("OK" if ok else "TARGET MISSED")
    print("RESULT " + json.dumps({
        "bundle": True, "size_mb": round(size), "deb_mb": round(deb_mb) if deb_mb else None,
        "runs": args.runs, "median_s": round(median, 2), "min_s": round(min(times), 2),
        "max_s": round(max(times), 2), "load_avg": round(load, 1), "ok": ok,
    }))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
