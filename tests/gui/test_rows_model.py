"""The rows table model: display, tooltips, severity badges, numeric sorting, filters, 10,000 rows.

How fast 10,000 rows load and sort is measured by bench/table_scale.py.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.domain.models import Issue, IssueCode, RowReport, Scenario, Severity
from desktop.gui.rows.columns import (
    COL_CASE,
    COL_COST,
    COL_ISSUES,
    COL_ROW,
    COL_SCORE,
    COL_SEVERITY,
    COL_STATUS,
    COL_TITLE,
    RunInfo,
)
from desktop.gui.rows.model import RowsModel
from desktop.gui.rows.sorting import RowsProxy


def _scenarios(n: int) -> list[Scenario]:
    return [Scenario(row=3 + i, case_id=f"CASE-{i:05d}", title=f"Case {i}") for i in range(n)]


def _announced(model: RowsModel) -> list[tuple[int, int]]:
    """The (model row, column) of each cell ``model`` announces from now on; each announcement is one cell."""
    cells: list[tuple[int, int]] = []

    def seen(first: Any, last: Any, *_roles: Any) -> None:
        assert (first.row(), first.column()) == (last.row(), last.column())
        cells.append((first.row(), first.column()))

    model.dataChanged.connect(seen)
    return cells


def _report(row: int, score: int, *severities: Severity) -> RowReport:
    issues = [Issue(s, IssueCode.OUT_OF_RANGE, "Initial_Vitals.HR", "HR out of range.") for s in severities]
    return RowReport(row=row, case_id="", score=score, issues=issues)


def test_rows_show_placeholders_until_validated(qapp: Any) -> None:
    model = RowsModel()
    model.set_scenarios(_scenarios(3))
    assert model.rowCount() == 3 and model.columnCount() == 9
    assert model.data(model.index(0, COL_ROW)) == "3"
    assert model.data(model.index(0, COL_SCORE)) == "—"
    assert model.data(model.index(0, COL_STATUS)) == "Not run"
    assert "press Validate" in model.data(model.index(0, COL_SCORE), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(0, COL_SEVERITY), Qt.ItemDataRole.DecorationRole) is None


def test_reports_fill_score_issues_and_worst_severity(qapp: Any) -> None:
    model = RowsModel()
    model.set_scenarios(_scenarios(3))
    changed = _announced(model)
    model.set_reports([
        _report(3, 130),
        _report(4, 90, Severity.WARNING, Severity.CRITICAL, Severity.CRITICAL),
        _report(99, 10, Severity.CRITICAL),  # not loaded: ignored
    ])
    assert changed == [(row, column) for row in (0, 1) for column in (COL_SCORE, COL_ISSUES, COL_SEVERITY)]
    assert model.data(model.index(0, COL_SEVERITY)) == "ok"
    assert model.data(model.index(1, COL_SCORE)) == "90"
    assert model.data(model.index(1, COL_ISSUES)) == "3"
    assert model.entry(1).severity == "critical"
    assert model.data(model.index(1, COL_SEVERITY), Qt.ItemDataRole.DecorationRole) is not None
    tip = model.data(model.index(1, COL_ISSUES), Qt.ItemDataRole.ToolTipRole)
    assert tip == "3 issues: 2 critical, 1 warning"
    assert model.data(model.index(2, COL_SCORE)) == "—"


def test_sorting_is_numeric_and_by_severity_rank(qapp: Any) -> None:
    model = RowsModel()
    model.set_scenarios(_scenarios(4))
    model.set_reports([
        _report(3, 9), _report(4, 100, Severity.INFO), _report(5, 20, Severity.CRITICAL),
        _report(6, 130, Severity.WARNING),
    ])
    proxy = RowsProxy()
    proxy.setSourceModel(model)
    proxy.sort(COL_SCORE, Qt.SortOrder.DescendingOrder)
    assert [proxy.data(proxy.index(i, COL_SCORE)) for i in range(4)] == ["130", "100", "20", "9"]
    proxy.sort(COL_SEVERITY, Qt.SortOrder.DescendingOrder)
    assert [proxy.data(proxy.index(i, COL_SEVERITY)) for i in range(4)] == [
        "critical", "warning", "info", "ok",
    ]


def test_ten_thousand_rows_load_validate_and_sort(qapp: Any, qtbot: QtBot) -> None:
    scenarios = _scenarios(10_000)
    reports = [_report(s.row, (s.row * 37) % 131, Severity.WARNING) for s in scenarios]
    model = RowsModel()
    proxy = RowsProxy()
    proxy.setSourceModel(model)
    model.set_scenarios(scenarios)
    model.set_reports(reports)
    assert not model.cells_current  # stored a slice at a time, between turns of the event loop
    qtbot.waitUntil(lambda: model.cells_current, timeout=10_000)
    proxy.sort(COL_SCORE, Qt.SortOrder.AscendingOrder)
    assert proxy.rowCount() == 10_000
    scores = [int(proxy.data(proxy.index(i, COL_SCORE))) for i in range(0, 10_000, 500)]
    assert scores == sorted(scores)


def test_last_run_is_a_compact_local_date_and_time() -> None:
    from desktop.gui.rows.cells import compact_time

    assert compact_time("") == ""
    text = compact_time("2026-11-29T02:04:34.123Z")
    assert len(text) <= len("30 May 00:00") and text.count(":") == 1
    assert compact_time("2026-01-05T09:07:00") == "5 Jan 09:07"


def test_cost_column_never_shows_zero_for_a_row_that_cost_something(qapp: Any) -> None:
    from desktop.gui.rows.columns import COL_COST, RunInfo

    model = RowsModel()
    model.set_scenarios(_scenarios(5))
    costs = {3: 0.0, 4: 0.00002, 5: 0.00005, 6: 0.01234}
    model.set_run_info({row: RunInfo("COMPLETED", cost, "2026-01-05T09:07") for row, cost in costs.items()})
    shown = [model.data(model.index(i, COL_COST)) for i in range(5)]
    assert shown == ["$0", "< $0.0001", "$0.0001", "$0.0123", ""]  # the last row was never run


def test_a_run_status_repaints_only_its_row_and_keeps_cost_and_last_run(qapp: Any, qtbot: QtBot) -> None:
    from desktop.gui.rows.columns import RunInfo

    model = RowsModel()
    model.set_scenarios(_scenarios(3))
    model.set_run_info({4: RunInfo("COMPLETED", 0.01, "2026-01-05T09:07")})
    changed = _announced(model)
    model.set_row_statuses([(4, "PROCESSING")])
    model.set_row_statuses([(3, "PENDING")])
    model.set_row_statuses([(99, "PENDING")])  # not loaded: ignored
    assert changed == []  # gathered, shown together a moment later
    qtbot.waitUntil(lambda: bool(changed), timeout=1000)
    # only the cells that changed are repainted: the statuses, and the cost of row 3 (never run: $0)
    assert changed == [(0, COL_STATUS), (0, COL_COST), (1, COL_STATUS)]
    again = model.entry_for_row(4)
    assert again is not None and (again.status, again.cost, again.last_run) == (
        "PROCESSING", 0.01, "2026-01-05T09:07"
    )
    fresh = model.entry_for_row(3)
    assert fresh is not None and (fresh.status, fresh.cost, fresh.last_run) == ("PENDING", 0.0, "")


def test_reading_the_same_rows_again_keeps_run_columns_and_updates_in_place(qapp: Any) -> None:
    model = RowsModel()
    model.set_scenarios(_scenarios(3))
    model.set_reports([_report(3, 90, Severity.WARNING)])
    model.set_run_info({3: RunInfo("COMPLETED", 0.002, "2026-11-29T05:00:00.000Z")})
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    changed = _announced(model)

    fresh = [Scenario(row=s.row, case_id=s.case_id, title=f"Renamed {s.row}") for s in _scenarios(3)]
    model.set_scenarios(fresh, keep_run_info=True)

    # only the cells that changed are announced (titles; row 3's validation), never the Row column (the
    # sorted view would sort every row again); run columns stay
    assert resets == [] and changed == [
        (0, COL_TITLE), (0, COL_SCORE), (0, COL_ISSUES), (0, COL_SEVERITY), (1, COL_TITLE), (2, COL_TITLE)
    ]
    entry = model.entry_for_row(3)
    assert entry is not None and (entry.status, entry.cost) == ("COMPLETED", 0.002)
    assert entry.title == "Renamed 3" and entry.score is None  # new cells; validation is cleared

    changed.clear()  # read again with reports: only the cells that look different
    model.set_scenarios(fresh, keep_run_info=True, reports={4: _report(4, 70, Severity.WARNING)})
    assert changed == [(1, COL_SCORE), (1, COL_ISSUES), (1, COL_SEVERITY)]
    again = model.entry_for_row(4)
    assert again is not None and again.score == 70 and again.title == "Renamed 4"

    model.set_scenarios(_scenarios(4), keep_run_info=True)  # a row was added: a full reset
    assert resets == [True]
    assert model.data(model.index(0, COL_STATUS)) == "Not run"


def test_run_news_for_many_rows_is_shown_at_once_in_the_cells_that_changed(qapp: Any) -> None:
    model = RowsModel()
    model.set_scenarios(_scenarios(10))  # sheet rows 3-12
    model.set_run_info({4: RunInfo("COMPLETED", 0.01, "2026-01-05T09:07")})
    changed = _announced(model)
    for row in (3, 4, 5, 6, 9, 10, 12):
        model.set_row_statuses([(row, "PENDING")])
    model.set_row_statuses([(4, "PROCESSING")])  # the latest news of a row wins
    model.flush_row_status()
    # each row's status, once; the rows never run before also show their cost so far ($0)
    assert changed == [(0, COL_STATUS), (0, COL_COST), (1, COL_STATUS)] + [
        (row, column) for row in (2, 3, 6, 7, 9) for column in (COL_STATUS, COL_COST)
    ]
    assert [e.status for e in model.entries()][:3] == ["PENDING", "PROCESSING", "PENDING"]
    model.set_row_statuses([(5, "COMPLETED")])
    entry = model.entry_for_row(5)  # a lookup sees the news at once
    assert entry is not None and entry.status == "COMPLETED"


def test_flagged_rows_show_needs_review_with_a_badge_and_filter(qapp: Any) -> None:
    from desktop.gui.rows.columns import COL_STATUS, RunInfo
    from desktop.gui.rows.sorting import RowsProxy
    from desktop.journal import NEEDS_REVIEW, Journal

    flag = {"severity": "warning", "code": "atypical_value", "field": "Initial_Vitals.SpO2", "message": "m"}
    with Journal.open() as journal:
        run_id = journal.create_run(
            kind="live", source="book.xlsx", scenario_tab="T", row_spec="3-5", model="m", settings={},
            rows=[(3, "A"), (4, "B"), (5, "C")], columns={3: ["Initial_Vitals"], 4: ["Initial_Vitals"]},
        )  # fmt: skip
        for row, flags in ((3, [flag]), (4, [])):
            journal.mark_processing(run_id, row)
            journal.mark_completed(
                run_id, row, result={}, input_tokens=0, cached_tokens=0, output_tokens=0, cost_usd=0.0,
                vitals_added=0, warnings=[], flags=flags,
            )  # fmt: skip
        info = journal.latest_row_runs("book.xlsx")
    assert info[3][0] == NEEDS_REVIEW and info[4][0] == "COMPLETED" and info[5][0] == "PENDING"
    model = RowsModel()
    model.set_scenarios(_scenarios(3))
    model.set_run_info({row: RunInfo(*value) for row, value in info.items()})
    status = model.index(0, COL_STATUS)
    assert model.data(status) == "Needs review"
    assert model.data(status, Qt.ItemDataRole.DecorationRole) is not None
    assert model.data(model.index(1, COL_STATUS), Qt.ItemDataRole.DecorationRole) is None
    proxy = RowsProxy()
    proxy.setSourceModel(model)
    proxy.set_status_filter(NEEDS_REVIEW)
    assert proxy.rowCount() == 1 and proxy.index(0, 0).data() == "3"




def test_sorted_rows_follow_changed_values(qapp: Any) -> None:
    model = RowsModel()
    proxy = RowsProxy()
    proxy.setSourceModel(model)
    model.set_scenarios(_scenarios(4))
    model.set_reports([_report(3, 50), _report(4, 10), _report(5, 30), _report(6, 20)])
    proxy.sort(COL_SCORE, Qt.SortOrder.AscendingOrder)
    assert [proxy.data(proxy.index(i, COL_ROW)) for i in range(4)] == ["4", "6", "5", "3"]
    model.set_reports([_report(4, 90)])  # the lowest becomes the highest: the view re-sorts
    assert [proxy.data(proxy.index(i, COL_ROW)) for i in range(4)] == ["6", "5", "3", "4"]
    model.set_scenarios(_scenarios(2))  # fewer rows: no rank of the old rows is used
    proxy.sort(COL_CASE, Qt.SortOrder.DescendingOrder)
    assert [proxy.data(proxy.index(i, COL_CASE)) for i in range(2)] == ["CASE-00001", "CASE-00000"]


def test_sorting_by_status_leaves_gathered_run_news_for_its_own_update(qapp: Any) -> None:
    model = RowsModel()
    proxy = RowsProxy()
    proxy.setSourceModel(model)
    model.set_scenarios(_scenarios(3))
    changes: list[int] = []
    model.dataChanged.connect(lambda top, _bottom, _roles=None: changes.append(top.row()))
    model.set_row_statuses([(4, "FAILED")])  # gathered for STATUS_BATCH_MS, not shown yet
    proxy.sort(COL_STATUS, Qt.SortOrder.AscendingOrder)
    assert changes == []  # the sort announced nothing
    assert [proxy.data(proxy.index(i, COL_ROW)) for i in range(3)] == ["3", "4", "5"]
    model.flush_row_status()
    assert [proxy.data(proxy.index(i, COL_STATUS)) for i in range(3)] == ["FAILED", "Not run", "Not run"]


def test_status_filter_follows_run_news_while_it_is_shown(qapp: Any) -> None:
    model = RowsModel()
    model.set_scenarios(_scenarios(4))  # sheet rows 3-6
    proxy = RowsProxy()
    proxy.setSourceModel(model)
    proxy.sort(COL_ROW, Qt.SortOrder.AscendingOrder)
    proxy.set_status_filter("COMPLETED")
    assert proxy.rowCount() == 0
    for row in (4, 6):
        model.set_row_statuses([(row, "COMPLETED")])
    model.flush_row_status()  # announced for the status columns only: the filter still sees it
    assert [proxy.index(i, COL_ROW).data() for i in range(proxy.rowCount())] == ["4", "6"]
    model.set_row_statuses([(4, "FAILED")])
    model.flush_row_status()
    assert [proxy.index(i, COL_ROW).data() for i in range(proxy.rowCount())] == ["6"]


def test_issue_filter_matches_whole_codes_and_combines_with_status(qapp: Any) -> None:
    from desktop.gui.rows.filtering import ANY, NO_ISSUES

    model = RowsModel()
    model.set_scenarios(_scenarios(3))
    issue = Issue(Severity.WARNING, IssueCode.OUT_OF_RANGE, "Initial_Vitals.HR", "HR out of range.")
    model.set_reports([RowReport(row=3, case_id="", score=90, issues=[issue]), _report(4, 130)])
    model.set_run_info({3: RunInfo("FAILED", 0.0, "2026-01-05T09:07")})
    proxy = RowsProxy()
    proxy.setSourceModel(model)
    shown = lambda: [proxy.index(i, COL_ROW).data() for i in range(proxy.rowCount())]  # noqa: E731
    proxy.set_issue_filter(IssueCode.OUT_OF_RANGE.value)
    assert shown() == ["3"]
    proxy.set_issue_filter(IssueCode.OUT_OF_RANGE.value[:-1])  # a code's prefix is another code
    assert shown() == []
    proxy.set_issue_filter(NO_ISSUES)  # row 5 is not validated: no issues found either
    assert shown() == ["4", "5"]
    proxy.set_issue_filter(IssueCode.OUT_OF_RANGE.value)
    proxy.set_status_filter("COMPLETED")
    assert shown() == []
    proxy.set_status_filter("FAILED")
    assert shown() == ["3"]
    proxy.set_status_filter(ANY)
    proxy.set_issue_filter(ANY)
    assert shown() == ["3", "4", "5"]


def test_showing_run_news_and_painting_the_table_call_no_python(qapp: Any, qtbot: QtBot) -> None:
    """Qt reads the stored cells: during a run every call from Qt into Python would wait for the
    interpreter lock held by the workers (a repaint took 100-300 ms of the GUI thread that way)."""
    import sys
    from types import FrameType

    from desktop.gui.rows.view import RowsView

    model = RowsModel()
    model.set_scenarios(_scenarios(300))
    view = RowsView(model)
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    view.proxy.set_status_filter("")  # an empty filter, as in a run
    for row in range(3, 303):
        model.set_row_statuses([(row, "PROCESSING")])
    called: list[str] = []

    def profile(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call" and frame.f_code.co_name in {
            "data", "index", "rowCount", "columnCount", "headerData", "flags", "filterAcceptsRow", "lessThan",
        }:
            called.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        model.flush_row_status()
        view.table.viewport().repaint()
        view.proxy.sort(COL_STATUS, Qt.SortOrder.DescendingOrder)
        view.table.viewport().repaint()
    finally:
        sys.setprofile(None)
    assert called == []
    assert view.proxy.index(0, COL_STATUS).data() == "PROCESSING"


def test_a_large_change_is_stored_a_slice_per_turn_of_the_event_loop(qapp: Any, qtbot: QtBot) -> None:
    from desktop.gui.rows.model import SLICE_ROWS

    model = RowsModel()
    model.set_scenarios(_scenarios(4 * SLICE_ROWS))
    announced = _announced(model)
    done = RunInfo("COMPLETED", 0.001, "2026-01-05T09:07")
    model.set_run_info({s.row: done for s in _scenarios(4 * SLICE_ROWS)})
    rows = lambda: {row for row, _column in announced}  # noqa: E731
    assert rows() == set(range(SLICE_ROWS)) and not model.cells_current  # the rest waits for the next turns
    assert model.entry(4 * SLICE_ROWS - 1).status == "COMPLETED"  # the entries are current at once
    qtbot.waitUntil(lambda: model.cells_current, timeout=5000)
    assert rows() == set(range(4 * SLICE_ROWS))
    assert model.data(model.index(4 * SLICE_ROWS - 1, COL_STATUS)) == "COMPLETED"


def test_a_row_changed_and_back_before_it_is_shown_announces_nothing(qapp: Any) -> None:
    from desktop.gui.rows.model import SLICE_ROWS

    model = RowsModel()
    model.set_scenarios(_scenarios(SLICE_ROWS + 1))
    last = 3 + SLICE_ROWS  # the sheet row of the last model row: its change waits for the next turn
    model.set_run_info({s.row: RunInfo("FAILED", 0.0, "") for s in _scenarios(SLICE_ROWS + 1)})
    announced: list[int] = []
    model.dataChanged.connect(lambda first, *_r: announced.append(first.row()))
    model.set_run_info({s.row: RunInfo("FAILED", 0.0, "") for s in _scenarios(SLICE_ROWS)})  # last: not run
    assert model.cells_current and announced == []  # stored cells already say "Not run" for it
    assert model.entry_for_row(last) is not None
    assert model.data(model.index(SLICE_ROWS, COL_STATUS)) == "Not run"


def test_news_for_many_rows_is_taken_in_a_share_per_turn(qapp: Any, qtbot: QtBot) -> None:
    """At a run's start every row turns PENDING at once; taken in at once that was 5-10 ms of CPU."""
    from desktop.gui.rows.model import NEWS_PER_TURN

    model = RowsModel()
    model.set_scenarios(_scenarios(3 * NEWS_PER_TURN))
    for scenario in _scenarios(3 * NEWS_PER_TURN):
        model.set_row_statuses([(scenario.row, "PENDING")])
    statuses = lambda: [model.entry(i).status for i in range(3 * NEWS_PER_TURN)]  # noqa: E731
    first: list[int] = []
    model.dataChanged.connect(lambda *_a: first or first.append(statuses().count("PENDING")))
    qtbot.waitUntil(lambda: bool(first), timeout=2000)
    assert first == [NEWS_PER_TURN]  # the first share shown; the rest in the next turns
    qtbot.waitUntil(lambda: statuses().count("PENDING") == 3 * NEWS_PER_TURN, timeout=2000)
    model.set_row_statuses([(3, "COMPLETED")])
    again = model.entry_for_row(3)
    assert again is not None and again.status == "COMPLETED"


