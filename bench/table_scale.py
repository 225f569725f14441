"""Big tables: reading a 10,000-row workbook and showing 10,000 validated rows sorted in the rows table.

- reading: ``XlsxSource.read_scenarios`` on a 10,000-row .xlsx (target < 5 s);
- the rows table: ``RowsModel`` given 10,000 scenarios and their reports, then sorted by score through
  the sort proxy, offscreen (target < 2 s).

The last line is ``RESULT {json}`` for bench/run_all.py.
Run: ``.venv/bin/python bench/table_scale.py [ROWS]``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from openpyxl import Workbook

TARGET_READ_S = 5.0
TARGET_TABLE_S = 2.0
TAB = "Master Scenario Convert"
VITALS = json.dumps({"HR": 80, "BP": "120/80", "SpO2": 98, "RR": 16, "waveform": "sinus_ecg"})


def time_workbook_read(rows: int, folder: Path) -> float:
    """Seconds to read ``rows`` scenarios from a fresh .xlsx."""
    from desktop.services.workbook import XlsxSource

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(TAB)
    ws.append(["Case_ID", "Title", "Diagnosis", "Initial_Vitals", "State1_Vitals", "State2_Vitals"])
    for n in range(rows):
        ws.append([n + 1, f"Case {n}", "Sepsis " * 10, VITALS, VITALS, None])
    path = folder / "big.xlsx"
    wb.save(path)
    started = time.perf_counter()
    table = XlsxSource(path).read_scenarios()
    elapsed = time.perf_counter() - started
    assert len(table.scenarios) == rows
    return elapsed


def time_rows_table(rows: int) -> float:
    """Seconds for the rows table to take ``rows`` scenarios and reports and sort them by score."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from desktop.domain.models import Issue, IssueCode, RowReport, Scenario, Severity
    from desktop.gui.rows.columns import COL_SCORE
    from desktop.gui.rows.model import RowsModel
    from desktop.gui.rows.sorting import RowsProxy

    _app = QApplication.instance() or QApplication([])
    scenarios = [Scenario(row=3 + i, case_id=f"CASE-{i:05d}", title=f"Case {i}") for i in range(rows)]
    issue = Issue(Severity.WARNING, IssueCode.OUT_OF_RANGE, "Initial_Vitals.HR", "HR out of range.")
    reports = [RowReport(row=s.row, case_id="", score=(s.row * 37) % 131, issues=[issue]) for s in scenarios]
    model = RowsModel()
    proxy = RowsProxy()
    proxy.setSourceModel(model)
    started = time.perf_counter()
    model.set_scenarios(scenarios)
    model.set_reports(reports)
    while not model.cells_current:  # large changes are stored a slice per turn of the event loop
        _app.processEvents()
    proxy.sort(COL_SCORE, Qt.SortOrder.AscendingOrder)
    elapsed = time.perf_counter() - started
    assert proxy.rowCount() == rows
    return elapsed


def main() -> int:
    """Run both measurements; exit 1 when a target is missed."""
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as folder:
        read_s = time_workbook_read(rows, Path(folder))
    table_s = time_rows_table(rows)
    print(f"read {rows:,} rows from .xlsx in {read_s:.2f} s (target < {TARGET_READ_S:g} s)")
    print(f"rows table: {rows:,} rows loaded, validated and sorted in {table_s:.2f} s "
          f"(target < {TARGET_TABLE_S:g} s)")
    ok = read_s < TARGET_READ_S and table_s < TARGET_TABLE_S
    print("OK" if ok else "TARGET MISSED")
    print("RESULT " + json.dumps({"rows": rows, "read_s": round(read_s, 3), "table_s": round(table_s, 3),
                                  "load_avg": round(os.getloadavg()[0], 2), "ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
