"""Printing helpers shared by the ``simbatch`` commands: JSON documents, plain tables, progress.

Machine-readable output goes to stdout only; notes and the progress bar go to stderr, and the bar
is drawn only when stderr is a terminal, so piping ``--json`` output stays clean.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import IO, TextIO

from desktop.app.text import format_duration
from desktop.errors import short_text


def print_json(document: object, stream: TextIO | None = None) -> None:
    """Print one JSON document (UTF-8 text kept readable) followed by a newline."""
    out = stream if stream is not None else sys.stdout
    out.write(json.dumps(document, ensure_ascii=False, default=str))
    out.write("\n")
    out.flush()


def note(message: str, stream: TextIO | None = None) -> None:
    """Print one line for the user on stderr."""
    err = stream if stream is not None else sys.stderr
    err.write(message.rstrip("\n") + "\n")
    err.flush()


def format_table(headers: Sequence[str], rows: Iterable[Sequence[object]], right: Sequence[int] = ()) -> str:
    """A plain text table with a header and a rule; columns in ``right`` are right-aligned."""
    # one line each (newlines and tabs would break the table), 60 characters at most
    text_rows = [[short_text("" if value is None else value, 60) for value in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in text_rows:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], len(value))

    def line(values: Sequence[str]) -> str:
        parts = [
            value.rjust(widths[i]) if i in right else value.ljust(widths[i]) for i, value in enumerate(values)
        ]
        return "  ".join(parts).rstrip()

    out = [line(list(headers)), line(["-" * w for w in widths])]
    out.extend(line(row) for row in text_rows)
    return "\n".join(out)


def render_flagged(flagged: Sequence[Mapping[str, object]], limit: int = 20) -> list[str]:
    """Lines naming the rows flagged for review and their warnings (the first ``limit`` rows)."""
    if not flagged:
        return []
    lines = [f"Flagged for review (completed and written; please check): {len(flagged)} rows."]
    for item in flagged[:limit]:
        warnings = item.get("warnings") or []
        text = "; ".join(str(w) for w in warnings) if isinstance(warnings, list) else str(warnings)
        lines.append(f"  row {item['row']} ({item['case_id']}): {text}")
    if len(flagged) > limit:
        lines.append(f"  … and {len(flagged) - limit} more (see the Warnings column of Batch_Progress).")
    return lines


class ProgressBar:
    """A one-line progress display on stderr: rows done/total, rows per minute, ETA, cost so far.

    Draws nothing unless the stream is a terminal (or ``force`` is set), so logs and pipes stay clean.
    """

    def __init__(
        self,
        total: int,
        label: str = "",
        stream: IO[str] | None = None,
        force: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        width: int = 24,
    ) -> None:
        self.total = max(0, total)
        self.label = label
        self.stream: IO[str] = stream if stream is not None else sys.stderr
        is_tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = is_tty if force is None else force
        self.clock = clock
        self.width = width
        self.done = 0
        self.cost_usd = 0.0
        self._started = clock()
        self._last_len = 0

    def update(self, done: int, cost_usd: float | None = None) -> None:
        """Set the number of finished rows (and the cost so far) and redraw."""
        self.done = min(max(0, done), self.total) if self.total else max(0, done)
        if cost_usd is not None:
            self.cost_usd = cost_usd
        self._draw()

    def advance(self, rows: int = 1, cost_usd: float = 0.0) -> None:
        """Count ``rows`` more finished rows and add ``cost_usd`` to the cost."""
        self.update(self.done + rows, self.cost_usd + cost_usd)

    def render(self) -> str:
        """The current line, without drawing it."""
        elapsed = max(self.clock() - self._started, 1e-9)
        rate = self.done / elapsed * 60.0
        fraction = self.done / self.total if self.total else 1.0
        filled = round(fraction * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        remaining = self.total - self.done
        if self.done and remaining > 0:
            eta = format_duration(remaining / (self.done / elapsed))
        elif remaining <= 0:
            eta = "0s"
        else:
            eta = "--"
        prefix = f"{self.label} " if self.label else ""
        return (
            f"{prefix}[{bar}] {self.done}/{self.total} rows  {rate:.1f} rows/min  "
            f"ETA {eta}  ${self.cost_usd:.4f}"
        )

    def _draw(self) -> None:
        if not self.enabled:
            return
        line = self.render()
        pad = " " * max(0, self._last_len - len(line))
        self.stream.write("\r" + line + pad)
        self.stream.flush()
        self._last_len = len(line)

    def close(self) -> None:
        """End the line so later messages start on a fresh one."""
        if self.enabled and self._last_len:
            self.stream.write("\n")
            self.stream.flush()
            self._last_len = 0

    def __enter__(self) -> ProgressBar:
        self._draw()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
