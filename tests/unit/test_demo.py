"""The demo workbook is a copy in the data folder; resetting it can be undone; the shipped one is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.app import demo
from desktop.errors import InputError
from desktop.paths import demo_workbook
from desktop.services.source import CellRef
from desktop.services.workbook import XlsxSource

VITALS = json.dumps({"HR": 70, "BP": "118/76", "SpO2": 99, "RR": 14, "waveform": "sinus_ecg"})


def _first_row(path: Path) -> int:
    return XlsxSource(path).read_scenarios().scenarios[0].row


def test_the_demo_opens_as_a_copy_in_the_data_folder(simbatch_home: Path) -> None:
    copy = demo.open_demo_copy()
    assert copy == simbatch_home / "demo" / "scenarios.xlsx"
    assert copy.read_bytes() == demo_workbook().read_bytes()
    assert demo.is_demo_copy(str(copy)) and not demo.is_shipped_demo(str(copy))
    assert demo.is_shipped_demo(str(demo_workbook())) and not demo.is_demo_copy("gsheet:abcdefghijkl")


def test_opening_again_keeps_the_users_changes() -> None:
    copy = demo.open_demo_copy()
    row = _first_row(copy)
    XlsxSource(copy).write_cells({CellRef(row, "Initial_Vitals"): VITALS})
    changed = copy.read_bytes()
    assert demo.open_demo_copy().read_bytes() == changed


def test_a_read_only_shipped_file_gives_a_writable_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = tmp_path / "install" / "resources" / "demo" / "scenarios.xlsx"
    shipped.parent.mkdir(parents=True)
    shipped.write_bytes(demo_workbook().read_bytes())
    shipped.chmod(0o444)
    monkeypatch.setattr(demo, "demo_workbook", lambda: shipped)
    copy = demo.open_demo_copy()
    XlsxSource(copy).check_writable()  # raises when the copy kept the read-only bits


def test_reset_puts_a_fresh_copy_back_and_can_be_undone() -> None:
    copy = demo.open_demo_copy()
    XlsxSource(copy).write_cells({CellRef(_first_row(copy), "Initial_Vitals"): VITALS})
    changed = copy.read_bytes()
    assert not demo.can_undo_reset()

    demo.reset_demo()
    assert copy.read_bytes() == demo_workbook().read_bytes()
    assert demo.can_undo_reset()

    demo.undo_reset_demo()
    assert copy.read_bytes() == changed
    assert not demo.can_undo_reset()
    with pytest.raises(InputError, match="no earlier demo"):
        demo.undo_reset_demo()


def test_the_shipped_workbook_is_never_written() -> None:
    shipped = demo_workbook()
    before = shipped.read_bytes()
    source = XlsxSource(shipped)
    with pytest.raises(InputError, match="part of the SimBatch installation") as caught:
        source.write_cells({CellRef(_first_row(shipped), "Initial_Vitals"): VITALS})
    assert str(demo.demo_copy_path()) in str(caught.value)
    with pytest.raises(InputError, match="never changed"):
        source.ensure_progress_tab()
    assert shipped.read_bytes() == before
