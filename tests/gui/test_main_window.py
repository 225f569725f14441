"""The main window on a copy of the demo workbook: load, validate, details, defaults, errors."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from pytestqt.qtbot import QtBot

from desktop.gui.app import new_main_window
from desktop.gui.mainwindow.actions import Action
from desktop.gui.mainwindow.window import MainWindow
from desktop.gui.qt.workers import run_task
from desktop.gui.rows.columns import COL_SCORE
from desktop.journal import Journal
from desktop.services.source import DEFAULT_SCENARIO_TAB
from tests.conftest import REPO_ROOT
from tests.gui.conftest import MessageLog, wait_idle

OpenWindow = Callable[[str | Path], MainWindow]

SCREENSHOT = REPO_ROOT / "artifacts" / "screenshots" / "main_window.png"
HEADER_ROW = 2  # the demo workbook has a banner in row 1 and its headers in row 2

#: Rows of the demo workbook with planted critical problems (resources/demo/PLANTED.md).
PLANTED_CRITICAL: tuple[int, ...] = (19, 14, 30, 32, 43)  # out of range, missing, broken JSON
#: A planted row whose Initial_Vitals lacks fields that clinical defaults fill.
PLANTED_MISSING_ROW = 14  # Initial_Vitals has no RR and no waveform
#: Rows that PLANTED.md lists as complete and clean.
CLEAN_ROWS: tuple[int, ...] = (
    3, 4, 5, 9, 10, 11, 15, 16, 17, 21, 22, 23, 27, 28, 29, 33, 34, 35, 39, 40, 41, 45, 46, 47,
)


def workbook_data_rows(path: Path) -> list[int]:
    """Row numbers below the header row that hold anything, read straight from the file."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[DEFAULT_SCENARIO_TAB]
        return [
            n
            for n, cells in enumerate(ws.iter_rows(values_only=True), start=1)
            if n > HEADER_ROW and any(c not in (None, "") for c in cells)
        ]
    finally:
        wb.close()


def initial_vitals(path: Path, row: int) -> dict[str, object]:
    """The Initial_Vitals JSON of one row, read straight from the file."""
    wb = openpyxl.load_workbook(path, data_only=True)
    try:
        ws = wb[DEFAULT_SCENARIO_TAB]
        headers = [str(c.value or "") for c in ws[HEADER_ROW]]
        raw = ws.cell(row=row, column=headers.index("Initial_Vitals") + 1).value
    finally:
        wb.close()
    data = json.loads(str(raw)) if raw else {}
    assert isinstance(data, dict)
    return data


def loaded_window(qtbot: QtBot, open_window: OpenWindow, path: Path) -> MainWindow:
    window = open_window(path)
    wait_idle(qtbot, window)
    return window


def validated_window(qtbot: QtBot, open_window: OpenWindow, path: Path) -> MainWindow:
    window = loaded_window(qtbot, open_window, path)
    window.action_map[Action.VALIDATE].trigger()
    qtbot.waitUntil(lambda: window.context.reports is not None and not window.busy, timeout=15_000)
    return window


def test_opening_shows_every_data_row_and_disables_actions_while_loading(
    qtbot: QtBot, open_window: OpenWindow, demo_copy: Path, message_boxes: MessageLog
) -> None:
    window = open_window(demo_copy)
    assert window.busy
    assert window.background.progress_bar.isVisible()
    assert not window.action_map[Action.OPEN].isEnabled()
    assert not window.action_map[Action.VALIDATE].isEnabled()
    assert not window.action_map[Action.DEFAULTS].isEnabled()
    wait_idle(qtbot, window)

    rows = workbook_data_rows(demo_copy)
    assert rows, "the demo workbook has data rows"
    assert window.model.rowCount() == len(rows)
    assert [e.row for e in window.model.entries()] == rows
    assert window.windowTitle() == "SimBatch — scenarios.xlsx"
    assert window.source_label.text() == "scenarios.xlsx"
    assert window.summary_label.text() == f"{len(rows)} rows · not validated"
    assert window.action_map[Action.VALIDATE].isEnabled() and window.action_map[Action.DEFAULTS].isEnabled()
    assert not window.background.progress_bar.isVisible()
    assert message_boxes.shown == []


