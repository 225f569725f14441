"""The About dialog: SimBatch's version and licence, and the bundled components with their licences."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop import __version__
from desktop.gui.dialogs.about import AboutDialog, bundled_components, show_about


def _table_rows(dialog: AboutDialog) -> dict[str, tuple[str, str]]:
    table = dialog.table
    rows = {}
    for row in range(table.rowCount()):
        name, version, licence = (table.item(row, column).text() for column in range(3))
        rows[name] = (version, licence)
    return rows


def test_components_read_versions_and_licences_from_the_installed_metadata() -> None:
    components = {c.name: c for c in bundled_components()}

    pyside = components["Qt for Python (PySide6)"]
    assert pyside.license.startswith("LGPL-3.0")
    assert pyside.version.startswith("6.")
    assert components["OpenAI Python library"].license == "Apache-2.0"
    assert "Apache" in components["Google API Client"].license
    assert "MPL" in components["certifi (Mozilla CA bundle)"].license or "Mozilla" in (
        components["certifi (Mozilla CA bundle)"].license
    )
    assert all(c.version and c.license for c in components.values())


def test_dialog_shows_version_licence_and_the_component_table(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = show_about(parent)
    qtbot.waitExposed(dialog)

    assert f"SimBatch {__version__}" in dialog.text_label.text()
    assert "MIT licence" in dialog.text_label.text()
    rows = _table_rows(dialog)
    assert rows["Qt for Python (PySide6)"][1].startswith("LGPL-3.0")
    openai = next(c for c in bundled_components() if c.name == "OpenAI Python library")
    assert rows["OpenAI Python library"] == (openai.version, "Apache-2.0")
    assert len(rows) == len(bundled_components()) >= 10
    dialog.close()
