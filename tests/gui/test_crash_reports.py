"""An exception nothing caught in the app becomes a masked crash report in the data folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop.gui import app


def test_uncaught_exception_writes_a_crash_report(
    simbatch_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    app._log_to_file_and_report_crashes()
    try:
        raise RuntimeError("slot failed with key sk-test-abcdef123456")
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    (report,) = (simbatch_home / "logs").glob("crash-*.txt")
    text = report.read_text()
    assert "RuntimeError: slot failed" in text and "sk-test-abcdef123456" not in text
    assert (simbatch_home / "logs" / "simbatch.log").exists()
