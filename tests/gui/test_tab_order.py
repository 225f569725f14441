"""Tab order: pressing Tab from the first field of each dialog and panel visits its inputs in the order
they are drawn, top to bottom and left to right."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.domain.models import CellChange
from desktop.gui.dialogs.settings_dialog import SettingsDialog
from desktop.gui.dialogs.welcome import WelcomeDialog
from desktop.gui.mainwindow.window import MainWindow
from desktop.gui.rows.change_preview import ChangePlan, ChangePreviewDialog
from desktop.journal import RunKind
from tests.gui.conftest import wait_idle


def _focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    parent = widget.parentWidget()
    # The line edit inside a spin box or an editable combo box stands for its owner.
    return parent if isinstance(parent, QAbstractSpinBox | QComboBox) else widget


def tab_walk(qtbot: QtBot, root: QWidget, first: QWidget, limit: int = 60) -> list[QWidget]:
    """The widgets Tab reaches from ``first`` until it leaves ``root`` or comes back to ``first``."""
    root.window().activateWindow()
    first.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: _focused() is first, timeout=5_000)
    walked = [first]
    for _ in range(limit):
        _focused().focusNextChild()
        widget = _focused()
        if widget is first or not root.isAncestorOf(widget):
            break
        walked.append(widget)
    return walked


def _rect(root: QWidget, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(root, QPoint(0, 0)), widget.size())


def _visual(root: QWidget, a: QWidget, b: QWidget) -> int:
    """-1 when ``a`` is drawn before ``b``: above it, or on the same line and to its left."""
    ra, rb = _rect(root, a), _rect(root, b)
    overlap = min(ra.bottom(), rb.bottom()) - max(ra.top(), rb.top())
    if overlap * 2 >= min(ra.height(), rb.height()):  # on one line
        return -1 if ra.left() < rb.left() else 1
    return -1 if ra.center().y() < rb.center().y() else 1


def _name(widget: QWidget) -> str:
    text = getattr(widget, "text", None)
    label = text() if callable(text) else ""
    return f"{type(widget).__name__} {label!r}" if isinstance(label, str) and label else type(widget).__name__


def assert_tab_order(qtbot: QtBot, root: QWidget, inputs: list[QWidget]) -> None:
    """Tab from the first input visits every input, in the order they are drawn."""
    assert all(w.isVisible() for w in inputs), [type(w).__name__ for w in inputs if not w.isVisible()]
    walked = tab_walk(qtbot, root, inputs[0])
    names = [_name(w) for w in walked]
    missing = [type(w).__name__ for w in inputs if w not in walked]
    assert not missing, f"Tab never reaches {missing}; it goes {names}"
    visual = sorted(walked, key=functools.cmp_to_key(functools.partial(_visual, root)))
    assert walked == visual, f"Tab goes {names}, drawn order is {[_name(w) for w in visual]}"


def test_welcome(qtbot: QtBot) -> None:
    dialog = WelcomeDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    inputs = [dialog.demo_button, dialog.file_button, dialog.link_edit, dialog.link_button,
              dialog.sign_in_button]
    assert_tab_order(qtbot, dialog, inputs)


def test_settings(qtbot: QtBot, demo_copy: Path, open_window: Callable[[str | Path], MainWindow]) -> None:
    window = open_window(demo_copy)
    wait_idle(qtbot, window)
    dialog = SettingsDialog(window.context.settings, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    inputs = [dialog.provider_box.openai_radio,
              dialog.key_edit, dialog.test_button, dialog.endpoint_edit, dialog.model_edit,
              dialog.workers_spin, dialog.rpm_spin, dialog.tpm_spin, dialog.tab_edit, dialog.overwrite_check,
              dialog.prices, dialog.google.button]
    assert_tab_order(qtbot, dialog, inputs)


def test_change_preview(qtbot: QtBot) -> None:
    change = CellChange(row=3, column="Initial_Vitals", old="", new='{"HR": 80}')
    dialog = ChangePreviewDialog(ChangePlan(RunKind.DEFAULTS, [change]), {3: "CARD-001"})
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert_tab_order(qtbot, dialog, [dialog.table, dialog.apply_button])


def test_run_side_panels_and_review(
    qtbot: QtBot, demo_copy: Path, open_window: Callable[[str | Path], MainWindow]
) -> None:
    window = open_window(demo_copy)
    wait_idle(qtbot, window)
    qtbot.waitExposed(window)
    side = window.run_side
    run = side.run_panel
    window.tabs.setCurrentWidget(run)
    assert_tab_order(qtbot, run, [run.mode, run.model, run.workers, run.start_button])

    batches = side.batches_panel
    window.tabs.setCurrentWidget(batches)
    assert_tab_order(qtbot, batches, [batches.table])

    review = window.review
    window.tabs.setCurrentWidget(review)
    assert_tab_order(qtbot, review, [review.run_box, review.refresh_button, review.rows_list, review.table])
