"""Shared by the row commands: open the source, read the selected rows, note rows past the end."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from desktop.app.text import format_rows
from desktop.cli_output import note
from desktop.domain.models import CellChange, Scenario
from desktop.domain.rowspec import parse_row_spec
from desktop.services.source import ScenarioTable, Source
from desktop.settings import load_settings


@dataclass(slots=True)
class Selection:
    """The opened source and the rows the user selected."""

    source: Source
    table: ScenarioTable
    past_end: list[int] = field(default_factory=list)

    @property
    def scenarios(self) -> list[Scenario]:
        return self.table.scenarios


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """``--source SRC --rows SPEC [--tab NAME]``, the arguments every row command takes."""
    parser.add_argument(
        "--source", required=True, metavar="SRC", help="an .xlsx path, gsheet:<id> or a Google Sheets link"
    )
    parser.add_argument(
        "--rows", required=True, metavar="SPEC", help="sheet rows: 10-20, 10,11,12, 10-20,25,30-31 or all"
    )
    parser.add_argument(
        "--tab", default=None, metavar="NAME", help="the scenario tab (default from settings)"
    )


@contextmanager
def open_selection(args: argparse.Namespace) -> Iterator[Selection]:
    """Open ``args.source`` and read the rows of ``args.rows``; the source is closed afterwards.

    The row spec is checked before the source is touched. Rows past the last data row are
    reported on stderr and skipped, which is not an error.
    """
    spec = parse_row_spec(args.rows)
    tab = args.tab or load_settings().scenario_tab
    source = args.opener(args.source, tab)
    try:
        layout = source.read_layout()
        if spec.all_rows:
            table = source.read_scenarios(None)
            past_end: list[int] = []
        else:
            # Refuse header rows before reading: resolving up to the largest requested row checks
            # only the header; the real last row is known after the read.
            spec.resolve(layout.first_data_row, max(spec.rows))
            table = source.read_scenarios(spec.rows)
            _, resolved_past = spec.resolve(layout.first_data_row, table.last_row)
            past_end = sorted(set(resolved_past) | set(table.skipped_rows))
        if past_end:
            note(past_end_message(past_end, table.last_row))
        yield Selection(source, table, past_end)
    finally:
        source.close()


def past_end_message(rows: list[int], last_row: int) -> str:
    """``Rows 90-95 are past the last data row (44) and were skipped.``"""
    where = f"the last data row ({last_row})" if last_row else "the last data row (the tab has none)"
    if len(rows) == 1:
        return f"Row {rows[0]} is past {where} and was skipped."
    return f"Rows {format_rows(rows)} are past {where} and were skipped."


def changes_json(changes: list[CellChange]) -> list[dict[str, object]]:
    """The cell changes as ``[{row, column, old, new}]`` for ``--json`` output."""
    return [{"row": c.row, "column": c.column, "old": c.old, "new": c.new} for c in changes]
