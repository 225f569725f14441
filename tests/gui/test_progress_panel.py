"""The Progress tab: bar, speed, time left, cost, counts, log and chart, live and from the journal."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.app.live import prepare_live_run
from desktop.gui.run import progress_panel
from desktop.gui.run.controller import controller_for
from desktop.gui.run.progress_panel import ProgressPanel, counts_text, nice_ceiling
from desktop.jobs.live_outcome import ProgressSnapshot
from desktop.journal import Journal, RunStatus
from tests.fakes.openai_server import FakeOpenAI
from tests.gui.run_helpers import fake_fixture, make_context  # noqa: F401

TIMEOUT_MS = 30_000


def test_counts_line_names_each_status_with_rows() -> None:
    counts = {"COMPLETED": 1200, "FAILED": 1, "PENDING": 3}
    assert counts_text(counts) == "1,200 completed · 1 failed · 3 waiting"
    assert counts_text({}) == "no rows yet"


def test_a_live_run_fills_every_figure_and_the_finished_run_is_shown_from_the_journal(
    qtbot: QtBot, fake: FakeOpenAI, journal: Journal, demo_copy: Path
) -> None:
    fake.latency = 0.02
    context = make_context(demo_copy, journal, workers=2)
    panel = ProgressPanel(context)
    qtbot.addWidget(panel)
    panel.show()
    controller = controller_for(context)
    seen: dict[str, set[str]] = {"speed": set(), "eta": set(), "bar": set()}

    def watch(_snapshot: object) -> None:  # connected after the panel, so it sees what the panel shows
        seen["speed"].add(panel.speed.text())
        seen["eta"].add(panel.eta.text())
        seen["bar"].add(panel.bar.text())

    controller.progress.connect(watch)
    assert context.source is not None
    rows = [s.row for s in context.scenarios]
    prepared = prepare_live_run(journal, context.source, rows, context.settings, 2)
    with qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS) as finished:
        controller.start_live(journal, context.source, prepared.run_id, prepared.client.generate, 2)
    outcome = finished.args[0]
    assert outcome.status is RunStatus.COMPLETED

    assert any(text.endswith("rows/min") and text != "0.0 rows/min" for text in seen["speed"])
    assert any(text[:1].isdigit() for text in seen["eta"])  # a time left such as "3s" while running
    assert any("%" in text and f"of {len(rows)} rows" in text for text in seen["bar"])

    # once finished, the panel reads the run back from the journal: the figures and the chart
    qtbot.waitUntil(lambda: panel.runs.findData(prepared.run_id) >= 0, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: panel.eta.text() == "completed", timeout=TIMEOUT_MS)
    assert panel.bar.value() == 100
    assert panel.bar.text().startswith("100%")
    assert panel.cost.text() == f"${outcome.cost_usd:.4f}" and outcome.cost_usd > 0
    assert panel.counts.text() == counts_text(outcome.counts)
    assert f"{outcome.counts['COMPLETED']} completed" in panel.counts.text()
    log_lines = panel.log.toPlainText().splitlines()
    assert any("rows to process" in line for line in log_lines)
    assert "Run finished" in log_lines[-1] or any("Run finished" in line for line in log_lines)
    finished_rows = outcome.counts.get("COMPLETED", 0) + outcome.counts.get("FAILED", 0)
    assert panel.done_series.count() == finished_rows + 1  # a point per finished row, from zero
    assert panel.done_series.at(panel.done_series.count() - 1).y() == finished_rows
    last_cost = panel.cost_series.at(panel.cost_series.count() - 1).y()
    assert abs(last_cost - outcome.cost_usd) < 1e-6
    assert panel.rows_axis.max() >= finished_rows


def test_a_past_runs_chart_draws_at_most_a_few_hundred_points() -> None:
    from desktop.gui.run.progress_panel import CHART_MOST_POINTS, thin

    points = [(i / 60, i, i * 0.001) for i in range(1001)]
    thinned = thin(points)
    assert len(thinned) == CHART_MOST_POINTS
    assert thinned[0] == points[0] and thinned[-1] == points[-1]
    assert thinned == sorted(thinned)  # in order, no point twice
    assert thin(points[:10]) == points[:10]


def test_the_live_chart_rescales_its_axes_a_few_times_per_run(
    qtbot: QtBot, journal: Journal, demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each axis range change lays the chart out again (5-14 ms on the GUI thread): the axes grow in
    round steps, and the rows axis spans the run's rows from the start."""
    monkeypatch.setattr(progress_panel, "CHART_POINT_SECONDS", 0.0)  # a point for every snapshot
    panel = ProgressPanel(make_context(demo_copy, journal, workers=2))
    qtbot.addWidget(panel)
    changes: list[str] = []
    for name, axis in (("x", panel.x_axis), ("rows", panel.rows_axis), ("cost", panel.cost_axis)):
        axis.rangeChanged.connect(lambda _low, _high, name=name: changes.append(name))
    total = 1000
    for done in range(1, total + 1):
        counts = {"COMPLETED": done, "PENDING": total - done}
        panel.show_snapshot(ProgressSnapshot("run-1", total, counts, 60.0, None, done * 0.00029, done * 0.75))
    assert panel.done_series.count() == total
    assert panel.rows_axis.max() == total
    assert panel.x_axis.max() >= total * 0.75 / 60 and panel.cost_axis.max() >= total * 0.00029
    assert changes.count("rows") <= 1
    assert len(changes) <= 12, changes  # was one change per axis per point: about 2,000


def test_nice_ceiling() -> None:
    assert [nice_ceiling(v) for v in (0.0003, 0.1, 0.11, 0.25, 3, 7.5, 10, 10.5, 999)] == [
        0.0005, 0.1, 0.2, 0.5, 5, 10, 10, 20, 1000
    ]


def test_the_live_chart_sizes_its_axes_to_where_the_run_is_heading(
    qtbot: QtBot, journal: Journal, demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a steady pace the time axis spans the run's expected end and the cost axis its expected
    cost from the first points: one change each, not one per round step."""
    monkeypatch.setattr(progress_panel, "CHART_POINT_SECONDS", 0.0)
    panel = ProgressPanel(make_context(demo_copy, journal, workers=2))
    qtbot.addWidget(panel)
    changes: list[str] = []
    for name, axis in (("x", panel.x_axis), ("cost", panel.cost_axis)):
        axis.rangeChanged.connect(lambda _low, _high, name=name: changes.append(name))
    total = 1000
    for done in range(1, total + 1):
        counts = {"COMPLETED": done, "PENDING": total - done}
        eta = (total - done) * 0.75
        panel.show_snapshot(ProgressSnapshot("run-1", total, counts, 80.0, eta, done * 0.00029, done * 0.75))
    assert changes.count("x") <= 2 and changes.count("cost") <= 2, changes
    assert panel.x_axis.max() >= total * 0.75 / 60 and panel.cost_axis.max() >= total * 0.00029
