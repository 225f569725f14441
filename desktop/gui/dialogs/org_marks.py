"""Marks in the Settings dialog for values that come from the organisation file: the field's label
says so, its tooltip names the file, and a value the organisation locks is greyed out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from desktop.org_config import OrgLayer

FROM_ORGANISATION = "organisation"
LOCKED = "locked by your organisation"


def banner_text(layer: OrgLayer) -> str:
    """The line above the form saying where organisation values come from."""
    return (
        f"Some settings come from your organisation ({layer.path}). Greyed-out ones are locked by "
        "your IT department; the others you can change for yourself."
    )


def mark_organisation_fields(
    form: QFormLayout,
    fields: Mapping[str, Sequence[QWidget]],
    layer: OrgLayer,
    effective: Mapping[str, Any],
) -> dict[str, bool]:
    """Mark the widgets of each setting whose value is the organisation's (``fields`` maps a setting
    name to its widgets, the first one carrying the form label); returns {setting: locked}."""
    origins = layer.origins(effective)
    for name, locked in origins.items():
        widgets = fields.get(name)
        if not widgets:
            continue
        note = LOCKED if locked else FROM_ORGANISATION
        tip = f"Set by your organisation in {layer.path}"
        tip += " and locked." if locked else "; you may change it."
        for widget in widgets:
            widget.setToolTip(f"{widget.toolTip()}\n{tip}".strip())
            if locked:
                widget.setEnabled(False)
        label = form.labelForField(widgets[0])
        if isinstance(label, QLabel):
            label.setText(f"{label.text().rstrip(':')} ({note}):")
    return origins
