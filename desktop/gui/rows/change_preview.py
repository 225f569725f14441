"""Preview of cell changes (clinical defaults or auto-fix) before anything is written.

Every cell is listed — row, column, what changes, old → new — and nothing is written unless the user
presses Apply. The same dialog serves both kinds; only the title and the "what changes" text differ.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.app.text import format_count
from desktop.domain.autofix import auto_fix
from desktop.domain.models import CellChange, CellValue, Fix, Scenario
from desktop.journal import RunKind

PREVIEW_COLUMNS = ("Row", "Case ID", "Column", "What changes", "Old", "New")


@dataclass(slots=True)
class ChangePlan:
    """Planned cell changes of one kind, with the field-level fixes that explain them (auto-fix)."""

    kind: RunKind
    changes: list[CellChange]
    fixes: dict[tuple[int, str], list[Fix]] = field(default_factory=dict)


def added_fields(old: CellValue, new: CellValue) -> list[str]:
    """Keys of the new vitals object that the old cell lacked or held as empty."""
    try:
        after = json.loads(new) if isinstance(new, str) else None
    except ValueError:
        return []
    if not isinstance(after, dict):
        return []
    try:
        before = json.loads(old) if isinstance(old, str) and old.strip() else {}
    except ValueError:
        before = {}
    if not isinstance(before, dict):
        before = {}
    return [key for key, value in after.items() if before.get(key) in (None, "") and value is not None]


def _cell_text(value: CellValue) -> str:
    if value is None or value == "":
        return "(empty)"
    return str(value)


def _value_text(value: object) -> str:
    return "empty" if value is None or value == "" else repr(value) if isinstance(value, str) else str(value)


def describe(plan: ChangePlan, change: CellChange) -> str:
    """What changes in one cell, in a few words (fields added, or each fix old → new)."""
    if plan.kind == RunKind.DEFAULTS:
        return ", ".join(added_fields(change.old, change.new))
    fixes = plan.fixes.get((change.row, change.column), [])
    parts = []
    for fix in fixes:
        name = fix.field.split(".", 1)[-1]
        parts.append(f"{name}: {_value_text(fix.old)} → {_value_text(fix.new)}")
    return "; ".join(parts)


def title_for(kind: RunKind) -> str:
    """The dialog title for a kind of change."""
    return "Auto-fix — preview" if kind == RunKind.AUTOFIX else "Add clinical defaults — preview"


class ChangePreviewDialog(QDialog):
    """Lists the planned changes; Apply accepts, Cancel rejects. ``changes`` is what Apply writes."""

    def __init__(self, plan: ChangePlan, case_ids: Mapping[int, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan = plan
        self.changes = list(plan.changes)
        self.setWindowTitle(title_for(plan.kind))
        rows = len({c.row for c in self.changes})
        texts = [describe(plan, c) for c in self.changes]
        if plan.kind == RunKind.DEFAULTS:
            fields = sum(len(added_fields(c.old, c.new)) for c in self.changes)
            detail = f"{format_count(fields, 'field')} added"
        else:
            fixes = sum(len(v) for v in plan.fixes.values())
            detail = format_count(fixes, "fix", "fixes")
        self.summary = QLabel(
            f"{format_count(len(self.changes), 'cell')} in {format_count(rows, 'row')} "
            f"will change ({detail}). "
            "Nothing is written until you press Apply; Undo (Ctrl+Z) puts it back afterwards."
        )
        self.summary.setWordWrap(True)

        self.table = QTableWidget(len(self.changes), len(PREVIEW_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(PREVIEW_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)  # read-only: Tab moves on, the arrow keys move in it
        self.table.verticalHeader().setVisible(False)
        for i, (change, what) in enumerate(zip(self.changes, texts, strict=True)):
            values = (
                str(change.row),
                case_ids.get(change.row, ""),
                change.column,
                what,
                _cell_text(change.old),
                _cell_text(change.new),
            )
            for j, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(i, j, item)
        header = self.table.horizontalHeader()
        for j in range(4):
            header.setSectionResizeMode(j, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button: QPushButton = self.buttons.addButton(
            "Apply", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.apply_button.setToolTip("Write every change listed here to the source in one batch")
        self.apply_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self.resize(980, 480)

    def showEvent(self, event: QShowEvent) -> None:
        """Tab goes from the table to the buttons in the order the platform lays them out."""
        super().showEvent(event)
        buttons = sorted(self.buttons.buttons(), key=lambda button: button.x())
        for first, second in itertools.pairwise([self.table, *buttons]):
            QWidget.setTabOrder(first, second)

    def row_texts(self) -> list[tuple[str, ...]]:
        """The table's text, row by row (for tests and accessibility tools)."""
        texts: list[tuple[str, ...]] = []
        for i in range(self.table.rowCount()):
            items = (self.table.item(i, j) for j in range(self.table.columnCount()))
            texts.append(tuple(item.text() if item is not None else "" for item in items))
        return texts


def plan_autofix_changes(scenarios: Sequence[Scenario]) -> ChangePlan:
    """Auto-fix plan for scenarios (pure; runs on a worker thread)."""
    changes: list[CellChange] = []
    fixes: dict[tuple[int, str], list[Fix]] = {}
    for scenario in scenarios:
        result = auto_fix(scenario)
        changes.extend(result.changes)
        for fix in result.fixes:
            column = fix.field.split(".", 1)[0]
            fixes.setdefault((scenario.row, column), []).append(fix)
    return ChangePlan(RunKind.AUTOFIX, changes, fixes)
