"""Settings: the model provider (OpenAI, or a local OpenAI-compatible server), the OpenAI key (keyring
only, masked, with a Test), endpoint, model, prices, workers and rate limits, tab names, overwrite
policy, and the Google account. Secrets never go into settings.json."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import first_line
from desktop.gui.dialogs.google_account import GoogleAccountBox
from desktop.gui.dialogs.org_marks import FROM_ORGANISATION, LOCKED, banner_text, mark_organisation_fields
from desktop.gui.dialogs.price_editor import PriceEditor
from desktop.gui.dialogs.provider_box import ProviderBox
from desktop.gui.widgets.connection_test import start_connection_test
from desktop.gui.widgets.key_field import KEY_STORED, keyring_note, store_typed_key
from desktop.org_config import load_org_layer
from desktop.services import secrets
from desktop.settings import Settings
from desktop.settings_store import SettingsStore, changed_fields


class SettingsDialog(QDialog):
    """Edits a copy of the settings; Save writes the fields the user changed through ``store`` (and
    the key to the keyring), so values another writer saved meanwhile are kept."""

    saved = Signal()

    def __init__(
        self, settings: Settings, parent: QWidget | None = None, *, store: SettingsStore | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings.model_copy(deep=True)
        self.store = store if store is not None else SettingsStore(settings)
        self.provider_box = ProviderBox(self.settings)  # first: it comes first in the Tab order
        self.provider_box.local_chosen.connect(self._local_chosen)

        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText(
            "sk-… (kept in the system keyring)"
            if not secrets.get_openai_key()
            else KEY_STORED
        )
        self.key_edit.setToolTip("Your OpenAI API key. It is kept in the system keyring, never in a file.")
        self.test_button = QPushButton("&Test")
        self.test_button.setToolTip("Send one real request to the chosen provider to check it")
        self.test_button.clicked.connect(self.test_key)
        self.test_label = QLabel("")
        self.test_label.setWordWrap(True)
        self.keyring_label = keyring_note()

        self.endpoint_edit = QLineEdit(self.settings.openai_base_url or "")
        self.endpoint_edit.setPlaceholderText("https://api.openai.com/v1")
        self.endpoint_edit.setToolTip("Leave empty for OpenAI; set it for an OpenAI-compatible server")
        self.model_edit = QLineEdit(self.settings.model)
        self.model_edit.setToolTip("The model that generates the vitals")
        self.workers_spin = self._spin(1, 64, self.settings.workers, "Requests sent at the same time")
        self.rpm_spin = self._spin(
            1, 1_000_000, self.settings.requests_per_minute, "Requests per minute at most"
        )
        self.tpm_spin = self._spin(
            1, 100_000_000, self.settings.tokens_per_minute, "Tokens per minute at most"
        )
        self.tab_edit = QLineEdit(self.settings.scenario_tab)
        self.tab_edit.setToolTip("The tab of the workbook or sheet that holds the scenario rows")
        self.overwrite_check = QCheckBox("Overwrite vitals cells that are already valid")
        self.overwrite_check.setChecked(self.settings.overwrite_valid)
        self.overwrite_check.setToolTip("Off: only empty or invalid cells are generated")

        self.prices = PriceEditor(self.settings.price_overrides)
        self.google = GoogleAccountBox()

        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.test_button)
        price_buttons = QHBoxLayout()
        price_buttons.addWidget(self.prices.add_button)
        price_buttons.addWidget(self.prices.remove_button)
        price_buttons.addStretch(1)
        form = QFormLayout()
        form.addRow(self.provider_box)
        key_label = QLabel("OpenAI &key:")
        key_label.setBuddy(self.key_edit)  # the field is a row of two widgets: name the one Alt+K reaches
        form.addRow(key_label, key_row)
        form.addRow("", self.test_label)
        form.addRow("", self.keyring_label)
        form.addRow("&Endpoint URL:", self.endpoint_edit)
        form.addRow("OpenAI &model:", self.model_edit)
        form.addRow("&Workers:", self.workers_spin)
        form.addRow("Requests per minute:", self.rpm_spin)
        form.addRow("Tokens per minute:", self.tpm_spin)
        form.addRow("Scenario &tab:", self.tab_edit)
        form.addRow("", self.overwrite_check)
        form.addRow("Prices:", self.prices)
        form.addRow("", price_buttons)
        form.addRow("Google account:", self.google)

        self.error_label = QLabel("")
        self.error_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        #: Settings whose value is the organisation's: {name: locked} (empty without an organisation file).
        self.organisation_fields: dict[str, bool] = {}
        layer = load_org_layer()
        if layer is not None:
            self.org_banner = QLabel(banner_text(layer))
            self.org_banner.setWordWrap(True)
            layout.addWidget(self.org_banner)
            fields: dict[str, Sequence[QWidget]] = {
                "openai_base_url": [self.endpoint_edit],
                "model": [self.model_edit],
                "workers": [self.workers_spin],
                "requests_per_minute": [self.rpm_spin],
                "tokens_per_minute": [self.tpm_spin],
                "scenario_tab": [self.tab_edit],
                "price_overrides": [self.prices, self.prices.add_button, self.prices.remove_button],
                "llm_provider": [self.provider_box.openai_radio, self.provider_box.local_radio],
                "local_base_url": [self.provider_box.url_edit],
                "local_model": [self.provider_box.model_combo, self.provider_box.models_button],
            }
            current = self.settings.model_dump(mode="json")
            self.organisation_fields = mark_organisation_fields(form, fields, layer, current)
            if "llm_provider" in self.organisation_fields:
                note = LOCKED if self.organisation_fields["llm_provider"] else FROM_ORGANISATION
                self.provider_box.setTitle(f"{self.provider_box.title()} ({note})")
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._local_chosen(self.provider_box.is_local)
        self.resize(640, 760)

    @staticmethod
    def _spin(lo: int, hi: int, value: int, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(lo, hi)
        spin.setValue(value)
        spin.setToolTip(tip)
        spin.setGroupSeparatorShown(True)
        return spin

    def collect(self) -> Settings:
        """The settings as edited (raises ValueError with a sentence for a bad entry)."""
        updated = self.settings.model_copy(deep=True)
        updated.openai_base_url = self.endpoint_edit.text().strip() or None
        updated.model = self.model_edit.text().strip() or updated.model
        updated.workers = self.workers_spin.value()
        updated.requests_per_minute = self.rpm_spin.value()
        updated.tokens_per_minute = self.tpm_spin.value()
        updated.scenario_tab = self.tab_edit.text().strip() or updated.scenario_tab
        updated.overwrite_valid = self.overwrite_check.isChecked()
        updated.price_overrides = self.prices.overrides()
        self.provider_box.apply(updated)
        return updated

    def _local_chosen(self, local: bool) -> None:
        """The OpenAI key, endpoint and model do not apply to a local model server (a value the
        organisation locks stays greyed out either way)."""
        fields = (("", self.key_edit), ("openai_base_url", self.endpoint_edit), ("model", self.model_edit))
        for name, widget in fields:
            widget.setEnabled(not local and not self.organisation_fields.get(name, False))

    def _store_key(self) -> None:
        if self.key_edit.text().strip():
            store_typed_key(self.key_edit)

    def _collect_storing_key(self, problem_label: QLabel) -> Settings | None:
        """The settings as edited, with the typed key stored; None after saying on ``problem_label``
        what is wrong with an entry (nothing is stored then)."""
        try:
            updated = self.collect()
        except ValueError as exc:
            problem_label.setText(first_line(exc))
            return None
        self._store_key()
        return updated

    def save(self) -> None:
        """Store the key in the keyring and the rest in settings.json, then close."""
        updated = self._collect_storing_key(self.error_label)
        if updated is None:
            return
        self.settings = self.store.update(**changed_fields(self.settings, updated))
        self.saved.emit()
        self.accept()

    def test_key(self) -> None:
        """Store the typed key, then check it with one request off the GUI thread."""
        settings = self._collect_storing_key(self.test_label)
        if settings is None:
            return
        start_connection_test(settings, self.test_button, self.test_label)
