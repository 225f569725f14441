"""The main window is composed of controllers, not a chain of mixins, and it keeps no copy of the state:
the source, rows and reports live in ``AppContext`` alone, and every screen follows its signals."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from desktop.domain.models import Scenario
from desktop.gui.app import create_main_window
from desktop.gui.context import AppContext, RowsChange
from desktop.gui.mainwindow.window import MainWindow
from desktop.journal import Journal
from desktop.services.source import DEFAULT_SCENARIO_TAB
from desktop.settings import Settings
from tests.conftest import REPO_ROOT
from tests.gui.conftest import MessageLog, wait_idle

OpenWindow = Callable[[str | Path], MainWindow]
GUI = REPO_ROOT / "desktop" / "gui"
MAINWINDOW = GUI / "mainwindow"
SCREENSHOT = REPO_ROOT / "artifacts" / "screenshots" / "main_window_workbook_b.png"
FIRST_DATA_ROW = 3  # the demo workbook has a banner in row 1 and its headers in row 2


def _imported_from_desktop(tree: ast.Module) -> set[str]:
    """Names a module imports from desktop's own modules."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("desktop"):
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def test_the_main_window_has_no_mixin_bases_and_no_hooks() -> None:
    assert MainWindow.__bases__ == (QMainWindow,)
    for path in sorted(MAINWINDOW.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        ours = _imported_from_desktop(tree) | {
            n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {ast.unparse(base) for base in node.bases}
                assert not bases & ours, f"{path.name}: {node.name} inherits {bases & ours}"
    for path in sorted(GUI.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "NotImplementedError" not in text, f"{path.relative_to(REPO_ROOT)} has a hook to override"
    assert not (MAINWINDOW / "base.py").exists()


def test_only_the_start_up_knows_the_main_window_type() -> None:
    """The controllers and panels know the window as a QWidget: none imports the window's module."""
    importers = []
    for path in sorted(GUI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "desktop.gui.mainwindow.window":
                importers.append(path.relative_to(GUI).as_posix())
    assert importers == ["app.py"]


def test_the_context_state_is_changed_only_by_methods_that_announce_it(
    qtbot: QtBot, journal: Journal
) -> None:
    context = AppContext(journal, Settings())
    for name in ("source", "locator", "offline", "offline_since", "scenarios", "reports", "row_status"):
        with pytest.raises(AttributeError):
            setattr(context, name, None)
    changes: list[RowsChange] = []
    context.rows_changed.connect(changes.append)
    context.set_rows([Scenario(row=3, case_id="CARD-001", title="t")])
    context.set_reports({})
    assert changes == [RowsChange(), RowsChange(reports_only=True)]
    assert context.case_ids() == {3: "CARD-001"} and context.report(3) is None


def test_errors_go_to_the_reporter_that_start_up_passes_in(
    qtbot: QtBot, tmp_path: Path, message_boxes: MessageLog
) -> None:
    reported: list[tuple[str, BaseException]] = []
    missing = tmp_path / "missing.xlsx"
    window = create_main_window(str(missing), report_error=lambda doing, e: reported.append((doing, e)))
    qtbot.addWidget(window)
    wait_idle(qtbot, window)
    assert [doing for doing, _ in reported] == ["Opening"] and "missing.xlsx" in str(reported[0][1])
    assert message_boxes.shown == []
    window.close()


def _workbook_with_rows(source: Path, target: Path, rows: int) -> Path:
    """A copy of the demo workbook that keeps only its first ``rows`` data rows."""
    book = openpyxl.load_workbook(source)
    sheet = book[DEFAULT_SCENARIO_TAB]
    sheet.delete_rows(FIRST_DATA_ROW + rows, sheet.max_row)
    book.save(target)
    book.close()
    return target


def test_a_source_opened_through_the_controller_reaches_every_screen(
    qtbot: QtBot, open_window: OpenWindow, demo_copy: Path, message_boxes: MessageLog
) -> None:
    workbook_b = _workbook_with_rows(demo_copy, demo_copy.with_name("workbook-b.xlsx"), 5)
    window = open_window(demo_copy)
    wait_idle(qtbot, window)
    context, panel = window.context, window.run_side.run_panel
    assert window.model.rowCount() > 5
    for copy in ("source", "scenarios", "reports", "undo_stack"):
        assert not hasattr(window, copy), f"the window keeps its own {copy}"

    window.sources.open_source(str(workbook_b))
    wait_idle(qtbot, window)
    assert context.source is not None and context.locator == str(workbook_b)
    rows = [s.row for s in context.scenarios]
    assert rows == list(range(FIRST_DATA_ROW, FIRST_DATA_ROW + 5))
    assert [e.row for e in window.model.entries()] == rows
    assert window.windowTitle() == "SimBatch — workbook-b.xlsx"
    assert window.source_label.text() == "workbook-b.xlsx"
    assert window.summary_label.text() == "5 rows · not validated"
    box = panel.estimate_box
    qtbot.waitUntil(lambda: box.estimate is not None and box.estimate.rows == 5, timeout=10_000)

    window.changes.validate()
    wait_idle(qtbot, window)
    assert context.reports is not None and sorted(context.reports) == rows
    assert all(e.score is not None for e in window.model.entries())
    assert "5 rows · " in window.summary_label.text() and "not validated" not in window.summary_label.text()
    window.select_row(rows[0])
    scenario = context.scenario(rows[0])
    assert scenario is not None
    assert window.detail.heading.text().startswith(f"Row {rows[0]} · {scenario.case_id}")
    window.resize(1280, 640)
    qtbot.wait(50)  # one paint cycle for the screenshot
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SCREENSHOT))

    # rows replaced in the context (as after a write) show everywhere, with no copy to update
    context.set_rows(context.scenarios[1:3], None)
    assert [e.row for e in window.model.entries()] == rows[1:3]
    assert window.summary_label.text() == "2 rows · not validated"
    assert window.detail.heading.text() == "Select a row to see its vitals and issues."  # the row is gone
    box = panel.estimate_box
    qtbot.waitUntil(lambda: box.estimate is not None and box.estimate.rows == 2, timeout=10_000)
    assert message_boxes.shown == []
