"""Row news from a run's worker threads reaches the GUI thread in order, a batch at a time."""

from __future__ import annotations

import threading
from typing import Any

from pytestqt.qtbot import QtBot

from desktop.gui.run.row_news import RowNews


def test_news_from_many_threads_arrives_in_order_in_few_batches_on_the_gui_thread(
    qapp: Any, qtbot: QtBot
) -> None:
    batches: list[list[tuple[int, str]]] = []
    on_gui: set[bool] = set()

    def on_news(news: list[tuple[int, str]]) -> None:
        on_gui.add(threading.current_thread() is threading.main_thread())
        batches.append(news)

    news = RowNews(on_news)

    def worker(first: int) -> None:
        for row in range(first, first + 250):
            news.add(row, "PROCESSING")
            news.add(row, "COMPLETED")

    threads = [threading.Thread(target=worker, args=(n * 1000,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    qtbot.waitUntil(lambda: sum(map(len, batches)) == 2000, timeout=5000)
    assert on_gui == {True}
    received = [item for batch in batches for item in batch]
    for n in range(4):  # each thread's news in the order it was sent
        rows = range(n * 1000, n * 1000 + 250)
        assert [item for item in received if item[0] in rows] == [
            (row, status) for row in rows for status in ("PROCESSING", "COMPLETED")
        ]
    assert len(batches) <= 3  # 2,000 items, not 2,000 events on the GUI thread


def test_deliver_hands_over_what_was_gathered_at_once(qapp: Any) -> None:
    received: list[tuple[int, str]] = []
    news = RowNews(received.extend)
    news.add(3, "PENDING")
    news.add(4, "FAILED")
    assert received == []  # gathered
    news.deliver()
    assert received == [(3, "PENDING"), (4, "FAILED")]
    news.deliver()
    assert received == [(3, "PENDING"), (4, "FAILED")]
