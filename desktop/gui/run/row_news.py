"""A run's row news, gathered from the engine's worker threads and handed to the GUI thread in batches.

Eight workers report two or three status changes per row. As one queued signal each, every change was
an event of its own on the GUI thread, and changes arriving together were handled back to back while
the event loop waited; gathered for ``NEWS_MS`` they are one event, in the order they happened.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

#: How long row news is gathered before the GUI thread takes it in.
NEWS_MS = 50


#: Row news in the order it happened: (sheet row, status) pairs.
News = list[tuple[int, str]]


class RowNews(QObject):
    """Takes ``(sheet row, status)`` news on any thread; ``deliver`` hands what was gathered to
    ``on_news`` on the GUI thread, in order (by itself at most ``NEWS_MS`` after the first item)."""

    _posted = Signal()

    def __init__(self, on_news: Callable[[News], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_news = on_news
        self._lock = threading.Lock()
        self._items: News = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(NEWS_MS)
        self._timer.timeout.connect(self.deliver)
        self._posted.connect(self._start_timer)  # queued when posted from a worker thread

    def add(self, row: int, status: str) -> None:
        """Note a row's new status (any thread)."""
        with self._lock:
            first = not self._items
            self._items.append((row, status))
        if first:
            self._posted.emit()

    def deliver(self) -> None:
        """Hand every item gathered so far to ``on_news`` now (GUI thread)."""
        self._timer.stop()
        with self._lock:
            items, self._items = self._items, []
        if items:
            self._on_news(items)

    def _start_timer(self) -> None:
        if not self._timer.isActive():
            self._timer.start()
