"""Shared by the row commands: the selection ``--source/--rows/--tab`` name (rows past the end noted on
stderr), and cell changes as JSON."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from desktop.app import selection
from desktop.app.selection import Selection
from desktop.cli_output import note
from desktop.domain.models import CellChange
from desktop.domain.rowspec import format_rows


@contextmanager
def open_selection(args: argparse.Namespace) -> Iterator[Selection]:
    """The selection of ``args.source``/``args.rows``/``args.tab``; rows past the last data row are
    reported on stderr and skipped, which is not an error."""
    with selection.open_selection(args.opener, args.source, args.rows, args.tab) as selected:
        if selected.past_end:
            note(past_end_message(selected.past_end, selected.table.last_row))
        yield selected


def past_end_message(rows: list[int], last_row: int) -> str:
    """``Rows 90-95 are past the last data row (44) and were skipped.``"""
    where = f"the last data row ({last_row})" if last_row else "the last data row (the tab has none)"
    if len(rows) == 1:
        return f"Row {rows[0]} is past {where} and was skipped."
    return f"Rows {format_rows(rows)} are past {where} and were skipped."


def changes_json(changes: list[CellChange]) -> list[dict[str, object]]:
    """The cell changes as ``[{row, column, old, new}]`` for ``--json`` output."""
    return [{"row": c.row, "column": c.column, "old": c.old, "new": c.new} for c in changes]
