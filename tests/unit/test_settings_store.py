"""The settings store: each writer changes only its fields on top of the file as it is now."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from desktop.settings import Settings, load_settings, save_settings
from desktop.settings_store import SettingsStore, changed_fields, update_settings


def test_update_keeps_what_another_writer_saved_meanwhile() -> None:
    save_settings(Settings(last_source="A.xlsx"))
    store = SettingsStore()  # read while the file says A
    update_settings(last_source="B.xlsx")  # another writer (the window opening B)
    seen: list[Settings] = []
    store.subscribe(seen.append)
    result = store.update(workers=3)
    assert result.last_source == "B.xlsx" and result.workers == 3
    saved = load_settings()
    assert saved.last_source == "B.xlsx" and saved.workers == 3
    assert store.current is result and seen == [result]


def test_an_invalid_value_writes_nothing_and_notifies_nobody() -> None:
    save_settings(Settings(workers=5))
    store = SettingsStore()
    seen: list[Settings] = []
    store.subscribe(seen.append)
    with pytest.raises(ValueError):
        store.update(workers=0)
    assert load_settings().workers == 5 and store.current.workers == 5 and seen == []


def test_reload_reads_the_file_again_and_notifies() -> None:
    store = SettingsStore()
    update_settings(model="gpt-4.1-mini")
    seen: list[Settings] = []
    store.subscribe(seen.append)
    assert store.reload().model == "gpt-4.1-mini" and [s.model for s in seen] == ["gpt-4.1-mini"]


def test_changed_fields_are_only_the_edited_ones() -> None:
    before = Settings(last_source="A.xlsx", workers=4)
    after = before.model_copy(update={"workers": 6})
    assert changed_fields(before, after) == {"workers": 6}
    assert changed_fields(before, before.model_copy()) == {}


def test_the_settings_file_has_one_writer() -> None:
    """Only the store's module saves settings; the desktop app writes them only through its store."""
    desktop = Path(__file__).resolve().parents[2] / "desktop"
    calls: dict[str, set[str]] = {"save_settings": set(), "update_settings": set()}
    for path in desktop.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in calls:
                calls[node.func.id].add(path.relative_to(desktop).as_posix())
    assert calls["save_settings"] == {"settings_store.py"}
    assert not {p for p in calls["update_settings"] if p.startswith("gui/")}
