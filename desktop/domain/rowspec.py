"""Row selections such as ``10-20,25,30-31`` or ``all`` (SPEC section 7). Rows are the sheet's own
1-based numbers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from desktop.errors import UsageError

#: Largest number of rows one selection may name.
MAX_ROWS = 1_000_000
#: Longest row number accepted (Google Sheets has at most 10 million cells).
MAX_DIGITS = 12

_SINGLE = re.compile(r"[0-9]+", re.ASCII)
_RANGE = re.compile(r"([0-9]+)\s*[-–—]\s*([0-9]+)", re.ASCII)
_NEGATIVE = re.compile(r"-\s*[0-9]+", re.ASCII)
_EXAMPLES = "write rows like 10-20, 10,11,12, 10-20,25 or all"


@dataclass(frozen=True)
class RowSpec:
    """A parsed selection: every data row, or these rows (sorted, unique)."""

    all_rows: bool
    rows: tuple[int, ...]

    def resolve(self, first_data_row: int, last_row: int) -> tuple[list[int], list[int]]:
        """(rows to use, rows past ``last_row``). Naming a row above the data (a header or banner row)
        is a UsageError."""
        if self.all_rows:
            return list(range(first_data_row, last_row + 1)), []
        early = [row for row in self.rows if row < first_data_row]
        if early:
            named = format_row_spec(early)
            what = f"Row {named} is a header row" if len(early) == 1 else f"Rows {named} are header rows"
            raise UsageError(f"{what}, not scenario data; data rows start at row {first_data_row}.")
        inside = [row for row in self.rows if row <= last_row]
        past = [row for row in self.rows if row > last_row]
        return inside, past


def _token_range(token: str) -> tuple[int, int]:
    if sum(ch.isdigit() for ch in token) > 2 * MAX_DIGITS:
        raise UsageError(f"{token[:30]!r}… is too long to be a row number.")
    if _SINGLE.fullmatch(token):
        lo = hi = int(token)
    elif match := _RANGE.fullmatch(token):
        lo, hi = int(match.group(1)), int(match.group(2))
        if lo > hi:
            raise UsageError(f"The range {token!r} runs backwards; write it as {hi}-{lo}.")
    elif _NEGATIVE.fullmatch(token):
        raise UsageError(f"Row numbers start at 1, so {token!r} is not a row.")
    else:
        raise UsageError(f"{token!r} is not a row number or a range; {_EXAMPLES}.")
    if max(len(str(lo)), len(str(hi))) > MAX_DIGITS:
        raise UsageError(f"{token!r} is far beyond the last row of any sheet.")
    if lo < 1:
        raise UsageError(f"Row numbers start at 1, so {token!r} is not a row.")
    return lo, hi


def parse_row_spec(text: str) -> RowSpec:
    """Parse a row selection; a UsageError with a clear sentence when it cannot be used."""
    stripped = text.strip() if isinstance(text, str) else ""
    if not stripped:
        raise UsageError(f"The row selection is empty; {_EXAMPLES}.")
    if stripped.lower() == "all":
        return RowSpec(all_rows=True, rows=())
    ranges: list[tuple[int, int]] = []
    for raw in stripped.split(","):
        token = raw.strip()
        if not token:
            raise UsageError(f"The row selection {stripped!r} has an empty item between commas; {_EXAMPLES}.")
        if token.lower() == "all":
            raise UsageError("'all' cannot be combined with other rows.")
        ranges.append(_token_range(token))
    merged: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    total = sum(hi - lo + 1 for lo, hi in merged)
    if total > MAX_ROWS:
        raise UsageError(f"The row selection names {total:,} rows; the limit is {MAX_ROWS:,} per run.")
    rows = tuple(row for lo, hi in merged for row in range(lo, hi + 1))
    return RowSpec(all_rows=False, rows=rows)


def consecutive_runs(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """The numbers, sorted and without repeats, as (first, last) runs of consecutive ones:
    ``[7, 1, 2, 3, 3]`` → ``[(1, 3), (7, 7)]``."""
    runs: list[tuple[int, int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


def format_row_spec(rows: Iterable[int]) -> str:
    """The compact text for a set of rows, e.g. ``"3-7,9"`` (empty text for no rows)."""
    runs = consecutive_runs(rows)
    return ",".join(str(first) if first == last else f"{first}-{last}" for first, last in runs)


def format_rows(rows: Iterable[int]) -> str:
    """Sheet row numbers as compact ranges for a sentence: ``[90, 91, 92, 95]`` → ``"90-92, 95"``."""
    return format_row_spec(rows).replace(",", ", ")
