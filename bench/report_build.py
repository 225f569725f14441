"""Run report build time and size: a finished 1,000-row live run, every row's vitals generated, about a
fifth of them flagged for review (each with its monitor strip), some failed and some in conflict.

Prints the seconds to build the HTML and the PDF reports from the journal and the size of each file.
Target: under 5 s and under 5 MB. The last line is ``RESULT {json}`` for bench/run_all.py.
Run: ``.venv/bin/python bench/report_build.py [ROWS]``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.domain.pricing import PriceTable
from desktop.journal import Journal
from desktop.report.export import ensure_gui_application, export_report
from tests.report_runs import finished_run

TARGET_S = 5.0
TARGET_MB = 5.0


def main() -> int:
    """Build both reports of a synthetic finished run and print the figures."""
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    ensure_gui_application()
    with tempfile.TemporaryDirectory(prefix="report-bench-") as folder:
        out = Path(folder)
        with Journal.open(out / "journal.sqlite3") as journal:
            run_id = finished_run(journal, rows, flagged=0.2, failed=0.03, conflicts=0.01, emptied=1.0)
            prices = PriceTable.load()
            figures: dict[str, float | int] = {"rows": rows}
            for kind in ("html", "pdf"):
                target = out / f"report.{kind}"
                started, cpu = time.perf_counter(), time.process_time()
                done = export_report(journal, run_id, prices=prices, **{f"{kind}_path": target})
                figures[f"{kind}_s"] = round(time.perf_counter() - started, 2)
                figures[f"{kind}_cpu_s"] = round(time.process_time() - cpu, 2)
                figures[f"{kind}_mb"] = round(target.stat().st_size / 1_000_000, 2)
            s = done.report.summary
            figures.update(changed=s.changed_rows, flagged=s.flagged, failed=s.failed, conflicts=s.conflicts,
                           pdf_pages=done.pdf_pages)  # fmt: skip
    f = figures
    print(f"{rows:,} rows: {f['changed']:,} changed, {f['flagged']:,} flagged (a monitor strip each), "
          f"{f['failed']} failed, {f['conflicts']} conflicts")  # fmt: skip
    print(f"HTML: {f['html_s']:.2f} s ({f['html_cpu_s']:.2f} s of CPU), {f['html_mb']:.2f} MB")
    print(f"PDF:  {f['pdf_s']:.2f} s ({f['pdf_cpu_s']:.2f} s of CPU), {f['pdf_mb']:.2f} MB, "
          f"{f['pdf_pages']} pages")  # fmt: skip
    print(f"(targets: under {TARGET_S:g} s and {TARGET_MB:g} MB each; load average {os.getloadavg()[0]:.1f})")
    print("RESULT " + json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
