"""A colleague's SimBatch went silent while holding rows of a shared Google Sheet: the Run tab's
estimate leaves those rows out, the run says so in plain words once the claim is stale and offers to
take the rows over; accepting does them here, as ``--take-over`` does on the command line."""

from __future__ import annotations

from pathlib import Path

from google.auth.credentials import AnonymousCredentials
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.gui.context import AppContext
from desktop.gui.run.panel import RunPanel
from desktop.journal import Journal, RunStatus
from desktop.services.claims import ClaimBoard
from desktop.services.gsheet_source import GoogleSheetSource
from desktop.services.sheets import SheetsGateway
from desktop.settings import Settings
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.sheets_server import FakeSheets
from tests.gui.conftest import MessageLog
from tests.gui.run_helpers import fake_fixture  # noqa: F401
from tests.sharing.helpers import FIRST_ROW, claim_tabs, colleague_home, filled_rows
from tests.torture.helpers import TAB, scenario_rows

LEASE = 2.0  # seconds without a heartbeat before a claim is stale (10 minutes by default)
ROWS = 60  # block 0 (rows 3-52) held by the silent colleague, block 1 (rows 53-62) free
DANAS = set(range(FIRST_ROW, FIRST_ROW + 50))
ALL = set(range(FIRST_ROW, FIRST_ROW + ROWS))
TIMEOUT_MS = 60_000


def open_sheet(sheets: FakeSheets) -> GoogleSheetSource:
    gateway = SheetsGateway(sheets.spreadsheet_id, lambda: AnonymousCredentials(), sheets.endpoint)
    return GoogleSheetSource(sheets.spreadsheet_id, TAB, gateway=gateway)


def test_a_silent_colleagues_rows_are_offered_and_taken_over_from_the_run_tab(
    qtbot: QtBot, fake: FakeOpenAI, journal: Journal, simbatch_home: Path, message_boxes: MessageLog,
    tmp_path: Path,
) -> None:
    colleague_home(simbatch_home.parent, simbatch_home.name, LEASE)  # this computer's settings file
    with FakeSheets(tabs={TAB: scenario_rows(ROWS)}) as sheets:
        # Dana's SimBatch claimed rows 3-52, then went silent (its heartbeat never moves again).
        dana = open_sheet(sheets)
        board = ClaimBoard(dana.gateway, dana.scenario_sheet_id(), "r-dana", "Dana's PC")
        board.open()
        assert board.claim(0, 0, [f"GEN-{n:04d}" for n in range(50)]) is not None

        source = open_sheet(sheets)
        context = AppContext(journal, Settings.model_validate(
            {"requests_per_minute": 100_000, "tokens_per_minute": 100_000_000, "claim_lease_sec": LEASE}
        ))
        context.set_source(source)
        context.set_rows(source.read_scenarios().scenarios)
        panel = RunPanel(context)
        qtbot.addWidget(panel)
        panel.resize(720, 480)
        panel.show()
        bar = panel.take_over_bar
        assert not bar.isVisible()
        # The estimate counts only the rows nobody else holds, and says who holds the others.
        box = panel.estimate_box
        qtbot.waitUntil(lambda: box.estimate is not None, timeout=TIMEOUT_MS)
        assert box.estimate is not None and box.estimate.rows == ROWS - 50
        assert box.held.isVisible()
        assert box.held.text().startswith("Rows 3-52 are in progress by Dana's PC, since ")
        assert box.held.text().endswith(": not counted above.")
        panel.grab().save(str(tmp_path / "take_over_estimate.png"))
        panel.start()

        qtbot.waitUntil(bar.isVisible, timeout=TIMEOUT_MS)
        offer = bar.text.text()
        assert "Dana's PC claimed rows 3-52 at " in offer
        assert "has shown no sign of life for " in offer and "take them over" in offer
        assert panel.controller.active  # the run waits for the answer instead of ending
        assert not filled_rows(sheets, DANAS)
        panel.grab().save(str(tmp_path / "take_over_offer.png"))

        qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
        assert not bar.isVisible()
        qtbot.waitUntil(lambda: not panel.controller.active, timeout=TIMEOUT_MS)
        run_id = panel.controller.run_id
        assert run_id is not None
        run = journal.get_run(run_id)
        assert run is not None and run.status is RunStatus.COMPLETED
        assert filled_rows(sheets) == ALL
        assert len(fake.chat_requests()) == ROWS  # each row paid for once
        events = " ".join(event.message for event in journal.events(run_id))
        assert "Taking over rows 3-52 from Dana's PC" in events
        assert claim_tabs(sheets) == []  # tidied when the run ended
        assert message_boxes.shown == []
        panel.grab().save(str(tmp_path / "take_over_done.png"))
