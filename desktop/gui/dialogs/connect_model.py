"""The first Run asks for a model: an OpenAI key, or a local model server, with a Test.

Shown only when a run could reach no model (see ``app.connection.needs_model_connection``). The choice
of provider is the Settings dialog's own ``ProviderBox`` and the Test is the Settings Test
(``services.local_llm.test_connection``); the key goes to the keyring only.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import SimBatchError
from desktop.gui.dialogs.provider_box import ProviderBox
from desktop.gui.widgets.connection_test import start_connection_test
from desktop.gui.widgets.key_field import keyring_note, store_typed_key
from desktop.services import secrets
from desktop.settings import Settings
from desktop.settings_store import SettingsStore, changed_fields


class ConnectModelDialog(QDialog):
    """Choose OpenAI (paste a key) or a local server; Save and run keeps the choice and the run goes on."""

    def __init__(
        self, store: SettingsStore, parent: QWidget | None = None, *, allow_local: bool = True
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect a model")
        self.store = store
        intro = QLabel(
            "To fill in missing vitals, SimBatch sends each row to an AI model. Which one should it use?"
        )
        intro.setWordWrap(True)
        self.provider_box = ProviderBox(store.current)
        self.provider_box.local_radio.setEnabled(allow_local)
        if not allow_local:
            self.provider_box.openai_radio.setChecked(True)
            self.provider_box.local_radio.setToolTip(
                "The Batch API is OpenAI's; choose Live to use a local model"
            )
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("Your OpenAI API key, sk-…")
        self.key_edit.setToolTip("Kept in the system keyring, never in a file")
        self.provider_box.local_chosen.connect(lambda local: self.key_edit.setEnabled(not local))
        self.key_edit.setEnabled(not self.provider_box.is_local)

        self.test_button = QPushButton("&Test")
        self.test_button.setToolTip("Send one real request to the chosen model to check it")
        self.test_button.clicked.connect(self.test)
        self.test_label = QLabel("")
        self.test_label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton("&Save and run", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setToolTip("Keep this choice (Settings can change it later) and start the run")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.provider_box)
        key_label = QLabel("OpenAI API &key:")
        key_label.setBuddy(self.key_edit)
        layout.addWidget(key_label)
        layout.addWidget(self.key_edit)
        layout.addWidget(keyring_note())
        layout.addWidget(self.test_button)
        layout.addWidget(self.test_label)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def chosen(self) -> Settings | None:
        """The settings with the chosen model (a typed OpenAI key is stored in the keyring here); None
        after saying what is missing."""
        chosen = self.store.current.model_copy(deep=True)
        try:
            self.provider_box.apply(chosen)
            typed = self.key_edit.text().strip()
            if not self.provider_box.is_local and (typed or not secrets.get_openai_key()):
                store_typed_key(self.key_edit)
        except (ValueError, SimBatchError) as exc:
            self.test_label.setText(str(exc))
            return None
        return chosen

    def test(self) -> None:
        """Check the chosen model with one real request off the GUI thread."""
        settings = self.chosen()
        if settings is not None:
            start_connection_test(settings, self.test_button, self.test_label)

    def save(self) -> None:
        """Keep the choice in the settings and close; the run starts then."""
        settings = self.chosen()
        if settings is None:
            return
        self.store.update(**changed_fields(self.store.current, settings))
        self.accept()
