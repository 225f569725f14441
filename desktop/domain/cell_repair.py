"""Safe repair of vitals cells whose JSON syntax is broken (unquoted keys, single quotes, a trailing
comma, a missing closing brace).

The repair itself is done by the ``json-repair`` library; this module only decides whether its result
may be used. A repair is *safe* when it changed punctuation only: every key and value written in the
cell comes out unchanged, nothing is dropped and nothing is invented. ``{HR: 126, BP: 118/72}`` is
safe; ``{"HR": 88 bpm}`` (the unit would be lost), a cell with trailing prose, a duplicated key or an
empty value that the library fills in are not, and are left for a person.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import json_repair

#: Characters that are JSON structure rather than part of a key or value.
_STRUCTURE = frozenset("{}[],:")
_QUOTES = frozenset("\"'")
_LITERALS = {"true": "true", "false": "false", "null": "null", "none": "null"}


@dataclass(frozen=True)
class Repair:
    """The outcome of trying to repair one cell: ``data`` when the repair is safe, else ``reason``."""

    data: dict[str, object] | None
    reason: str | None = None


def repair_vitals_text(text: str) -> Repair:
    """Repair the JSON syntax of one cell's text when that changes no key or value.

    Returns ``Repair(data)`` for a safe repair, or ``Repair(None, reason)`` with one sentence saying why
    the cell was left alone.
    """
    try:
        repaired = json_repair.loads(text)
    except (ValueError, RecursionError):
        repaired = None
    if not isinstance(repaired, dict) or not repaired:
        return Repair(None, "its text could not be read as one vitals object")
    if not _all_finite(repaired):
        return Repair(None, "it holds a number that JSON does not allow (NaN or Infinity)")
    shown: dict[str, str] = {}
    before = _count(_atoms_of_text(text), shown)
    after = _count(_atoms_of_value(repaired), shown)
    if before == after:
        return Repair({str(key): value for key, value in repaired.items()})
    lost = [shown[atom] for atom in sorted((before - after).elements())]
    added = [shown[atom] for atom in sorted((after - before).elements())]
    if lost and added:
        detail = f"{_list(lost)} would become {_list(added)}"
    elif lost:
        detail = f"{_list(lost)} would be dropped"
    else:
        detail = f"{_list(added)} would be added"
    return Repair(None, f"repairing its JSON would change what it says: {detail}")


def _all_finite(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_all_finite(item) for item in value.values())
    if isinstance(value, list):
        return all(_all_finite(item) for item in value)
    return True


def _count(atoms: Iterator[tuple[str, str]], shown: dict[str, str]) -> Counter[str]:
    """Count atoms by their comparable form; remember how each was first written, for messages."""
    counts: Counter[str] = Counter()
    for normal, text in atoms:
        counts[normal] += 1
        shown.setdefault(normal, text)
    return counts


def _list(atoms: list[str]) -> str:
    shown = ", ".join(repr(a) for a in atoms[:4])
    return shown + (" …" if len(atoms) > 4 else "")


def _normal(atom: str) -> tuple[str, str]:
    """A bare key or value as (comparable form, text): numbers by value, JSON literals in lower case."""
    literal = _LITERALS.get(atom.lower())
    if literal is not None:
        return literal, atom
    try:
        number = float(atom)
    except ValueError:
        return atom, atom
    return (repr(number) if math.isfinite(number) else atom), atom


def _atoms_of_text(text: str) -> Iterator[tuple[str, str]]:
    """The keys and values written in ``text``: quoted strings whole, bare runs between structure."""
    i, n = 0, len(text)
    bare: list[str] = []

    def flush() -> Iterator[tuple[str, str]]:
        word = "".join(bare).strip()
        bare.clear()
        if word:
            yield _normal(word)

    while i < n:
        char = text[i]
        if char in _QUOTES:
            yield from flush()
            end, content = _read_quoted(text, i)
            yield content, content
            i = end
            continue
        if char in _STRUCTURE:
            yield from flush()
        else:
            bare.append(char)
        i += 1
    yield from flush()


def _read_quoted(text: str, start: int) -> tuple[int, str]:
    """The index after the string that opens at ``start`` and its content (escapes resolved)."""
    quote = text[start]
    i = start + 1
    out: list[str] = []
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            escaped = text[i : i + 2]
            try:
                out.append(json.loads(f'"{escaped}"') if escaped != "\\'" else "'")
            except ValueError:
                out.append(text[i + 1])
            i += 2
            continue
        if char == quote:
            return i + 1, "".join(out)
        out.append(char)
        i += 1
    return i, "".join(out)  # an unterminated string runs to the end


def _atoms_of_value(value: object) -> Iterator[tuple[str, str]]:
    """The keys and scalar values of a parsed JSON value, in the same comparable form."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key), str(key)
            yield from _atoms_of_value(item)
    elif isinstance(value, list):
        for item in value:
            yield from _atoms_of_value(item)
    elif isinstance(value, str):
        yield value, value
    elif value is None or isinstance(value, bool | int | float):
        yield _normal(json.dumps(value))
    else:  # pragma: no cover - json_repair returns JSON types only
        yield str(value), str(value)
