"""Help › About: SimBatch's version and licence, and the bundled components with their licences."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageMetadata, PackageNotFoundError, metadata

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import __version__
from desktop.errors import SimBatchError
from desktop.org_config import config_source
from desktop.paths import APP_NAME, resource

#: SimBatch's own licence (pyproject ``license``).
SIMBATCH_LICENSE = "MIT"

#: Components shipped in the installers: (distribution name, shown name, licence when metadata lacks it).
COMPONENTS: tuple[tuple[str, str, str], ...] = (
    ("PySide6-Essentials", "Qt for Python (PySide6)", "LGPL-3.0-only"),
    ("PySide6-Addons", "Qt for Python add-ons (Qt Charts)", "LGPL-3.0-only"),
    ("shiboken6", "Shiboken6", "LGPL-3.0-only"),
    ("openai", "OpenAI Python library", "Apache-2.0"),
    ("httpx2", "HTTPX", "BSD-3-Clause"),
    ("google-api-python-client", "Google API Client", "Apache-2.0"),
    ("google-auth", "Google Auth", "Apache-2.0"),
    ("google-auth-oauthlib", "Google Auth OAuthlib", "Apache-2.0"),
    ("httplib2", "httplib2", "MIT"),
    ("pydantic", "Pydantic", "MIT"),
    ("tenacity", "Tenacity", "Apache-2.0"),
    ("keyring", "keyring", "MIT"),
    ("openpyxl", "openpyxl", "MIT"),
    ("platformdirs", "platformdirs", "MIT"),
    ("certifi", "certifi (Mozilla CA bundle)", "MPL-2.0"),
)


@dataclass(frozen=True, slots=True)
class Component:
    """One bundled component as the About dialog lists it."""

    name: str
    version: str
    license: str


def _field(meta: PackageMetadata, name: str) -> str:
    """One metadata header, stripped; empty when absent."""
    values = meta.get_all(name) or []
    return str(values[0]).strip() if values else ""


def _license_of(distribution: str, fallback: str) -> str:
    """A short licence name from the package metadata (SPDX expression first), else ``fallback``."""
    try:
        meta = metadata(distribution)
    except PackageNotFoundError:
        return fallback
    expression = _field(meta, "License-Expression")
    if expression:
        return expression
    for classifier in meta.get_all("Classifier") or []:
        if classifier.startswith("License ::") and "OSI Approved ::" in classifier:
            return classifier.rsplit("::", 1)[1].strip()
    short = _field(meta, "License")
    return short if short and "\n" not in short and len(short) <= 40 else fallback


def bundled_components() -> list[Component]:
    """The components of :data:`COMPONENTS` that are present, with installed version and licence."""
    found: list[Component] = []
    for distribution, shown, fallback in COMPONENTS:
        try:
            version = metadata(distribution)["Version"]
        except PackageNotFoundError:
            continue
        found.append(Component(shown, version, _license_of(distribution, fallback)))
    return found


def settings_source() -> str:
    """Where the settings come from (built-in defaults, the organisation file, the user's own), or
    what is wrong with the organisation file."""
    try:
        return f"Settings: {config_source()}."
    except SimBatchError as exc:
        return str(exc)


def about_text() -> str:
    """The headline of the dialog: name, version, licence and what the app is for."""
    return (
        f"<h2>{APP_NAME} {__version__}</h2>"
        "<p>Validate, complete and enrich medical-simulation scenario vitals "
        "in Google Sheets or Excel workbooks.</p>"
        f"<p>Licensed under the {SIMBATCH_LICENSE} licence. It includes the components below, "
        "each under its own licence.</p>"
    )


class AboutDialog(QDialog):
    """The About box: version, licence, and a table of bundled components and their licences."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        icon_label = QLabel()
        pixmap = QPixmap(str(resource("icons", "simbatch-64.png")))
        if not pixmap.isNull():
            icon_label.setPixmap(pixmap)
            self.setWindowIcon(QIcon(pixmap))
        icon_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text_label = QLabel(about_text())
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        head = QHBoxLayout()
        head.addWidget(icon_label)
        head.addWidget(self.text_label, 1)
        self.source_label = QLabel(settings_source())
        self.source_label.setWordWrap(True)
        self.source_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        components = bundled_components()
        self.table = QTableWidget(len(components), 3)
        self.table.setHorizontalHeaderLabels(["Component", "Version", "Licence"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for row, component in enumerate(components):
            for column, text in enumerate((component.name, component.version, component.license)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.source_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(560, 480)


def show_about(parent: QWidget | None) -> AboutDialog:
    """Open the About dialog (window-modal over ``parent``) and return it."""
    dialog = AboutDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.open()
    return dialog
