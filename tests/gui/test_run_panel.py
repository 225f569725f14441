"""The Run tab: the estimate before starting, and one clear message for a wrong key or a dead endpoint."""

from __future__ import annotations

import functools
import socket
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.gui.run.panel import BATCH, RunPanel
from desktop.journal import Journal, RowStatus
from desktop.services import llm
from desktop.services.llm import from_settings
from desktop.services.retry import RetryPolicy
from tests.fakes.openai_server import FakeOpenAI
from tests.gui.conftest import MessageLog
from tests.gui.run_helpers import fake_fixture, make_context  # noqa: F401

TIMEOUT_MS = 30_000


def _panel(qtbot: QtBot, demo_copy: Path, journal: Journal, **settings: object) -> RunPanel:
    panel = RunPanel(make_context(demo_copy, journal, **settings))
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.estimate_box.estimate is not None, timeout=TIMEOUT_MS)
    return panel


def _money(text: str) -> float:
    return float(text.split("·")[0].strip().lstrip("$"))


def test_estimate_shows_live_and_batch_cost_side_by_side_before_anything_is_sent(
    qtbot: QtBot, fake: FakeOpenAI, journal: Journal, demo_copy: Path, message_boxes: MessageLog
) -> None:
    panel = _panel(qtbot, demo_copy, journal)
    estimate = panel.estimate_box.estimate
    assert estimate is not None and estimate.requests > 0
    live, batch = panel.estimate_box.values["live"].text(), panel.estimate_box.values["batch"].text()
    assert live.startswith("$") and "about" in live
    assert batch.startswith("$") and "within 24 hours" in batch
    assert _money(live) == pytest.approx(estimate.live_usd, abs=0.0001)
    assert _money(batch) == pytest.approx(estimate.batch_usd, abs=0.0001)
    assert 0 < estimate.batch_usd < estimate.live_usd  # half price, without the live prompt-cache discount
    values = panel.estimate_box.values
    assert values["live"].font().bold() and not values["batch"].font().bold()
    assert panel.estimate_box.values["live"].isVisible() and panel.estimate_box.values["batch"].isVisible()
    assert f"All {estimate.rows}" in panel.rows_label.text()
    assert panel.start_button.isEnabled()
    assert fake.log == []  # estimating sends nothing

    panel.mode.setCurrentIndex(panel.mode.findData(BATCH))
    qtbot.waitUntil(lambda: panel.estimate_box.values["batch"].font().bold(), timeout=TIMEOUT_MS)
    assert not panel.estimate_box.values["live"].font().bold()

    panel.context.notify_selection([3, 4, 5])
    box = panel.estimate_box
    qtbot.waitUntil(lambda: box.estimate is not None and box.estimate.rows == 3, timeout=TIMEOUT_MS)
    assert panel.rows_label.text().startswith("3 selected rows")


def test_a_wrong_api_key_is_one_message_with_what_to_do_and_no_failed_row(
    qtbot: QtBot, fake: FakeOpenAI, journal: Journal, demo_copy: Path, message_boxes: MessageLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-0000000000000000")
    panel = _panel(qtbot, demo_copy, journal, workers=8)
    with qtbot.waitSignal(panel.controller.failed, timeout=TIMEOUT_MS):
        panel.start_button.click()
    qtbot.waitUntil(lambda: not panel.controller.active, timeout=TIMEOUT_MS)
    qtbot.wait(200)  # room for a second message, which must not come

    assert len(message_boxes.shown) == 1
    kind, text = message_boxes.shown[0]
    assert kind == "warning"
    assert "key" in text.lower() and "Settings" in text and "Traceback" not in text
    assert "sk-wrong" not in text
    assert len(fake.chat_requests(None)) == 1  # the first request went out alone; nothing after it
    run_id = panel.controller.run_id
    assert run_id is not None
    assert not journal.tasks(run_id, [RowStatus.FAILED])
    assert panel.status.text() == text
    assert panel.start_button.isEnabled()  # the user can fix the key and start again


def test_an_unreachable_endpoint_is_one_message(
    qtbot: QtBot, journal: Journal, demo_copy: Path, message_boxes: MessageLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-unreachable-000000")
    # The same client, with short waits between its retries so the test does not sit through backoff.
    quick = RetryPolicy(max_attempts=2, base=0.01, cap=0.02)
    monkeypatch.setattr(llm, "from_settings", functools.partial(from_settings, retry=quick))
    panel = _panel(qtbot, demo_copy, journal, workers=4)
    with qtbot.waitSignal(panel.controller.failed, timeout=TIMEOUT_MS):
        panel.start_button.click()
    qtbot.waitUntil(lambda: not panel.controller.active, timeout=TIMEOUT_MS)
    qtbot.wait(200)

    assert [kind for kind, _text in message_boxes.shown] == ["warning"]
    text = message_boxes.shown[0][1]
    assert "could not be reached" in text and "network" in text
    run_id = panel.controller.run_id
    assert run_id is not None
    assert not journal.tasks(run_id, [RowStatus.FAILED])


def test_showing_the_run_tab_gets_the_llm_sdk_ready_in_the_background(
    qtbot: QtBot, demo_copy: Path, journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first run's first client imported the SDK and built its TLS context as the run started: about a
    second of the interpreter that the window's thread waited for. Showing the Run tab does it first."""
    from desktop.gui.run import panel as panel_module
    from desktop.services import llm_access

    monkeypatch.setattr(panel_module, "_sdk_warmed", False)
    llm_access._tls_context.cache_clear()
    hidden = RunPanel(make_context(demo_copy, journal))
    qtbot.addWidget(hidden)
    assert llm_access._tls_context.cache_info().currsize == 0  # made, not shown: nothing yet
    hidden.show()
    qtbot.waitUntil(lambda: llm_access._tls_context.cache_info().currsize == 1, timeout=TIMEOUT_MS)
    hidden.hide()
    hidden.show()  # once per process
    assert llm_access._tls_context.cache_info().misses == 1