def test_validate_fills_scores_and_flags_planted_rows(
    qtbot: QtBot, open_window: OpenWindow, demo_copy: Path, message_boxes: MessageLog
) -> None:
    window = validated_window(qtbot, open_window, demo_copy)
    entries = {e.row: e for e in window.model.entries()}
    assert all(e.score is not None for e in entries.values())
    model = window.model
    shown_scores = [model.data(model.index(i, COL_SCORE)) for i in range(model.rowCount())]
    assert all(s.isdigit() for s in shown_scores)
    for row in PLANTED_CRITICAL:
        assert entries[row].critical > 0, f"row {row} should show critical issues"
        assert entries[row].severity == "critical"
    for row in CLEAN_ROWS:
        assert entries[row].critical == 0, f"clean row {row} shows critical issues"
    total_critical = sum(e.critical for e in entries.values())
    assert re.fullmatch(
        rf"{len(entries)} rows · {total_critical} critical · \d+ warnings · average score [\d.]+",
        window.summary_label.text(),
    )
    assert message_boxes.shown == []

    window.resize(1400, 800)
    window.select_row(PLANTED_CRITICAL[0])
    qtbot.wait(50)  # one paint cycle for the screenshot
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SCREENSHOT))


def test_detail_pane_shows_vitals_and_issues_of_the_selected_row(
    qtbot: QtBot, open_window: OpenWindow, demo_copy: Path
) -> None:
    window = validated_window(qtbot, open_window, demo_copy)
    row = PLANTED_CRITICAL[0]
    window.select_row(row)
    scenario = window.context.scenario(row)
    assert scenario is not None
    assert window.rows_view.selected_rows() == [row]
    assert window.detail.heading.text().startswith(f"Row {row} · {scenario.case_id}")
    assert "Initial_Vitals:" in window.detail.vitals_view.toPlainText()
    texts = window.detail.issue_texts()
    assert texts and texts[0].startswith("Critical — ")
    report = window.context.reports[row] if window.context.reports else None
    assert report is not None and len(texts) == len(report.issues)

    window.rows_view.table.selectAll()
    assert window.detail.heading.text() == f"{window.model.rowCount()} rows selected."


def test_add_defaults_previews_then_writes_on_apply_and_revalidates(
    qtbot: QtBot, open_window: OpenWindow, demo_copy: Path, message_boxes: MessageLog
) -> None:
    row = PLANTED_MISSING_ROW
    before = initial_vitals(demo_copy, row)
    window = validated_window(qtbot, open_window, demo_copy)
    window.select_row(row)
    window.action_map[Action.DEFAULTS].trigger()
    qtbot.waitUntil(lambda: window.changes.preview is not None, timeout=10_000)
    dialog = window.changes.preview
    assert dialog is not None
    preview = dialog.row_texts()
    assert preview and {r[0] for r in preview} == {str(row)}
    initial = next(r for r in preview if r[2] == "Initial_Vitals")
    added = initial[3].split(", ")
    assert added and all(before.get(name) in (None, "") for name in added)
    assert initial_vitals(demo_copy, row) == before, "nothing is written before Apply"

    dialog.apply_button.click()
    qtbot.waitUntil(lambda: window.context.reports is not None and not window.busy, timeout=15_000)
    after = initial_vitals(demo_copy, row)
    for name in added:
        assert after.get(name) not in (None, ""), f"{name} was not filled in the workbook"
    for name, value in before.items():
        if value not in (None, ""):
            assert after[name] == value, f"present field {name} changed"
    assert window.context.reports is not None
    assert window.context.reports[row].score >= 0
    assert message_boxes.shown == []


