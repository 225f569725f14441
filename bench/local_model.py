"""Rows per minute through a real local model: ``simbatch run`` over the demo workbook (counting the rows
that needed generation) against llama-cpp-python's server with SmolLM2-135M-Instruct on loopback (one
thread, 2 workers). Skipped, with a message, when ``.venv-local-model`` has not been built
(``make local-model-venv``). The last line is ``RESULT {json}`` for bench/run_all.py.

    .venv/bin/python bench/local_model.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.memory_keyring.MemoryKeyring")

from bench.common import DEMO, scratch_home  # noqa: E402
from desktop.journal import Journal, RowStatus  # noqa: E402
from desktop.settings import Settings, save_settings  # noqa: E402
from tests.local_model.llama_server import VENV, LlamaServer, venv_python  # noqa: E402


def main() -> int:
    """Measure and print; a ``skipped`` result when the local-model virtualenv is missing."""
    if venv_python() is None:
        message = f"skipped: {VENV.name} is not built (make local-model-venv builds it, about 6 min)"
        print(message)
        print("RESULT " + json.dumps({"skipped": message}))
        return 0
    with scratch_home("simbatch-bench-local-") as folder:
        book = folder / "scenarios.xlsx"
        shutil.copyfile(DEMO, book)
        with LlamaServer.start(log_path=folder / "server.log") as server:
            save_settings(Settings(llm_provider="local", local_base_url=server.base_url,
                                   local_model=server.model, workers=2))  # fmt: skip
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "desktop", "run", "--source", str(book), "--rows", "all", "--json"],
                capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=3000,
            )  # fmt: skip
            seconds = time.perf_counter() - started
        if done.returncode not in (0, 1):
            print(done.stderr[-2000:], file=sys.stderr)
            return 1
        document = json.loads(done.stdout)
        with Journal.open() as journal:  # rows that needed nothing generated are not counted
            asked = [t for t in journal.tasks(document["run_id"]) if t.columns_requested]
    result = {
        "rows": len(asked),
        "completed": sum(t.status is RowStatus.COMPLETED for t in asked),
        "failed": sum(t.status is RowStatus.FAILED for t in asked),
        "seconds": round(seconds, 1),
        "rows_per_min": round(len(asked) / seconds * 60, 2) if seconds else 0.0,
        "output_tokens": document["tokens"]["output"],
    }
    rows = result["rows"]
    print(f"{rows} rows generated in {seconds:.0f} s: {result['rows_per_min']} rows/min, "
          f"{result['completed']} completed, {result['failed']} failed")  # fmt: skip
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