def test_storing_run_news_makes_no_call_that_lets_go_of_the_interpreter_lock(qapp: Any) -> None:
    """``index()`` and a ``dataChanged.emit`` from Python let go of the interpreter lock; during a run the
    GUI thread then got it back only after the workers' turn, 4-6 ms per slice of rows. Cells are found
    with ``item()`` and announced by Qt's own ``emitDataChanged``."""
    import sys
    from types import FrameType

    from desktop.gui.rows.model import SLICE_ROWS

    model = RowsModel()
    model.set_scenarios(_scenarios(SLICE_ROWS))
    announced = _announced(model)
    for scenario in _scenarios(SLICE_ROWS):
        model.set_row_statuses([(scenario.row, "PROCESSING")])
    calls: list[str] = []

    def profile(_frame: FrameType, event: str, arg: object) -> None:
        if event == "c_call":
            calls.append(getattr(arg, "__name__", ""))

    sys.setprofile(profile)
    try:
        model.flush_row_status()
    finally:
        sys.setprofile(None)
    assert model.cells_current and {row for row, _column in announced} == set(range(SLICE_ROWS))
    assert "setData" in calls and "emitDataChanged" in calls  # the profile saw the cells stored
    assert [name for name in calls if name in {"index", "emit", "setItemData"}] == []
