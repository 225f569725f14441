"""Plain-language text shared by the command line, the desktop app and the reports: counts with their
noun, durations, rows colleagues hold (row ranges are ``desktop.domain.rowspec.format_rows``)."""

from __future__ import annotations

from collections.abc import Mapping

from desktop.domain.rowspec import format_rows


def held_by_colleagues(held: Mapping[int, str]) -> list[str]:
    """Sentences for rows colleagues hold, ``{row: "in progress by Dana's PC, since 10:42"}`` →
    ``["Rows 3-52 are in progress by Dana's PC, since 10:42: not counted above."]``."""
    by_holder: dict[str, list[int]] = {}
    for row, who in sorted(held.items()):
        by_holder.setdefault(who, []).append(row)
    return [f"Rows {format_rows(rows)} are {who}: not counted above." for who, rows in by_holder.items()]


def format_count(n: int, noun: str, plural: str | None = None) -> str:
    """A count with thousands separators and its noun in the right number: ``1, "row"`` → ``"1 row"``;
    ``1234, "row"`` → ``"1,234 rows"``.

    ``plural`` is for nouns that do not just add an ``s`` (``"fix"``, ``"fixes"``).
    """
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {plural or noun + 's'}"


def format_duration(seconds: float) -> str:
    """``75`` → ``"1m15s"``; ``3725`` → ``"1h02m"``."""
    total = max(0, round(seconds))
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
