"""Sorting the rows table: ranks read once per column instead of two Python calls per comparison."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QSortFilterProxyModel

from desktop.gui.rows.columns import SORT_ROLE
from desktop.gui.rows.model import ModelIndex, RowsModel


class RowsSortProxy(QSortFilterProxyModel):
    """Sorts the rows by their raw values (numbers as numbers), fast.

    Qt's own sort asks the Python model for both cells of every comparison (about 260,000 calls for
    10,000 rows, seconds of GUI time). Here the sort column's keys are read once and ranked in Python;
    a comparison is two list lookups. The ranks are forgotten whenever the rows or the sort column's
    values change, before the proxy re-sorts (the handlers are connected ahead of the proxy's own).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._ranks: tuple[int, list[int]] | None = None  # (column, rank per model row)

    def setSourceModel(self, model: Any) -> None:
        """Use ``model`` (a :class:`RowsModel`) as the source."""
        if isinstance(model, RowsModel):
            for signal in (model.modelReset, model.layoutChanged, model.rowsInserted, model.rowsRemoved):
                signal.connect(self._forget_ranks)
            model.dataChanged.connect(self._values_changed)
        super().setSourceModel(model)

    def lessThan(self, left: ModelIndex, right: ModelIndex) -> bool:
        """Whether the ``left`` row sorts before the ``right`` one in their column."""
        ranks = self._ranks_of(left.column())
        return ranks[left.row()] < ranks[right.row()]

    def _ranks_of(self, column: int) -> list[int]:
        if self._ranks is None or self._ranks[0] != column:
            model = self.sourceModel()
            keys = model.sort_keys(column) if isinstance(model, RowsModel) else []
            ranks = [0] * len(keys)
            rank, previous = -1, object()
            for pos in sorted(range(len(keys)), key=keys.__getitem__):
                if keys[pos] != previous:
                    rank, previous = rank + 1, keys[pos]
                ranks[pos] = rank
            self._ranks = (column, ranks)
        return self._ranks[1]

    def _forget_ranks(self, *_args: object) -> None:
        self._ranks = None

    def _values_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, *_args: object) -> None:
        if self._ranks is not None and top_left.column() <= self._ranks[0] <= bottom_right.column():
            self._ranks = None
