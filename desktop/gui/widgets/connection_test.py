"""The one Test of a model connection behind a button, used by Settings and the first-run prompt."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton

from desktop.errors import SimBatchError, first_line
from desktop.gui.qt.workers import run_task
from desktop.services.local_llm import test_connection
from desktop.settings import Settings


def start_connection_test(settings: Settings, button: QPushButton, label: QLabel) -> None:
    """Send one real request with ``settings`` off the GUI thread; ``button`` is disabled meanwhile and
    ``label`` says the outcome in one sentence. Nothing is reported once the button is gone."""
    button.setEnabled(False)
    label.setText("Testing…")

    def done(message: str) -> None:
        button.setEnabled(True)
        label.setText(message)

    def failed(error: BaseException) -> None:
        button.setEnabled(True)
        text = str(error) if isinstance(error, SimBatchError) else f"The test failed: {error}"
        label.setText(first_line(text, "The test failed."))

    run_task(lambda _ctx: test_connection(settings), on_result=done, on_error=failed, owner=button)
