"""The Progress tab: overall bar, speed, ETA, cost and counts; a plain-language log; a chart over time."""

from __future__ import annotations

import math
import time
from typing import Any

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.app.runs import RunHistory, level_prefix, recent_runs, run_history
from desktop.app.text import format_duration
from desktop.gui.context import AppContext
from desktop.gui.qt.workers import local_pool, run_task
from desktop.gui.run.controller import RunState, controller_for
from desktop.gui.widgets.report_export import ReportExport
from desktop.jobs.live_outcome import ProgressSnapshot
from desktop.journal import Journal, RowStatus, RunRecord
from desktop.journal.db import parse_iso

#: The order and words of the counts line.
COUNT_ORDER = (
    (RowStatus.COMPLETED, "completed"),
    (RowStatus.FAILED, "failed"),
    (RowStatus.PROCESSING, "in progress"),
    (RowStatus.SUBMITTED, "submitted"),
    (RowStatus.PENDING, "waiting"),
    (RowStatus.CANCELLED, "cancelled"),
)
CHART_POINT_SECONDS = 1.0
#: The chart's axes start at these ends and grow in round steps (``nice_ceiling``).
SMALLEST_MINUTES = 0.1
SMALLEST_COST = 0.0001


def counts_text(counts: dict[str, int] | Any) -> str:
    """``12 completed · 1 failed · 30 waiting`` (statuses with no rows left out)."""
    parts = [f"{counts.get(s.value, 0):,} {word}" for s, word in COUNT_ORDER if counts.get(s.value, 0)]
    return " · ".join(parts) or "no rows yet"


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (a positive number).

    The live chart's axes grow in these steps rather than to each new point: every range change lays
    the whole chart out again and redraws it, 5-14 ms on the GUI thread.
    """
    power = 10.0 ** math.floor(math.log10(value))
    return next((step * power for step in (1.0, 2.0, 5.0) if step * power >= value * (1 - 1e-9)), 10 * power)


def chart_points(finished: list[tuple[str, float]]) -> list[tuple[float, int, float]]:
    """(minutes since the first row finished, rows done, cost so far) for each finished row, in order,
    from each row's (finish time, cost)."""
    stamped = sorted((parse_iso(when), cost) for when, cost in finished)
    if not stamped:
        return []
    start = stamped[0][0]
    points: list[tuple[float, int, float]] = [(0.0, 0, 0.0)]
    cost = 0.0
    for done, (when, row_cost) in enumerate(stamped, start=1):
        cost += row_cost
        points.append(((when - start).total_seconds() / 60.0, done, cost))
    return points


#: One chart point: minutes since the first row finished, rows done, cost so far.
_Point = tuple[float, int, float]
#: A run's chart: its points and the two series' points made from them.
_Chart = tuple[list[_Point], list[QPointF], list[QPointF]]
#: The most points a past run's chart draws.
CHART_MOST_POINTS = 300


def _history_with_chart(journal: Journal, run_id: str) -> tuple[RunHistory | None, _Chart]:
    """A run's history and its chart points (worker thread: a 1,000-row run has a thousand points)."""
    history = run_history(journal, run_id)
    points = thin(chart_points(history.finished)) if history is not None else []
    done = [QPointF(m, d) for m, d, _c in points]
    cost = [QPointF(m, c) for m, _d, c in points]
    return history, (points, done, cost)


def thin(points: list[_Point], most: int = CHART_MOST_POINTS) -> list[_Point]:
    """At most ``most`` of the points, evenly spread, the first and the last kept (a chart a few
    hundred pixels wide shows no more, and each point costs drawing time)."""
    if len(points) <= most:
        return points
    step = (len(points) - 1) / (most - 1)
    return [points[round(i * step)] for i in range(most)]


