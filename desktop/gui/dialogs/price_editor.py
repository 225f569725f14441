"""The Settings dialog's price table: the effective price of every model, editable, with Add and
Remove buttons; only the lines that differ from the shipped price table are saved."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QPushButton, QTableWidget, QTableWidgetItem, QWidget

from desktop.domain.pricing import PriceTable
from desktop.settings import PriceOverride

#: Columns of the table, in US dollars per million tokens after the model.
COLUMNS = ("Model", "Input $/M", "Cached input $/M", "Output $/M")


class PriceEditor(QTableWidget):
    """Edits the model prices; ``add_button`` and ``remove_button`` are laid out by the dialog."""

    def __init__(self, overrides: dict[str, PriceOverride], parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setVisible(False)
        self.setTabKeyNavigation(False)  # Tab moves on through the form; arrows move between cells
        self.setToolTip(
            "US dollars per million tokens. Edit a line or add one for another model; "
            "Batch API prices are half of these."
        )
        self._shipped = PriceTable.load()
        effective = PriceTable.load(overrides)
        for model in effective.models():
            known = effective.price(model)
            self.add_row(model, PriceOverride(input=known.input, cached_input=known.cached_input,
                                              output=known.output))
        self.add_button = QPushButton("Add price")
        self.add_button.setToolTip("Add a line for a model's price")
        self.add_button.clicked.connect(lambda: self.add_row("", None))
        self.remove_button = QPushButton("Remove price")
        self.remove_button.setToolTip("Remove the selected price line")
        self.remove_button.clicked.connect(lambda: self.removeRow(self.currentRow()))

    def add_row(self, model: str, price: PriceOverride | None) -> None:
        """Add a line for a model's price (empty cells for None)."""
        row = self.rowCount()
        self.insertRow(row)
        cached = "" if price is None or price.cached_input is None else f"{price.cached_input:g}"
        values = (
            model,
            "" if price is None else f"{price.input:g}",
            cached,
            "" if price is None else f"{price.output:g}",
        )
        for j, text in enumerate(values):
            self.setItem(row, j, QTableWidgetItem(text))

    def overrides(self) -> dict[str, PriceOverride]:
        """The lines that differ from the shipped price table (only those are saved); raises
        ValueError with a sentence for a price that is not a number."""
        result: dict[str, PriceOverride] = {}
        for i in range(self.rowCount()):
            items = [self.item(i, j) for j in range(len(COLUMNS))]
            texts = [item.text().strip() if item is not None else "" for item in items]
            if not texts[0]:
                continue
            try:
                result[texts[0]] = PriceOverride(
                    input=float(texts[1] or 0),
                    output=float(texts[3] or 0),
                    cached_input=float(texts[2]) if texts[2] else None,
                )
            except ValueError as exc:
                raise ValueError(f"The price of {texts[0]} must be numbers of zero or more.") from exc
        return {model: price for model, price in result.items() if not self._is_shipped(model, price)}

    def _is_shipped(self, model: str, price: PriceOverride) -> bool:
        if model not in self._shipped.models():
            return False
        shipped = self._shipped.price(model)
        cached = shipped.cached_input if price.cached_input is None else price.cached_input
        return (price.input, cached, price.output) == (shipped.input, shipped.cached_input, shipped.output)
