"""Sorting and filtering the rows table, in Qt's own code.

The rows model stores every cell's raw sort value (``SORT_ROLE``: numbers as numbers, text
case-folded) and each row's filter text (``FILTER_ROLE``), so the proxy compares and matches without
calling Python: during a run every such call waits for the interpreter lock held by the workers.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSortFilterProxyModel

from desktop.gui.rows.columns import COL_ROW, FILTER_ROLE, SORT_ROLE
from desktop.gui.rows.filtering import ANY, filter_pattern


class RowsProxy(QSortFilterProxyModel):
    """Sorts the rows by their raw values and hides rows that do not match the status and issue filters."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(COL_ROW)
        self._status = ANY
        self._issue = ANY

    def set_status_filter(self, status: str) -> None:
        """Show only rows whose run status is ``status`` (``ANY`` for all)."""
        self._status = status
        self.setFilterRegularExpression(filter_pattern(self._status, self._issue))

    def set_issue_filter(self, code: str) -> None:
        """Show only rows with issue ``code`` (``NO_ISSUES`` for clean rows, ``ANY`` for all)."""
        self._issue = code
        self.setFilterRegularExpression(filter_pattern(self._status, self._issue))
