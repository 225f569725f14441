"""The model provider part of Settings: OpenAI, or a local model on an OpenAI-compatible server of the
user's own (base URL, no key, the model chosen from what the server lists at ``/v1/models``)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from desktop.errors import SimBatchError, first_line
from desktop.gui.qt.workers import run_task
from desktop.settings import Settings


class ProviderBox(QGroupBox):
    """Choose OpenAI or a local model server; ``apply`` writes the choice into a settings copy."""

    #: True when the local model is chosen (the OpenAI key, endpoint and model then do not apply).
    local_chosen = Signal(bool)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__("Model provider", parent)
        self.openai_radio = QRadioButton("&OpenAI (API key)")
        self.openai_radio.setToolTip("OpenAI, or another service that takes an API key (set below)")
        self.local_radio = QRadioButton("&Local model (OpenAI-compatible server)")
        self.local_radio.setToolTip(
            "A server on your own computer or network (llama.cpp, Ollama, LM Studio, vLLM): no key is "
            "needed and scenario data stays on site"
        )
        group = QButtonGroup(self)
        group.addButton(self.openai_radio)
        group.addButton(self.local_radio)
        self.url_edit = QLineEdit(settings.local_base_url)
        self.url_edit.setPlaceholderText("http://127.0.0.1:8080/v1")
        self.url_edit.setToolTip("The server's OpenAI-compatible base URL, ending in /v1")
        self.model_combo = QComboBox()
        self.model_combo.setEditable(True)
        self.model_combo.setMinimumContentsLength(24)
        self.model_combo.setToolTip("The model the server serves; Read models lists them")
        if settings.local_model:
            self.model_combo.addItem(settings.local_model)
        self.models_button = QPushButton("&Read models")
        self.models_button.setToolTip("Ask the server which models it serves (GET /v1/models)")
        self.models_button.clicked.connect(self.read_models)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)

        layout = QGridLayout(self)
        layout.addWidget(self.openai_radio, 0, 0, 1, 3)
        layout.addWidget(self.local_radio, 1, 0, 1, 3)
        url_label = QLabel("Server &URL:")
        url_label.setBuddy(self.url_edit)
        layout.addWidget(url_label, 2, 0)
        layout.addWidget(self.url_edit, 2, 1, 1, 2)
        model_label = QLabel("Local mo&del:")
        model_label.setBuddy(self.model_combo)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_combo, 1)
        model_row.addWidget(self.models_button)
        layout.addWidget(model_label, 3, 0)
        layout.addLayout(model_row, 3, 1, 1, 2)
        layout.addWidget(self.status_label, 4, 1, 1, 2)

        self.local_radio.toggled.connect(self._toggled)
        (self.local_radio if settings.llm_provider == "local" else self.openai_radio).setChecked(True)
        self._toggled(self.local_radio.isChecked())

    @property
    def is_local(self) -> bool:
        """True when the local model server is chosen."""
        return self.local_radio.isChecked()

    def apply(self, settings: Settings) -> None:
        """Write the choice into ``settings`` (raises ValueError with a sentence for a bad entry)."""
        settings.llm_provider = "local" if self.is_local else "openai"
        url = self.url_edit.text().strip()
        if self.is_local and not url.startswith(("http://", "https://")):
            raise ValueError("The local server URL must start with http:// or https://.")
        model = self.model_combo.currentText().strip()
        if self.is_local and not model:
            raise ValueError("Choose the local model (Read models lists what the server serves).")
        settings.local_base_url = url or settings.local_base_url
        settings.local_model = model

    def read_models(self) -> None:
        """List the server's models off the GUI thread and offer them in the model box."""
        from desktop.services.local_llm import list_models

        url = self.url_edit.text().strip()
        self.models_button.setEnabled(False)
        self.status_label.setText("Reading the server's models…")
        run_task(lambda _ctx: list_models(url), on_result=self._models_read, on_error=self._models_failed,
                 owner=self)  # fmt: skip

    def _models_read(self, models: list[str]) -> None:
        self.models_button.setEnabled(True)
        current = self.model_combo.currentText().strip()
        self.model_combo.clear()
        self.model_combo.addItems(models)
        if current in models or not models:
            self.model_combo.setCurrentText(current)
        count = len(models)
        self.status_label.setText(
            f"The server serves {count} model{'s' if count != 1 else ''}." if count
            else "The server lists no models; type the model's name."
        )  # fmt: skip

    def _models_failed(self, error: BaseException) -> None:
        self.models_button.setEnabled(True)
        text = str(error) if isinstance(error, SimBatchError) else f"Could not read the models: {error}"
        self.status_label.setText(first_line(text, "Could not read the models."))

    def _toggled(self, local: bool) -> None:
        for widget in (self.url_edit, self.model_combo, self.models_button):
            widget.setEnabled(local)
        self.local_chosen.emit(local)
