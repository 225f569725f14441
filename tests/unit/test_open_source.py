"""Source names: .xlsx paths, gsheet:<id>, Sheets links; everything else is a clear InputError."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.errors import InputError
from desktop.services.open_source import (
    GoogleSheetLocator,
    XlsxLocator,
    open_source,
    parse_locator,
)

SHEET_ID = "1AbC_dEf-123456789xyz"


def test_xlsx_path(tmp_path: Path) -> None:
    target = tmp_path / "Book.XLSX"
    assert parse_locator(str(target)) == XlsxLocator(target)


def test_gsheet_prefix() -> None:
    assert parse_locator(f"gsheet:{SHEET_ID}") == GoogleSheetLocator(SHEET_ID)
    assert str(parse_locator(f"  gsheet:{SHEET_ID} ")) == f"gsheet:{SHEET_ID}"


@pytest.mark.parametrize(
    "url",
    [
        f"https://docs.google.com/spreadsheets/d/{SHEET_ID}/edit#gid=0",
        f"https://docs.google.com/spreadsheets/d/{SHEET_ID}",
        f"https://docs.google.com/spreadsheets/u/1/d/{SHEET_ID}/edit?usp=sharing",
    ],
)
def test_sheets_url(url: str) -> None:
    assert parse_locator(url) == GoogleSheetLocator(SHEET_ID)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "No source"),
        ("   ", "No source"),
        ("cases.csv", ".csv"),
        ("cases", "without the .xlsx extension"),
        ("gsheet:", "valid Google Sheet id"),
        ("gsheet:bad id!", "valid Google Sheet id"),
        ("https://example.com/spreadsheets/d/abc", "not a Google Sheets link"),
        ("https://docs.google.com/document/d/1AbCdEfGhIjK/edit", "not a Google Sheets link"),
    ],
)
def test_rejected_names(text: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        parse_locator(text)
    message = str(info.value)
    assert words in message
    assert ".xlsx" in message and "gsheet:" in message  # says what is accepted
    assert "\n" not in message


def test_folder_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "looks.xlsx"
    folder.mkdir()
    with pytest.raises(InputError, match="is a folder"):
        parse_locator(str(folder))


def test_missing_workbook(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        open_source(str(tmp_path / "nope.xlsx"))


def test_opens_an_xlsx_source(demo_copy: Path) -> None:
    source = open_source(str(demo_copy), scenario_tab="Master Scenario Convert")
    try:
        assert source.scenario_tab == "Master Scenario Convert"
        assert type(source).__name__ == "XlsxSource"
    finally:
        source.close()

