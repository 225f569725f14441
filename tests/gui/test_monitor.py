"""The patient-monitor preview draws every canonical waveform and the numbers in monitor colours."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from desktop.domain.waveforms import all_waveforms
from desktop.gui.widgets.monitor import (
    HR_COLOUR,
    SPO2_COLOUR,
    PatientMonitor,
    render_monitor,
    rhythm_label,
    value_text,
)


def colours(image: QImage, step: int = 2) -> set[int]:
    """Every pixel colour (as RGB int) found on a coarse grid."""
    return {
        image.pixel(x, y) & 0xFFFFFF
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    }


def near(found: set[int], colour: QColor, tolerance: int = 40) -> bool:
    r, g, b = colour.red(), colour.green(), colour.blue()
    return any(
        abs((c >> 16 & 255) - r) + abs((c >> 8 & 255) - g) + abs((c & 255) - b) < tolerance for c in found
    )


@pytest.mark.parametrize("name", [w.name for w in all_waveforms()])
def test_every_canonical_waveform_is_drawn(qtbot: QtBot, name: str) -> None:
    vitals = {"HR": 90, "BP": "120/80", "SpO2": 97, "RR": 16, "Temp": 37.0, "EtCO2": 35, "waveform": name}
    image = render_monitor(vitals, QSize(480, 220))
    found = colours(image)
    assert len(found) > 5  # not blank: trace, grid and numbers
    assert near(found, HR_COLOUR) and near(found, SPO2_COLOUR)


def test_trace_differs_between_rhythms(qtbot: QtBot) -> None:
    base = {"HR": 80, "BP": "120/80", "SpO2": 97, "RR": 16}
    sinus = render_monitor({**base, "waveform": "sinus_ecg"})
    vf = render_monitor({**base, "waveform": "ventricular_fibrillation_ecg"})
    assert sinus != vf


def test_heart_rate_written_with_its_unit_sets_the_trace_rate(qtbot: QtBot) -> None:
    def trace(hr: object) -> QImage:
        image = render_monitor({"HR": hr, "waveform": "sinus_ecg"}, QSize(640, 300))
        return image.copy(QRect(0, 0, 420, 300))  # the ECG side; the numbers start right of it

    assert trace("88 bpm") == trace(88)
    assert trace(88) != trace(None)  # the trace does follow the rate


def test_widget_paints_on_screen_and_clears(qtbot: QtBot) -> None:
    monitor = PatientMonitor()
    qtbot.addWidget(monitor)
    monitor.resize(500, 240)
    monitor.set_state({"HR": 120, "waveform": "Sinus Tach"}, "Initial")
    monitor.show()
    qtbot.waitExposed(monitor)
    grabbed = monitor.grab().toImage()
    assert near(colours(grabbed), HR_COLOUR)
    assert monitor.vitals["HR"] == 120
    monitor.clear()
    assert monitor.vitals == {}


def test_value_and_rhythm_words() -> None:
    assert value_text(None) == "--"
    assert value_text(37.0) == "37"
    assert value_text(37.5) == "37.5"
    assert rhythm_label("NSR") == "Normal sinus rhythm"
    assert rhythm_label(None) == "No rhythm given"


def test_a_hidden_monitor_draws_its_trace_only_when_shown(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Review tab is refreshed at the end of every run, mostly while hidden: working out the ECG
    trace then cost the GUI thread for nothing."""
    import desktop.gui.widgets.monitor as monitor_module

    worked_out: list[object] = []
    real = monitor_module.trace_samples
    monkeypatch.setattr(
        monitor_module, "trace_samples", lambda vitals: worked_out.append(vitals) or real(vitals)
    )
    monitor = PatientMonitor()
    qtbot.addWidget(monitor)
    vitals = {"HR": 90, "BP": "120/80", "SpO2": 97, "RR": 16, "waveform": "sinus_ecg"}
    monitor.set_state(vitals, "State 1")
    monitor.set_state(vitals, "State 2")
    assert worked_out == []
    image = monitor.grab().toImage()
    assert len(worked_out) == 1 and near(colours(image), HR_COLOUR)
