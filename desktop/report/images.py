"""The report's pictures as PNG bytes: three charts and a monitor strip per flagged row (QtGui only).

Monitor strips are stored with a 256-colour palette: a black screen with a few monitor colours
compresses to a few kilobytes, so a report with hundreds of flagged rows stays small.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from functools import lru_cache

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QImage

from desktop.domain.ecg import ecg_samples
from desktop.domain.vitals import parse_number
from desktop.domain.waveforms import canonical_waveform
from desktop.drawing.charts import progress_chart, score_chart, warnings_chart
from desktop.drawing.monitor import render_monitor
from desktop.report.data import FLAGGED, RunReport
from desktop.report.html import PROGRESS_CHART, SCORE_CHART, WARNINGS_CHART, monitor_image_name

#: Size of a monitor strip in the report, and the seconds of ECG it shows.
STRIP_SIZE = QSize(600, 130)
STRIP_SECONDS = 4.0

#: Told (done, total, what) as the pictures are drawn.
Progress = Callable[[int, int, str], None]


def png_bytes(image: QImage, palette: bool = False) -> bytes:
    """``image`` encoded as PNG (with a 256-colour palette when ``palette``)."""
    if palette:  # without dithering: 20 times faster, and flat colours need none
        image = image.convertToFormat(QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.AvoidDither)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes; PySide6 wants str
    buffer.close()
    return bytes(data.data())


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI for the self-contained HTML file."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@lru_cache(maxsize=512)
def _samples(waveform: str | None, hr: float | None) -> tuple[float, ...]:
    rate = int(STRIP_SIZE.width() / STRIP_SECONDS)
    return tuple(ecg_samples(waveform, hr, seconds=STRIP_SECONDS, rate=rate))


def strip_samples(vitals: Mapping[str, object]) -> list[float]:
    """The ECG samples of a monitor strip (shared by every strip with the same rhythm and rate)."""
    return list(_samples(canonical_waveform(vitals.get("waveform")), parse_number(vitals.get("HR"))))


def monitor_strips(report: RunReport) -> dict[str, tuple[str, dict[str, object]]]:
    """Per flagged row's strip name: its title and the vitals of the state it shows."""
    strips: dict[str, tuple[str, dict[str, object]]] = {}
    for entry in report.rows:
        shown = entry.monitor_state() if FLAGGED in entry.attention else None
        if shown is not None:
            column, vitals = shown
            strips[monitor_image_name(entry.row)] = (f"Row {entry.row} · {entry.case_id} · {column}", vitals)
    return strips


def monitor_strip(vitals: Mapping[str, object], title: str) -> QImage:
    """A short monitor strip of one state (same painter as the Review tab's monitor)."""
    return render_monitor(vitals, STRIP_SIZE, title, samples=strip_samples(vitals))


def chart_images(report: RunReport) -> dict[str, QImage]:
    """The charts, by name (see ``desktop.report.html``); no warnings chart when there is no warning."""
    charts = {SCORE_CHART: score_chart(report.scores_before, report.scores_after)}
    if report.warnings_by_kind:
        charts[WARNINGS_CHART] = warnings_chart(report.warnings_by_kind)
    charts[PROGRESS_CHART] = progress_chart(report.timeline)
    return charts


def report_pngs(report: RunReport, progress: Progress | None = None) -> dict[str, bytes]:
    """Every picture of the HTML report as PNG bytes, by name: the charts and the monitor strips."""
    strips = monitor_strips(report)
    total = 3 + len(strips)  # the charts count as three steps
    tell = progress or (lambda _done, _total, _what: None)
    tell(0, total, "Drawing the charts")
    pngs = {name: png_bytes(image) for name, image in chart_images(report).items()}
    for done, (name, (title, vitals)) in enumerate(strips.items(), start=4):
        pngs[name] = png_bytes(monitor_strip(vitals, title), palette=True)
        if done % 25 == 0 or done == total:
            tell(done, total, "Drawing the monitor strips of the flagged rows")
    return pngs
