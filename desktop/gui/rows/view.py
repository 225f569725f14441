"""The rows area: filters (status, issue), the "rows 10-20, 25" selection box and the rows table.

The table's selection is the truth; the box follows it (``format_row_spec``) and typing in the box
selects those rows (``parse_row_spec``). Filtering never loses rows: it only hides them.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.models import IssueCode
from desktop.domain.rowspec import consecutive_runs, format_row_spec, parse_row_spec
from desktop.errors import UsageError
from desktop.gui.rows.cells import COMPACT_TIME_SAMPLE
from desktop.gui.rows.columns import (
    COL_LAST_RUN,
    COL_STATUS,
    COL_TITLE,
    NEEDS_REVIEW_TEXT,
    NOT_RUN,
)
from desktop.gui.rows.filtering import ANY, NO_ISSUES
from desktop.gui.rows.model import RowsModel
from desktop.gui.rows.sorting import RowsProxy
from desktop.journal import NEEDS_REVIEW

#: Status filter choices: (label, value); the value is matched against the row's run status.
STATUS_CHOICES: tuple[tuple[str, str], ...] = (
    ("Any status", ANY),
    ("Not run", NOT_RUN),
    ("Pending", "PENDING"),
    ("Processing", "PROCESSING"),
    ("Submitted", "SUBMITTED"),
    ("Completed", "COMPLETED"),
    ("Needs review", NEEDS_REVIEW),
    ("Failed", "FAILED"),
    ("Cancelled", "CANCELLED"),
)


def issue_choices() -> list[tuple[str, str]]:
    """Issue filter choices: any, none, then one per issue code in plain words."""
    choices = [("Any issues", ANY), ("No issues", NO_ISSUES)]
    choices += [(code.value.replace("_", " ").capitalize(), code.value) for code in IssueCode]
    return choices


class RowsView(QWidget):
    """Filters, the selection box and the table of scenario rows."""

    #: Sheet row numbers now selected (sorted).
    selection_changed = Signal(list)

    def __init__(self, model: RowsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = RowsProxy(self)
        self.proxy.setSourceModel(model)

        self.status_filter = QComboBox()
        for label, value in STATUS_CHOICES:
            self.status_filter.addItem(label, value)
        self.status_filter.setToolTip("Show only rows whose latest run ended in this status")
        self.status_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_status_filter(self.status_filter.currentData())
        )
        self.issue_filter = QComboBox()
        for label, value in issue_choices():
            self.issue_filter.addItem(label, value)
        self.issue_filter.setToolTip("Show only rows with this kind of issue (after Validate)")
        self.issue_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_issue_filter(self.issue_filter.currentData())
        )
        self.selection_box = QLineEdit()
        self.selection_box.setPlaceholderText("Rows, e.g. 10-20, 25")
        self.selection_box.setToolTip("Type sheet rows to select, e.g. 10-20, 25 or all, then press Enter")
        self.selection_box.setClearButtonEnabled(True)
        self.selection_box.returnPressed.connect(self.apply_selection_box)
        self.selection_error = QLabel("")
        self.selection_error.setWordWrap(True)
        self.selection_error.setVisible(False)
        self.count_label = QLabel("")

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_TITLE, QHeaderView.ResizeMode.Stretch)
        unit = self.table.fontMetrics().averageCharWidth()
        for column, chars in ((0, 6), (1, 12), (3, 6), (4, 6), (5, 11), (6, 11), (7, 9)):
            self.table.setColumnWidth(column, chars * unit + 16)
        sample = self.table.fontMetrics().horizontalAdvance(COMPACT_TIME_SAMPLE)
        self.table.setColumnWidth(COL_LAST_RUN, sample + 24)
        # "Needs review" with its badge is the widest status.
        status = self.table.fontMetrics().horizontalAdvance(NEEDS_REVIEW_TEXT) + 40
        self.table.setColumnWidth(COL_STATUS, max(self.table.columnWidth(COL_STATUS), status))
        self.table.selectionModel().selectionChanged.connect(self._table_selection_changed)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)

        filters = QHBoxLayout()
        filters.addWidget(QLabel("Show:"))
        filters.addWidget(self.status_filter)
        filters.addWidget(self.issue_filter)
        filters.addSpacing(12)
        select_label = QLabel("&Select rows:")
        select_label.setBuddy(self.selection_box)
        filters.addWidget(select_label)
        filters.addWidget(self.selection_box, 1)
        filters.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.selection_error)
        layout.addWidget(self.table, 1)
        self.setTabOrder(self.status_filter, self.issue_filter)
        self.setTabOrder(self.issue_filter, self.selection_box)
        self.setTabOrder(self.selection_box, self.table)

    # --- selection --------------------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        """Sheet row numbers of the selected (visible) table rows, sorted."""
        # The selection's ranges, not selectedRows(): that checks every cell of every row and takes
        # most of a second for 10,000 selected rows (whole rows are always selected here).
        selection = self.table.selectionModel().selection()
        ranges = (selection.at(i) for i in range(selection.count()))
        rows = {
            self._sheet_row(proxy_row)
            for selected in ranges
            for proxy_row in range(selected.top(), selected.bottom() + 1)
        }
        return sorted(rows)

    def select_rows(self, rows: list[int] | set[int]) -> int:
        """Select these sheet rows (those visible); returns how many were selected."""
        wanted = set(rows)
        hits = [r for r in range(self.proxy.rowCount()) if self._sheet_row(r) in wanted]
        selection = QItemSelection()
        last_column = self.proxy.columnCount() - 1
        # one range per run of adjacent table rows, not one per row
        for top, bottom in consecutive_runs(hits):
            selection.select(self.proxy.index(top, 0), self.proxy.index(bottom, last_column))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.table.selectionModel().select(selection, flags)
        if hits:
            first = self.proxy.index(hits[0], 0)
            self.table.scrollTo(first)
            self.table.selectionModel().setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
        return len(hits)

    def _sheet_row(self, proxy_row: int) -> int:
        return self.model.entry(self.proxy.mapToSource(self.proxy.index(proxy_row, 0)).row()).row

    def apply_selection_box(self) -> None:
        """Select the rows typed in the box; a bad entry is explained under it."""
        text = self.selection_box.text().strip()
        if not text:
            self.table.clearSelection()
            return
        try:
            spec = parse_row_spec(text)
        except UsageError as exc:
            self._show_selection_error(str(exc))
            return
        rows = [e.row for e in self.model.entries()] if spec.all_rows else list(spec.rows)
        found = self.select_rows(rows)
        if not found:
            self._show_selection_error("None of those rows is in the table (or they are hidden by a filter).")
        else:
            self._show_selection_error("")

    def _show_selection_error(self, message: str) -> None:
        self.selection_error.setText(message)
        self.selection_error.setVisible(bool(message))

    def _table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.selected_rows()
        if not self.selection_box.hasFocus():
            self.selection_box.setText(format_row_spec(rows))
        self.selection_changed.emit(rows)

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"{shown} of {total} rows" if shown != total else f"{total} rows")
