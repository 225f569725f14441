"""Time stamps made on every journal write and every rows-table time cell import nothing.

With Qt loaded, every import statement, also the one ``strftime`` makes for ``time`` on each call,
goes through PySide's import hook, written in Python: 8,700 of them in one 1,000-row run, under the
interpreter lock that the window's thread shares with the workers.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from desktop.gui.rows.cells import compact_time
from desktop.journal.db import now_iso


@contextmanager
def imports_seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names imported while the block runs."""
    seen: list[str] = []
    real: Callable[..., Any] = builtins.__import__

    def counting(name: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", real)  # put back by monkeypatch even if the block fails
    builtins.__import__ = counting
    try:
        yield seen
    finally:
        builtins.__import__ = real


def test_journal_stamps_import_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    now_iso()
    with imports_seen(monkeypatch) as seen:
        stamp = now_iso()
    assert seen == []
    assert len(stamp) == 24 and stamp[10] == "T" and stamp[19] == "." and stamp.endswith("Z")


def test_table_times_import_nothing(qapp: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for month in ("2026-11-29T01:42:07.123Z", "2026-01-05T09:07"):
        compact_time(month)  # each month's name is looked up once
    with imports_seen(monkeypatch) as seen:
        shown = compact_time("2026-11-29T01:42:07.123Z")
        naive = compact_time("2026-01-05T09:07")
    assert seen == []
    assert shown.split()[1] == "Nov" and naive == "5 Jan 09:07"
