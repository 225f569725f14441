"""Times written for colleagues on other computers: stamped in UTC, shown in the reader's own time.

They are only ever shown, never compared between computers (clocks differ)."""

from __future__ import annotations

import datetime as _dt


def utc_stamp() -> str:
    """The current UTC time, ISO 8601 to the second: ``2026-12-03T10:42:00Z``."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_hh_mm(stamp: str) -> str:
    """An ISO 8601 time (``…Z`` or with an offset) as this computer's local ``10:42``; ``stamp`` itself
    when it is not a time."""
    try:
        moment = _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return moment.astimezone().strftime("%H:%M")
