"""The GUI thread stays responsive during a 500-row live run against the fake OpenAI server."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.journal import Journal, RunStatus
from tests.conftest import DEMO_WORKBOOK
from tests.fakes.openai_server import FakeOpenAI
from tests.gui.conftest import MessageLog
from tests.gui.run_helpers import (  # noqa: F401
    StallMeter,
    fake_fixture,
    make_context,
    make_workbook,
    run_side_for,
)

ROWS = 500
#: Any work done on the GUI thread instead of a worker (a request, a write-back, a journal scan)
#: shows as a stall of several hundred milliseconds here. The product target of 100 ms is measured
#: on a quiet machine by ``bench/gui_latency.py``; this bound leaves room for a loaded CI machine.
MAX_STALL = 0.250
MAX_P99 = 0.080


def test_gui_thread_stays_responsive_during_a_500_row_run(
    qtbot: QtBot, fake: FakeOpenAI, journal: Journal, tmp_path: Path, message_boxes: MessageLog
) -> None:
    fake.latency = 0.01
    workbook = make_workbook(DEMO_WORKBOOK, tmp_path / "big.xlsx", ROWS)
    context = make_context(workbook, journal, workers=8)
    side = run_side_for(qtbot, context, show=True)
    qtbot.waitUntil(lambda: side.run_panel.estimate_box.estimate is not None, timeout=20_000)
    updates: list[int] = []
    batches: list[list[int]] = []
    context.row_statuses_changed.connect(updates.extend)
    context.row_statuses_changed.connect(batches.append)
    meter = StallMeter()
    meter.start()
    with qtbot.waitSignal(side.controller.finished, timeout=60_000) as finished:
        side.run_panel.start_button.click()
    qtbot.wait(200)  # the chart and log reload after the end are part of the run
    meter.stop()

    outcome = finished.args[0]
    assert outcome.status is RunStatus.COMPLETED, message_boxes.shown
    assert outcome.counts == {"COMPLETED": ROWS}
    assert len(set(updates)) == ROWS
    # news reaches the window in batches, each one signal through the chain (a row has 3 news)
    assert len(batches[0]) == ROWS  # every row PENDING at once
    assert len(batches) < ROWS / 5, len(batches)
    assert len(meter.gaps) > 50
    assert meter.longest < MAX_STALL, f"longest stall {meter.longest * 1000:.0f} ms"
    assert meter.percentile(0.99) < MAX_P99
