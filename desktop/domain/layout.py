"""Finding the header row and the columns of a scenario tab, for every kind of source.

Headers match case- and separator-insensitively: ``Case ID``, ``case_id`` and ``CASE-ID`` are one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from desktop.domain.models import INITIAL_VITALS, CellValue, state_column
from desktop.errors import InputError

#: The header row is the first row among the first ``HEADER_SEARCH_ROWS`` with a Case ID header.
HEADER_SEARCH_ROWS = 5

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_STATE_RE = re.compile(r"^state(\d+)vitals$")
_CANONICAL_STATE_RE = re.compile(r"^State(\d+)_Vitals$")

CASE_ID_KEY = "caseid"
TITLE_KEYS = ("casetitle", "title")


def header_key(text: CellValue) -> str:
    """Normalised form of a header, and of a vitals field key or rhythm alias: lower case, letters and
    digits only (``Case ID``, ``case_id`` and ``CASE-ID`` all give ``caseid``)."""
    if text is None:
        return ""
    return _NON_ALNUM.sub("", str(text).lower())


def vitals_column_name(header: CellValue) -> str | None:
    """Canonical vitals column name for a header (``Initial_Vitals``/``State<N>_Vitals``), or None."""
    key = header_key(header)
    if key == "initialvitals":
        return INITIAL_VITALS
    match = _STATE_RE.match(key)
    if match and int(match.group(1)) >= 1:
        return state_column(int(match.group(1)))
    return None


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its 1-based index in the sheet and the header as written."""

    index: int
    header: str


@dataclass(slots=True)
class SheetLayout:
    """Where things are on a scenario tab. Row and column numbers are the sheet's own, 1-based."""

    header_row: int
    case_id: Column
    title: Column | None
    vitals: dict[str, Column] = field(default_factory=dict)  # canonical name -> column
    context: list[Column] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    def column_for(self, name: str) -> Column:
        """The column of a canonical vitals name, ``Case_ID`` or ``Case_Title``."""
        if name in self.vitals:
            return self.vitals[name]
        key = header_key(name)
        if key == CASE_ID_KEY:
            return self.case_id
        if key in TITLE_KEYS and self.title is not None:
            return self.title
        for col in self.context:
            if header_key(col.header) == key:
                return col
        raise InputError(f"The scenario tab has no column named {name!r}.")


def find_layout(top_rows: Sequence[Sequence[CellValue]], tab_name: str) -> SheetLayout:
    """Find the header row among ``top_rows`` (the first rows of the tab) and map its columns.

    Raises ``InputError`` naming the missing column and the headers that were found.
    """
    for offset, cells in enumerate(top_rows[:HEADER_SEARCH_ROWS]):
        keys = [header_key(c) for c in cells]
        if CASE_ID_KEY in keys:
            return _layout_from_header(offset + 1, cells)
    found: list[str] = []
    for cells in top_rows[:HEADER_SEARCH_ROWS]:
        found.extend(str(c).strip() for c in cells if c not in (None, ""))
    shown = ", ".join(found[:30]) if found else "none"
    raise InputError(
        f"The tab {tab_name!r} has no Case_ID column in its first {HEADER_SEARCH_ROWS} rows "
        f"(headers found: {shown})."
    )


def _layout_from_header(header_row: int, cells: Sequence[CellValue]) -> SheetLayout:
    case_id: Column | None = None
    title: Column | None = None
    title_rank = len(TITLE_KEYS)
    vitals: dict[str, Column] = {}
    context: list[Column] = []
    headers: list[str] = []
    for index, raw in enumerate(cells, start=1):
        text = "" if raw is None else str(raw).strip()
        headers.append(text)
        if not text:
            continue
        key = header_key(text)
        column = Column(index, text)
        vitals_name = vitals_column_name(text)
        if key == CASE_ID_KEY and case_id is None:
            case_id = column
        elif key in TITLE_KEYS and TITLE_KEYS.index(key) < title_rank:
            if title is not None:
                context.append(title)
            title, title_rank = column, TITLE_KEYS.index(key)
        elif vitals_name is not None and vitals_name not in vitals:
            vitals[vitals_name] = column
        else:
            context.append(column)
    assert case_id is not None  # the caller found it in this row
    ordered = dict(sorted(vitals.items(), key=lambda item: vitals_order(item[0])))
    return SheetLayout(header_row, case_id, title, ordered, context, headers)


def vitals_order(name: str) -> int:
    """Sort key of a canonical vitals column name: Initial_Vitals, then State<N> by N, anything else last."""
    if name == INITIAL_VITALS:
        return 0
    match = _CANONICAL_STATE_RE.match(name)
    return int(match.group(1)) if match else 1_000_000