def test_cancelling_the_preview_writes_nothing(
    qtbot: QtBot, open_window: OpenWindow, demo_copy: Path
) -> None:
    window = loaded_window(qtbot, open_window, demo_copy)
    original = demo_copy.read_bytes()
    window.select_row(PLANTED_MISSING_ROW)
    window.action_map[Action.DEFAULTS].trigger()
    qtbot.waitUntil(lambda: window.changes.preview is not None, timeout=10_000)
    dialog = window.changes.preview
    assert dialog is not None
    dialog.reject()
    qtbot.waitUntil(lambda: window.changes.preview is None, timeout=5_000)
    assert not window.busy
    assert demo_copy.read_bytes() == original


def test_opening_a_missing_file_shows_one_sentence(
    qtbot: QtBot, open_window: OpenWindow, tmp_path: Path, message_boxes: MessageLog
) -> None:
    missing = tmp_path / "nowhere.xlsx"
    window = open_window(missing)
    qtbot.waitUntil(lambda: bool(message_boxes.shown), timeout=10_000)
    assert message_boxes.texts("critical") == [f"The workbook {str(missing)!r} does not exist."]
    assert not window.busy
    assert window.model.rowCount() == 0
    assert window.action_map[Action.OPEN].isEnabled()
    assert not window.action_map[Action.VALIDATE].isEnabled()


def test_a_file_that_is_not_a_workbook_is_reported_without_a_traceback(
    qtbot: QtBot, open_window: OpenWindow, tmp_path: Path, message_boxes: MessageLog
) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_text("this is not a zip file", encoding="utf-8")
    open_window(broken)
    qtbot.waitUntil(lambda: bool(message_boxes.shown), timeout=10_000)
    [text] = message_boxes.texts("critical")
    assert "Traceback" not in text and "\n" not in text.strip()


@pytest.mark.parametrize("shortcut", ["F5", "Ctrl+Shift+V"])
def test_validate_shortcuts(qapp: object, shortcut: str) -> None:
    window = new_main_window()
    try:
        assert shortcut in [s.toString() for s in window.action_map[Action.VALIDATE].shortcuts()]
        assert window.action_map[Action.OPEN].shortcut().toString() == "Ctrl+O"
        assert window.action_map[Action.DEFAULTS].shortcut().toString() == "Ctrl+D"
    finally:
        window.close()
        window.deleteLater()


def test_add_defaults_on_a_complete_row_says_there_is_nothing_to_add(
    qtbot: QtBot, open_window: OpenWindow, demo_copy: Path, message_boxes: MessageLog
) -> None:
    window = loaded_window(qtbot, open_window, demo_copy)
    original = demo_copy.read_bytes()
    window.select_row(CLEAN_ROWS[0])
    window.action_map[Action.DEFAULTS].trigger()
    qtbot.waitUntil(lambda: not window.busy, timeout=10_000)
    assert window.changes.preview is None
    assert window.statusBar().currentMessage().startswith("Nothing to add")
    assert demo_copy.read_bytes() == original
    assert message_boxes.shown == []


def test_closing_while_loading_cancels_quietly(
    qtbot: QtBot, open_window: OpenWindow, demo_copy: Path, message_boxes: MessageLog
) -> None:
    window = open_window(demo_copy)
    assert window.busy
    window.close()
    assert not window.busy
    qtbot.wait(200)  # let a late delivery arrive: it must be dropped
    assert window.model.rowCount() == 0
    assert message_boxes.shown == []


def test_closing_waits_for_background_work_before_closing_the_journal(qtbot: QtBot) -> None:
    window = new_main_window()  # owns its journal: closing the window closes it
    qtbot.addWidget(window)
    window.run_side.batches_panel.timer.start()
    seen: list[int] = []
    errors: list[BaseException] = []

    def slow_read(journal: Journal) -> None:
        time.sleep(0.5)  # still reading when the window closes
        seen.append(len(journal.list_runs()))

    journal = window.context.journal
    run_task(lambda _ctx: slow_read(journal), on_result=lambda _value: None, on_error=errors.append)
    window.close()

    assert seen == [0] and errors == []
    assert not window.run_side.batches_panel.timer.isActive()
