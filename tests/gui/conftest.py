"""GUI test helpers: a main window on a private workbook copy, and message boxes that record."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.gui.app import create_main_window
from desktop.gui.mainwindow.window import MainWindow
from desktop.gui.qt.gc_guard import install_gui_thread_collector

LOAD_TIMEOUT_MS = 15_000


@pytest.fixture(autouse=True)
def gui_thread_gc(qapp: Any) -> Iterator[None]:
    """Garbage is collected on the GUI thread only, as in the app (a QObject freed on a worker crashes)."""
    install_gui_thread_collector(qapp)
    yield
    gc.collect()


@dataclass
class MessageLog:
    """Message boxes the code under test asked for, as (kind, text); a question is answered ``answer``."""

    shown: list[tuple[str, str]] = field(default_factory=list)
    answer: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok

    def texts(self, kind: str) -> list[str]:
        return [text for k, text in self.shown if k == kind]


@pytest.fixture
def message_boxes(monkeypatch: pytest.MonkeyPatch) -> MessageLog:
    """Replace QMessageBox's blocking static helpers by a recorder (they are Qt dialogs, not our code)."""
    log = MessageLog()

    def recorder(kind: str) -> Callable[..., QMessageBox.StandardButton]:
        def record(_parent: Any, _title: str, text: str, *_args: Any, **_kwargs: Any) -> Any:
            log.shown.append((kind, text))
            return log.answer if kind == "question" else QMessageBox.StandardButton.Ok

        return record

    for kind in ("critical", "warning", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(recorder(kind)))
    return log


@pytest.fixture
def open_window(qtbot: QtBot, message_boxes: MessageLog) -> Iterator[Callable[[str | Path], MainWindow]]:
    """Build a main window on a source; the window is closed after the test."""
    windows: list[MainWindow] = []

    def build(source: str | Path) -> MainWindow:
        window = create_main_window(str(source))
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield build
    for window in windows:
        window.close()


def wait_idle(qtbot: QtBot, window: MainWindow, timeout: int = LOAD_TIMEOUT_MS) -> None:
    """Wait until the window's background work has finished."""
    qtbot.waitUntil(lambda: not window.busy, timeout=timeout)
