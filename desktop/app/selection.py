"""The rows a command works on: a source opened from its text and the rows of a row spec read from it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from desktop.domain.models import Scenario
from desktop.domain.rowspec import parse_row_spec
from desktop.services.open_source import SourceOpener
from desktop.services.source import ScenarioTable, Source
from desktop.settings import load_settings


@dataclass(slots=True)
class Selection:
    """The opened source, the rows selected in it, and the selected rows past its last data row."""

    source: Source
    table: ScenarioTable
    past_end: list[int] = field(default_factory=list)

    @property
    def scenarios(self) -> list[Scenario]:
        """The selected rows that exist."""
        return self.table.scenarios


@contextmanager
def open_selection(opener: SourceOpener, source: str, rows: str, tab: str | None) -> Iterator[Selection]:
    """Open ``source`` (on ``tab``, default from settings) and read the rows of the spec ``rows``; the
    source is closed afterwards.

    The row spec is checked before the source is touched. Rows past the last data row are skipped
    (not an error) and listed in ``past_end``.
    """
    spec = parse_row_spec(rows)
    opened = opener(source, tab or load_settings().scenario_tab)
    try:
        layout = opened.read_layout()
        if spec.all_rows:
            table = opened.read_scenarios(None)
            past_end: list[int] = []
        else:
            # Refuse header rows before reading: resolving up to the largest requested row checks
            # only the header; the real last row is known after the read.
            spec.resolve(layout.first_data_row, max(spec.rows))
            table = opened.read_scenarios(spec.rows)
            _, resolved_past = spec.resolve(layout.first_data_row, table.last_row)
            past_end = sorted(set(resolved_past) | set(table.skipped_rows))
        yield Selection(opened, table, past_end)
    finally:
        opened.close()
