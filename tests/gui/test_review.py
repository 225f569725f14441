"""Review: before/after of a run's rows from the journal alone (no source), highlight, monitor, accept."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.gui.context import AppContext
from desktop.gui.run.review import FLAGGED_ROWS, REVIEWED, ReviewPanel
from desktop.journal import Journal

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
BEFORE = '{"HR": 88, "BP": "120/80", "SpO2": 98, "RR": 16, "waveform": "sinus_ecg"}'


def make_run(journal: Journal) -> str:
    run_id = journal.create_run(
        kind="live",
        source="gsheet:offline-only",
        scenario_tab="Master Scenario Convert",
        row_spec="3-4",
        model="gpt-4o-mini",
        settings={},
        rows=[(3, "CARD-1"), (4, "CARD-2")],
        columns={3: ["Initial_Vitals", "State1_Vitals"], 4: ["State1_Vitals"]},
        originals={3: {"vitals": {"Initial_Vitals": BEFORE, "State1_Vitals": None}}, 4: {"vitals": {}}},
    )
    journal.mark_processing(run_id, 3)
    journal.mark_completed(
        run_id,
        3,
        result={
            "Initial_Vitals": {"HR": 130, "BP": "120/80", "SpO2": 98, "RR": 16, "waveform": "sinus_ecg"},
            "State1_Vitals": {
                "HR": 150,
                "BP": "90/60",
                "SpO2": 91,
                "RR": 24,
                "waveform": "ventricular_tachycardia_ecg",
            },
        },
        input_tokens=10,
        cached_tokens=0,
        output_tokens=10,
        cost_usd=0.001,
        vitals_added=5,
        warnings=[],
    )
    return run_id


def test_review_shows_before_and_after_and_accepts_offline(qtbot: QtBot) -> None:
    with Journal.open() as journal:
        run_id = make_run(journal)
        context = AppContext(journal)
        panel = ReviewPanel(context)
        qtbot.addWidget(panel)
        panel.refresh()
        qtbot.waitUntil(lambda: panel.rows_list.count() == 1, timeout=5_000)
        assert panel.current_run_id() == run_id
        assert panel.current_row() == 3  # row 4 never completed: nothing to review
        changed = panel.table.changed_cells()
        assert ("Initial_Vitals", "HR") in changed
        assert ("Initial_Vitals", "BP") not in changed
        assert ("State1_Vitals", "waveform") in changed
        assert panel.monitor.vitals["HR"] == 130
        state1 = next(
            i for i in range(panel.table.rowCount()) if panel.table.item(i, 0).text() == "State1_Vitals"
        )
        panel.table.setCurrentCell(state1, 1)
        assert panel.monitor.vitals["waveform"] == "ventricular_tachycardia_ecg"
        assert panel.accept_button.isEnabled()
        assert not panel.revert_button.isEnabled()  # no source: reverting waits until it is reachable
        panel.accept_button.click()
        qtbot.waitUntil(lambda: journal.get_task(run_id, 3).checkpoint == REVIEWED, timeout=5_000)
        qtbot.waitUntil(lambda: panel.rows_list.item(0).text().startswith("✓"), timeout=5_000)


def test_flagged_filter_and_generated_fields(qtbot: QtBot) -> None:
    author = '{"HR": 112, "BP": "106/68", "SpO2": 98, "RR": 22, "waveform": "maternal_tachy_trace"}'
    with Journal.open() as journal:
        run_id = journal.create_run(
            kind="live", source="gsheet:offline-only", scenario_tab="Master Scenario Convert",
            row_spec="5-6", model="gpt-4o-mini", settings={}, rows=[(5, "OBS-5"), (6, "OBS-6")],
            columns={5: {"Initial_Vitals": ["waveform"]}, 6: {"Initial_Vitals": ["waveform"]}},
            originals={r: {"vitals": {"Initial_Vitals": author}} for r in (5, 6)},
        )  # fmt: skip
        message = "Normal sinus rhythm usually has a heart rate of 60–100 bpm, but it is 112 bpm."
        flag = {"severity": "warning", "code": "inconsistent_state", "field": "Initial_Vitals.HR",
                "message": message}  # fmt: skip
        for row, wave, flags in ((5, "sinus_tachycardia_ecg", []), (6, "sinus_ecg", [flag])):
            journal.mark_processing(run_id, row)
            journal.mark_completed(
                run_id, row, result={"Initial_Vitals": {**json.loads(author), "waveform": wave}},
                input_tokens=1, cached_tokens=0, output_tokens=1, cost_usd=0.0, vitals_added=1,
                warnings=[], generated={"Initial_Vitals": ["waveform"]}, flags=flags,
            )  # fmt: skip
        panel = ReviewPanel(AppContext(journal))
        qtbot.addWidget(panel)
        panel.refresh()
        qtbot.waitUntil(lambda: panel.rows_list.count() == 2, timeout=5_000)
        assert panel.table.generated_cells() == [("Initial_Vitals", "waveform")]  # HR, BP … are the author's
        assert panel.rows_list.item(1).text().startswith("⚑ Row 6")
        panel.filter_box.setCurrentIndex(panel.filter_box.findData(FLAGGED_ROWS))
        assert panel.rows_list.count() == 1 and panel.current_row() == 6
        assert "flagged for review" in panel.status_label.text() and "112 bpm" in panel.status_label.text()
        panel.resize(900, 500)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        panel.grab().save(str(SCREENSHOTS / "review_flagged.png"))


def test_rows_loaded_behind_another_tab_are_listed_when_the_tab_is_shown(qtbot: QtBot) -> None:
    """Listing a thousand rows at the end of a run took 10-15 ms of GUI-thread time while another tab
    was shown: it waits until the Review tab is."""
    from PySide6.QtWidgets import QLabel, QTabWidget

    with Journal.open() as journal:
        make_run(journal)
        tabs = QTabWidget()
        qtbot.addWidget(tabs)
        front = QLabel("another tab")
        tabs.addTab(front, "Other")
        panel = ReviewPanel(AppContext(journal))
        tabs.addTab(panel, "Review")
        tabs.show()
        panel.refresh()
        qtbot.waitUntil(lambda: bool(panel.tasks), timeout=5_000)
        qtbot.wait(50)
        assert panel.rows_list.count() == 0  # loaded, not listed: the tab is hidden
        tabs.setCurrentWidget(panel)
        assert panel.rows_list.count() == 1 and panel.current_row() == 3