class ProgressPanel(QWidget):
    """Shows where the current run stands, and any past run picked in the list."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.controller = controller_for(context)
        self.snapshot: ProgressSnapshot | None = None
        self._last_point = 0.0

        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setValue(0)
        self.bar.setFormat("%p%")
        self.bar.setToolTip("Share of the run's rows that are finished")
        self.speed = QLabel("—")
        self.eta = QLabel("—")
        self.cost = QLabel("—")
        self.counts = QLabel("No run yet.")
        self.counts.setWordWrap(True)
        figures = QHBoxLayout()
        for title, label in (("Speed:", self.speed), ("Time left:", self.eta), ("Cost so far:", self.cost)):
            caption = QLabel(title)
            caption.setBuddy(label)
            figures.addWidget(caption)
            figures.addWidget(label)
            figures.addSpacing(12)
        figures.addStretch(1)

        self.runs = QComboBox()
        self.runs.setToolTip("Pick a run to see its chart and log")
        self.runs.activated.connect(self._run_picked)
        runs_row = QHBoxLayout()
        runs_label = QLabel("&Run:")
        runs_label.setBuddy(self.runs)
        runs_row.addWidget(runs_label)
        runs_row.addWidget(self.runs, 1)
        self.report_export = ReportExport(context)
        runs_row.addWidget(self.report_export)
        self.runs.currentIndexChanged.connect(lambda _i: self.report_export.set_run(self.runs.currentData()))

        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(5000)
        self.log.setPlaceholderText("What the run does appears here in plain words.")

        self.done_series = QLineSeries()
        self.done_series.setName("Rows finished")
        self.cost_series = QLineSeries()
        self.cost_series.setName("Cost (US$)")
        self.chart = QChart()
        self.chart.addSeries(self.done_series)
        self.chart.addSeries(self.cost_series)
        self.chart.setTitle("Rows and cost over time")
        self.x_axis = QValueAxis()
        self.x_axis.setTitleText("Minutes")
        self.x_axis.setLabelFormat("%.2f")
        self.rows_axis = QValueAxis()
        self.rows_axis.setTitleText("Rows")
        self.rows_axis.setLabelFormat("%d")
        self.cost_axis = QValueAxis()
        self.cost_axis.setTitleText("US$")
        self.cost_axis.setLabelFormat("%.4f")
        self.chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.rows_axis, Qt.AlignmentFlag.AlignLeft)
        self.chart.addAxis(self.cost_axis, Qt.AlignmentFlag.AlignRight)
        for series, axis in ((self.done_series, self.rows_axis), (self.cost_series, self.cost_axis)):
            series.attachAxis(self.x_axis)
            series.attachAxis(axis)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(220)
        self._apply_palette()

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.chart_view)
        splitter.addWidget(self.log)
        layout = QVBoxLayout(self)
        layout.addWidget(self.bar)
        layout.addLayout(figures)
        layout.addWidget(self.counts)
        layout.addLayout(runs_row)
        layout.addWidget(splitter, 1)

        self.controller.progress.connect(self.show_snapshot)
        self.controller.message.connect(self.add_message)
        self.controller.finished.connect(lambda _outcome: self.reload_runs())
        self.controller.state_changed.connect(self._state_changed)
        self.reload_runs()

    def _apply_palette(self) -> None:
        """Follow the OS light or dark palette."""
        palette = self.palette()
        dark = palette.window().color().lightness() < 128
        self.chart.setTheme(QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight)
        self.chart.setBackgroundBrush(palette.base())

    # -- live updates (GUI thread, from the controller's signals) ---------------------------------

    def show_snapshot(self, snapshot: ProgressSnapshot) -> None:
        """Show a progress snapshot of the current run."""
        if self.snapshot is None or self.snapshot.run_id != snapshot.run_id:
            self._start_chart(rows=snapshot.total)  # known from the start: no rescaling
        self.snapshot = snapshot
        self.report_export.set_run(snapshot.run_id)
        self.bar.setValue(round(snapshot.percent))
        self.bar.setFormat(f"%p%  ({snapshot.done:,} of {snapshot.total:,} rows)")
        self.speed.setText(f"{snapshot.rows_per_minute:.1f} rows/min")
        if snapshot.paused:
            self.eta.setText("paused")
        elif snapshot.eta_seconds is None:
            self.eta.setText("—" if snapshot.done < snapshot.total else "done")
        else:
            self.eta.setText(format_duration(snapshot.eta_seconds))
        self.cost.setText(f"${snapshot.cost_usd:.4f}")
        self.counts.setText(counts_text(snapshot.counts))
        now = time.monotonic()
        if now - self._last_point >= CHART_POINT_SECONDS or snapshot.done >= snapshot.total:
            self._last_point = now
            self._add_point(snapshot)

    def add_message(self, text: str, level: str) -> None:
        """Append one plain-language line to the log."""
        self.log.appendPlainText(f"{time.strftime('%H:%M:%S')}  {level_prefix(level)}{text}")

    def _state_changed(self, state: RunState) -> None:
        if state is RunState.RUNNING and self.snapshot is None:
            self._start_chart()

    def _start_chart(self, rows: int = 1) -> None:
        """Empty the chart for a new run; each axis is set once (every range change lays it out)."""
        self.done_series.clear()
        self.cost_series.clear()
        self._last_point = 0.0
        self.x_axis.setRange(0, SMALLEST_MINUTES)
        self.rows_axis.setRange(0, max(rows, 1))
        self.cost_axis.setRange(0, SMALLEST_COST)

    def _add_point(self, snapshot: ProgressSnapshot) -> None:
        minutes, done, cost = snapshot.elapsed_seconds / 60.0, snapshot.done, snapshot.cost_usd
        self.done_series.append(minutes, done)
        self.cost_series.append(minutes, cost)
        # The axes grow to where the run is heading (its end and its cost at this pace), so that they
        # change a few times early in a run rather than every few seconds all through it.
        eta_minutes = (snapshot.eta_seconds or 0.0) / 60.0
        _grow(self.x_axis, minutes + eta_minutes)
        _grow(self.rows_axis, done)
        _grow(self.cost_axis, cost * snapshot.total / done if done else cost)

    # -- past runs (journal reads on a worker thread) ----------------------------------------------

    def reload_runs(self) -> None:
        """Refill the run list from the journal."""
        journal = self.context.journal
        run_task(lambda _ctx: recent_runs(journal), on_result=self._runs_loaded, on_error=self._read_failed,
                 pool=local_pool())

    def _runs_loaded(self, runs: list[RunRecord]) -> None:
        # after a run ends, show that run; otherwise keep the run the user picked
        current = self.controller.run_id if not self.controller.active and self.controller.run_id else None
        current = current or self.runs.currentData()
        self.runs.clear()
        for run in runs:
            text = (f"{run.run_id} · {run.kind} · {run.status.value.lower()} · {run.totals.completed:,}/"
                    f"{run.totals.rows:,} rows · ${run.totals.cost_usd:.4f}")
            self.runs.addItem(text, run.run_id)
        index = self.runs.findData(current) if current else 0
        self.runs.setCurrentIndex(max(index, 0))
        if runs and not self.controller.active:
            self.show_run(str(self.runs.currentData()))

    def _run_picked(self, index: int) -> None:
        self.show_run(str(self.runs.itemData(index)))

    def show_run(self, run_id: str) -> None:
        """Show a run's chart, counts and log from the journal."""
        journal = self.context.journal
        run_task(lambda _ctx: _history_with_chart(journal, run_id), on_result=self._history_loaded,
                 on_error=self._read_failed, pool=local_pool())

    def _history_loaded(self, loaded: tuple[RunHistory | None, _Chart]) -> None:
        history, (points, done_points, cost_points) = loaded
        if history is None or (self.controller.active and history.run.run_id == self.controller.run_id):
            return
        totals = history.run.totals
        self.done_series.replace(done_points)
        self.cost_series.replace(cost_points)
        last_minutes, _done, last_cost = points[-1] if points else (0.0, 0, 0.0)
        # The same round ranges the live chart grew to: a run just watched is not laid out again.
        self.x_axis.setRange(0, nice_ceiling(max(last_minutes, SMALLEST_MINUTES)))
        self.rows_axis.setRange(0, max(totals.rows, 1))
        self.cost_axis.setRange(0, nice_ceiling(max(last_cost, SMALLEST_COST)))
        self.bar.setValue(round(100 * totals.finished / totals.rows) if totals.rows else 0)
        self.bar.setFormat(f"%p%  ({totals.finished:,} of {totals.rows:,} rows)")
        self.cost.setText(f"${totals.cost_usd:.4f}")
        self.speed.setText("—")
        self.eta.setText(history.run.status.value.lower())
        counts = {s.value: getattr(totals, s.value.lower()) for s, _word in COUNT_ORDER}
        self.counts.setText(counts_text(counts))
        if self.snapshot is None or self.snapshot.run_id != history.run.run_id:
            # the run that just ran here has its log shown already, line by line as it happened
            self.log.setPlainText("\n".join(history.events))
            self.log.verticalScrollBar().setValue(self.log.verticalScrollBar().maximum())

    def _read_failed(self, error: BaseException) -> None:
        self.add_message(f"The journal could not be read: {error}", "warning")


def _grow(axis: QValueAxis, value: float) -> None:
    """Widen ``axis`` to the next round value when ``value`` is beyond its end (never narrow it)."""
    if value > axis.max():
        axis.setRange(0, nice_ceiling(value))
