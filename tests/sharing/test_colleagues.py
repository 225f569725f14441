"""Two and three colleagues' SimBatch processes on the same 1,000 rows of one Google Sheet at once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.sheets_server import FakeSheets
from tests.integration.live_helpers import API_KEY
from tests.sharing.conftest import ROWS
from tests.sharing.helpers import (
    FIRST_ROW,
    claim_tabs,
    colleague_home,
    completed_rows,
    filled_rows,
    finish,
    start_run,
)

ALL_ROWS = set(range(FIRST_ROW, FIRST_ROW + ROWS))


def run_colleagues(names: list[str], sheets: FakeSheets, llm: FakeOpenAI, tmp_path: Path) -> list[Path]:
    homes = [colleague_home(tmp_path, name, lease=20.0) for name in names]
    processes = [start_run(sheets, llm.base_url, API_KEY, home) for home in homes]
    results = [finish(p) for p in processes]
    for code, document, err in results:
        assert code == 0, (document, err)
        assert document["status"] == "COMPLETED", (document, err)
    return homes


@pytest.mark.slow
@pytest.mark.parametrize("names", [["Dana", "Sam"], ["Dana", "Sam", "Kim"]], ids=["two", "three"])
def test_colleagues_process_every_row_exactly_once(
    names: list[str], sheets: FakeSheets, llm: FakeOpenAI, tmp_path: Path
) -> None:
    homes = run_colleagues(names, sheets, llm, tmp_path)
    per_home = [completed_rows(home) for home in homes]
    counts = Counter(row for rows in per_home for row in rows)
    assert set(counts) == ALL_ROWS
    assert max(counts.values()) == 1, [r for r, n in counts.items() if n > 1][:10]
    assert all(per_home), "each colleague did a share of the rows"
    assert len(llm.chat_requests()) == ROWS  # nobody paid for a row twice
    assert filled_rows(sheets) == ALL_ROWS
    assert claim_tabs(sheets) == []  # tidied when the last one finished
