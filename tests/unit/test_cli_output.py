"""The CLI printing helpers: tables, row ranges, durations and the stderr progress bar."""

from __future__ import annotations

import io
import json

from desktop.app.text import format_count, format_duration
from desktop.cli_output import ProgressBar, format_table, print_json
from desktop.domain.rowspec import format_rows


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_table_aligns_and_flattens_cells() -> None:
    text = format_table(["Row", "Case"], [[3, "A"], [10, "two\nlines"]], right=[0])
    assert text.splitlines() == ["Row  Case", "---  ---------", "  3  A", " 10  two lines"]


def test_row_ranges_and_durations() -> None:
    assert format_rows([95, 90, 91, 92, 3]) == "3, 90-92, 95"
    assert format_rows([]) == ""
    assert [format_duration(s) for s in (0, 59.4, 75, 3725)] == ["0s", "59s", "1m15s", "1h02m"]


def test_counts_take_the_plural_past_one() -> None:
    assert [format_count(n, "row") for n in (0, 1, 2)] == ["0 rows", "1 row", "2 rows"]
    assert [format_count(n, "fix", "fixes") for n in (1, 3)] == ["1 fix", "3 fixes"]
    assert format_count(1234, "row") == "1,234 rows"  # as the report and the run panel show counts


def test_print_json_keeps_unicode() -> None:
    out = io.StringIO()
    print_json({"case_id": "Ünï-心"}, out)
    assert out.getvalue() == '{"case_id": "Ünï-心"}\n'
    assert json.loads(out.getvalue()) == {"case_id": "Ünï-心"}


def test_progress_bar_draws_only_on_a_terminal() -> None:
    now = [0.0]
    pipe = io.StringIO()
    with ProgressBar(10, stream=pipe, clock=lambda: now[0]) as bar:
        bar.advance(5)
    assert pipe.getvalue() == ""

    tty = FakeTty()
    with ProgressBar(10, label="run", stream=tty, clock=lambda: now[0], width=10) as bar:
        now[0] = 60.0
        bar.advance(4, cost_usd=0.01)
        line = bar.render()
    assert line == "run [####------] 4/10 rows  4.0 rows/min  ETA 1m30s  $0.0100"
    assert tty.getvalue().endswith("\n")
    assert "\r" in tty.getvalue()
