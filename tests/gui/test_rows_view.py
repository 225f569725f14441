"""Rows area: status and issue filters, the selection box both ways, and the offline banner."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.gui.app import new_main_window
from desktop.gui.mainwindow.actions import Action
from desktop.gui.rows.filtering import NO_ISSUES
from desktop.journal import Journal
from tests.gui.conftest import MessageLog, wait_idle
from tests.gui.test_main_window import PLANTED_CRITICAL, OpenWindow


def test_selection_box_selects_rows_and_follows_the_table(
    qtbot: QtBot, open_window: OpenWindow, demo_copy: Path
) -> None:
    window = open_window(demo_copy)
    wait_idle(qtbot, window)
    view = window.rows_view
    view.selection_box.setText("10-12, 20")
    view.apply_selection_box()
    assert window.rows_view.selected_rows() == [10, 11, 12, 20]
    assert window.context.selected_rows() == [10, 11, 12, 20]
    window.select_row(5)
    assert view.selection_box.text() == "5"
    view.selection_box.setText("12-10")
    view.apply_selection_box()
    assert "backwards" in view.selection_error.text()


def test_issue_and_status_filters_hide_rows(qtbot: QtBot, open_window: OpenWindow, demo_copy: Path) -> None:
    window = open_window(demo_copy)
    wait_idle(qtbot, window)
    window.changes.validate()
    wait_idle(qtbot, window)
    view = window.rows_view
    total = view.proxy.rowCount()
    view.issue_filter.setCurrentIndex(view.issue_filter.findData("out_of_range"))
    shown = [
        window.model.entry(view.proxy.mapToSource(view.proxy.index(i, 0)).row()).row
        for i in range(view.proxy.rowCount())
    ]
    assert 0 < len(shown) < total and PLANTED_CRITICAL[0] in shown
    view.issue_filter.setCurrentIndex(view.issue_filter.findData(NO_ISSUES))
    assert PLANTED_CRITICAL[0] not in [
        window.model.entry(view.proxy.mapToSource(view.proxy.index(i, 0)).row()).row
        for i in range(view.proxy.rowCount())
    ]
    view.issue_filter.setCurrentIndex(0)
    view.status_filter.setCurrentIndex(view.status_filter.findData("COMPLETED"))
    assert view.proxy.rowCount() == 0  # nothing has run yet
    view.status_filter.setCurrentIndex(0)
    assert view.proxy.rowCount() == total


def test_unreachable_sheet_shows_the_cached_copy_offline(
    qtbot: QtBot, demo_copy: Path, message_boxes: MessageLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIMBATCH_SHEETS_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    sheet = "gsheet:1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"
    from desktop.services.workbook import XlsxSource

    rows = XlsxSource(demo_copy).read_scenarios().scenarios
    with Journal.open() as journal:
        journal.cache_scenarios(sheet, rows)
    window = new_main_window()
    qtbot.addWidget(window)
    window.sources.open_source(sheet)
    qtbot.waitUntil(lambda: not window.busy, timeout=60_000)
    assert window.context.offline
    assert window.banner.isVisibleTo(window)
    assert window.banner.label.text().startswith("Offline — showing the copy from ")
    assert window.model.rowCount() == len(rows)
    assert not window.action_map[Action.DEFAULTS].isEnabled()
    assert not window.action_map[Action.AUTOFIX].isEnabled()
    assert window.action_map[Action.VALIDATE].isEnabled()
    assert message_boxes.shown == []
    window.close()


def test_selecting_rows_of_a_sorted_table_makes_one_range_per_run(qtbot: QtBot) -> None:
    from PySide6.QtCore import Qt

    from desktop.domain.models import Scenario
    from desktop.gui.rows.model import RowsModel
    from desktop.gui.rows.view import RowsView

    model = RowsModel()
    view = RowsView(model)
    qtbot.addWidget(view)
    model.set_scenarios([Scenario(row=r, case_id=f"C{r}", title="t") for r in range(3, 13)])
    view.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert view.select_rows([3, 4, 5, 9, 99]) == 4  # 99 is not in the table
    assert view.selected_rows() == [3, 4, 5, 9]
    assert view.table.selectionModel().selection().count() == 2  # rows 5-3, then row 9
    current = view.table.selectionModel().currentIndex()
    assert model.entry(view.proxy.mapToSource(current).row()).row == 9  # the top one of the table


def test_needs_review_status_filter_and_badge(qtbot: QtBot, open_window: OpenWindow, demo_copy: Path) -> None:
    window = open_window(demo_copy)
    wait_idle(qtbot, window)
    journal = window.context.journal
    run_id = journal.create_run(
        kind="live", source=window.context.locator, scenario_tab="Master Scenario Convert", row_spec="37-38",
        model="gpt-4o-mini", settings={}, rows=[(37, "OBS-005"), (38, "X")],
        columns={37: {"Initial_Vitals": ["waveform"]}, 38: ["Initial_Vitals"]},
    )  # fmt: skip
    flag = {"severity": "warning", "code": "inconsistent_state", "field": "Initial_Vitals.HR", "message": "m"}
    for row, flags in ((37, [flag]), (38, [])):
        journal.mark_processing(run_id, row)
        journal.mark_completed(run_id, row, result={}, input_tokens=0, cached_tokens=0, output_tokens=0,
                               cost_usd=0.0, vitals_added=1, warnings=[], flags=flags)  # fmt: skip
    window.sources.refresh_run_info()
    qtbot.waitUntil(lambda: window.model.entry_for_row(37).status == "NEEDS_REVIEW", timeout=5_000)
    view = window.rows_view
    view.status_filter.setCurrentIndex(view.status_filter.findText("Needs review"))
    assert view.proxy.rowCount() == 1
    assert view.proxy.index(0, 0).data() == "37"
    window.resize(1200, 500)
    shots = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(shots / "rows_needs_review.png"))
