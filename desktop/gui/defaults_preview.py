"""Preview of the clinical defaults about to be written: every cell, old → new, and Apply/Cancel."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

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

from desktop.domain.models import CellChange, CellValue

PREVIEW_COLUMNS = ("Row", "Case ID", "Column", "Fields added", "Old", "New")


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


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _cell_text(value: CellValue) -> str:
    if value is None or value == "":
        return "(empty)"
    return str(value)


class DefaultsPreviewDialog(QDialog):
    """Lists the planned changes; nothing is written unless the user presses Apply."""

    def __init__(
        self, changes: Sequence[CellChange], case_ids: Mapping[int, str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.changes = list(changes)
        self.setWindowTitle("Add clinical defaults — preview")
        rows = len({c.row for c in self.changes})
        fields = sum(len(added_fields(c.old, c.new)) for c in self.changes)
        self.summary = QLabel(
            f"{_count(len(self.changes), 'cell')} in {_count(rows, 'row')} will change "
            f"({_count(fields, 'field')} added). "
            "Nothing is written until you press Apply."
        )
        self.summary.setWordWrap(True)

        self.table = QTableWidget(len(self.changes), len(PREVIEW_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(PREVIEW_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        for i, change in enumerate(self.changes):
            values = (
                str(change.row),
                case_ids.get(change.row, ""),
                change.column,
                ", ".join(added_fields(change.old, change.new)),
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
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self.resize(960, 480)

    def row_texts(self) -> list[tuple[str, ...]]:
        """The table's text, row by row (for tests and accessibility tools)."""
        texts: list[tuple[str, ...]] = []
        for i in range(self.table.rowCount()):
            items = (self.table.item(i, j) for j in range(self.table.columnCount()))
            texts.append(tuple(item.text() if item is not None else "" for item in items))
        return texts
