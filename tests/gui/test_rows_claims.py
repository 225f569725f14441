"""Rows a colleague's SimBatch holds on a shared Google Sheet say so in the rows table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from desktop.domain.models import Scenario
from desktop.gui.rows.columns import COL_STATUS, RunInfo
from desktop.gui.rows.model import RowsModel


def test_rows_held_by_a_colleague_show_who_and_since_when(qapp: Any, tmp_path: Path) -> None:
    model = RowsModel()
    model.set_scenarios([Scenario(row=3 + i, case_id=f"CASE-{i}", title=f"Case {i}") for i in range(4)])
    model.set_run_info({6: RunInfo("COMPLETED", 0.001, "2026-12-03T09:00:00.000Z")})
    model.set_claims(
        {"CASE-0": "in progress by Dana's PC, since 10:42", "CASE-3": "in progress by Sam's PC, since 9:15"}
    )
    assert model.data(model.index(0, COL_STATUS)) == "In progress by Dana's PC, since 10:42"
    assert "Dana's PC" in model.data(model.index(0, COL_STATUS), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(1, COL_STATUS)) == "Not run"
    assert model.data(model.index(3, COL_STATUS)) == "COMPLETED"  # our own result stays shown
    model.set_claims({})
    assert model.data(model.index(0, COL_STATUS)) == "Not run"
    model.set_claims({"CASE-0": "in progress by Dana's PC, since 10:42"})
    view = QTableView()
    view.setModel(model)
    view.resize(900, 200)
    view.resizeColumnsToContents()
    view.grab().save(str(tmp_path / "rows_claims.png"))
    assert (tmp_path / "rows_claims.png").stat().st_size > 0
