"""The first Run asks for a model: an OpenAI key, or the address of a local model server, with a Test.

Shown only when a run could reach no model (see ``app.connection.needs_model_connection``). The Test is
the Settings dialog's (``app.connection.check_connection``); the key goes to the keyring only.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.app.connection import LOCAL_SERVER_EXAMPLE, with_local_server, with_openai_key
from desktop.errors import SimBatchError
from desktop.gui.widgets.connection_test import start_connection_test
from desktop.services import secrets
from desktop.settings import Settings, save_settings


class ConnectModelDialog(QDialog):
    """Choose OpenAI (key) or a local server (address, model); Save keeps it and the run goes on."""

    def __init__(
        self, settings: Settings, parent: QWidget | None = None, *, allow_local: bool = True
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect a model")
        self.settings = settings.model_copy(deep=True)
        intro = QLabel(
            "To fill in missing vitals, SimBatch sends each row to an AI model. Which one should it use?"
        )
        intro.setWordWrap(True)

        self.openai_choice = QRadioButton("&OpenAI — paste your API key")
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("sk-…")
        self.key_edit.setToolTip("Your OpenAI API key. It is kept in the system keyring, never in a file.")
        self.local_choice = QRadioButton("A &local model server (your scenarios stay on your network)")
        self.local_choice.setToolTip("Any OpenAI-compatible server: llama.cpp, LM Studio, Ollama, vLLM…")
        self.url_edit = QLineEdit(self.settings.local_base_url)
        self.url_edit.setPlaceholderText(LOCAL_SERVER_EXAMPLE)
        self.url_edit.setToolTip("The server's address, ending in /v1")
        self.model_edit = QLineEdit(self.settings.local_model)
        self.model_edit.setPlaceholderText("e.g. smollm2, llama3.2")
        self.model_edit.setToolTip("The model name as the server knows it")
        self.local_choice.setEnabled(allow_local)
        if not allow_local:
            self.local_choice.setToolTip("The Batch API is OpenAI's; choose Live to use a local server")
        choices = QButtonGroup(self)
        choices.addButton(self.openai_choice)
        choices.addButton(self.local_choice)
        local_first = allow_local and self.settings.llm_provider == "local"
        (self.local_choice if local_first else self.openai_choice).setChecked(True)
        choices.buttonToggled.connect(lambda *_a: self._follow_choice())

        self.test_button = QPushButton("&Test")
        self.test_button.setToolTip("Send one tiny request to check that the model answers")
        self.test_button.clicked.connect(self.test)
        self.test_label = QLabel("")
        self.test_label.setWordWrap(True)
        status = secrets.keyring_status()
        keyring_note = QLabel("" if status.usable else status.message)
        keyring_note.setWordWrap(True)
        keyring_note.setVisible(not status.usable)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton("&Save and run", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setToolTip("Keep this choice (Settings can change it later) and start the run")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        local_form = QFormLayout()
        local_form.addRow("Address:", self.url_edit)
        local_form.addRow("Model:", self.model_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.openai_choice)
        layout.addWidget(self.key_edit)
        layout.addWidget(keyring_note)
        layout.addWidget(self.local_choice)
        layout.addLayout(local_form)
        layout.addWidget(self.test_button)
        layout.addWidget(self.test_label)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(560, 0)
        self._follow_choice()

    def _follow_choice(self) -> None:
        local = self.local_choice.isChecked()
        self.key_edit.setEnabled(not local)
        self.url_edit.setEnabled(local)
        self.model_edit.setEnabled(local)
        self.test_label.setText("")

    def chosen(self) -> Settings | None:
        """The settings with the chosen model (an OpenAI key is stored in the keyring here); None after
        saying what is missing."""
        try:
            if self.local_choice.isChecked():
                return with_local_server(self.settings, self.url_edit.text(), self.model_edit.text())
            chosen = with_openai_key(self.settings, self.key_edit.text())
        except SimBatchError as exc:
            self.test_label.setText(str(exc))
            return None
        self.key_edit.clear()
        self.key_edit.setPlaceholderText("A key is stored; type a new one to replace it")
        return chosen

    def test(self) -> None:
        """Check the chosen model with one request off the GUI thread."""
        settings = self.chosen()
        if settings is None:
            return
        self.settings = settings
        start_connection_test(settings, self.test_button, self.test_label)

    def save(self) -> None:
        """Keep the choice in the settings and close; the run starts then."""
        stored_by_test = (
            self.openai_choice.isChecked() and not self.key_edit.text().strip() and secrets.get_openai_key()
        )
        if stored_by_test:
            settings: Settings | None = self.settings.model_copy(update={"llm_provider": "openai"})
        else:
            settings = self.chosen()
        if settings is None:
            return
        save_settings(settings)
        self.settings = settings
        self.accept()

