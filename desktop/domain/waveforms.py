"""The canonical rhythm names the app knows, loaded once from ``resources/waveforms.json``.

Aliases (``NSR``, ``V-fib``, ``Sinus Tach`` …) match case- and separator-insensitively.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from desktop.domain.layout import header_key
from desktop.paths import resource

#: Every canonical name ends with this suffix (SPEC section 3).
SUFFIX = "_ecg"


@dataclass(frozen=True)
class Waveform:
    """One rhythm: canonical name, plain label, aliases, whether it gives a pulse, the heart rate range
    expected with it, and how it adjusts the clinical defaults."""

    name: str
    label: str
    aliases: tuple[str, ...]
    perfusing: bool
    hr_range: tuple[int, int]
    defaults: dict[str, object]


@dataclass(frozen=True)
class _Catalog:
    by_name: dict[str, Waveform]
    by_key: dict[str, str]


def _load() -> _Catalog:
    raw = json.loads(resource("waveforms.json").read_text(encoding="utf-8"))
    by_name: dict[str, Waveform] = {}
    by_key: dict[str, str] = {}
    for item in raw["waveforms"]:
        lo, hi = item["hr_range"]
        wave = Waveform(
            name=item["name"],
            label=item["label"],
            aliases=tuple(item.get("aliases", ())),
            perfusing=bool(item["perfusing"]),
            hr_range=(int(lo), int(hi)),
            defaults=dict(item.get("defaults", {})),
        )
        by_name[wave.name] = wave
    # Names first, then labels and aliases, so a canonical name always wins a clash.
    for wave in by_name.values():
        by_key[header_key(wave.name)] = wave.name
        by_key.setdefault(header_key(wave.name.removesuffix(SUFFIX)), wave.name)
    for wave in by_name.values():
        for text in (wave.label, *wave.aliases):
            by_key.setdefault(header_key(text), wave.name)
    return _Catalog(by_name, by_key)


@lru_cache(maxsize=1)
def _catalog() -> _Catalog:
    return _load()


def canonical_waveform(text: object) -> str | None:
    """The canonical name for a canonical name or an alias, or None when ``text`` names no known rhythm."""
    if not isinstance(text, str):
        return None
    catalog = _catalog()
    if text in catalog.by_name:
        return text
    key = header_key(text)
    if not key:
        return None
    return catalog.by_key.get(key)


def is_canonical(text: object) -> bool:
    """True when ``text`` is exactly one of the canonical names (``sinus_ecg`` …)."""
    return isinstance(text, str) and text in _catalog().by_name


def get_waveform(name: str) -> Waveform:
    """The rhythm with this canonical name; KeyError when there is none."""
    return _catalog().by_name[name]


def all_waveforms() -> list[Waveform]:
    """Every known rhythm, in the order of the resource file."""
    return list(_catalog().by_name.values())


def alias_clashes() -> list[tuple[str, str, str]]:
    """Aliases or labels that normalise to a key already taken by another rhythm: (text, owner, loser).

    Used by tests to keep the resource file unambiguous.
    """
    seen: dict[str, str] = {}
    clashes: list[tuple[str, str, str]] = []
    for wave in all_waveforms():
        texts = {wave.name, wave.name.removesuffix(SUFFIX), wave.label, *wave.aliases}
        for text in texts:
            key = header_key(text)
            owner = seen.setdefault(key, wave.name)
            if owner != wave.name:
                clashes.append((text, owner, wave.name))
    return clashes
