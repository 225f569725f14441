"""Row selections: parsing, resolving against the sheet, and the compact form."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.domain.rowspec import MAX_ROWS, RowSpec, format_row_spec, parse_row_spec
from desktop.errors import UsageError


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("10-20", tuple(range(10, 21))),
        ("10,11,12", (10, 11, 12)),
        ("10-20,25,30-31", (*range(10, 21), 25, 30, 31)),
        (" 12 , 3 - 5 ,4", (3, 4, 5, 12)),
        ("7", (7,)),
        ("5-5", (5,)),
        ("3–6", (3, 4, 5, 6)),
    ],
)
def test_parse(text: str, rows: tuple[int, ...]) -> None:
    assert parse_row_spec(text) == RowSpec(all_rows=False, rows=rows)


@pytest.mark.parametrize("text", ["all", "ALL", " All "])
def test_all(text: str) -> None:
    assert parse_row_spec(text) == RowSpec(all_rows=True, rows=())


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("20-10", "backwards"),
        ("", "empty"),
        ("   ", "empty"),
        ("abc", "not a row number"),
        ("10-x", "not a row number"),
        ("1.5", "not a row number"),
        ("0", "start at 1"),
        ("0-4", "start at 1"),
        ("-3", "start at 1"),
        ("3,,4", "empty item"),
        ("3,", "empty item"),
        ("all,4", "'all'"),
        ("1-1000001", "limit"),
        ("1-600000,600001-1000001", "limit"),
        ("9" * 40, "too long"),
    ],
)
def test_bad_specs_are_usage_errors(text: str, words: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_row_spec(text)
    message = str(caught.value)
    assert words in message
    assert "\n" not in message and message.endswith(".")


def test_the_cap_counts_unique_rows() -> None:
    spec = parse_row_spec(f"1-{MAX_ROWS},1-{MAX_ROWS}")
    assert len(spec.rows) == MAX_ROWS


def test_resolve_splits_rows_past_the_end() -> None:
    assert parse_row_spec("3-5,40").resolve(3, 10) == ([3, 4, 5], [40])
    assert parse_row_spec("all").resolve(3, 6) == ([3, 4, 5, 6], [])
    assert parse_row_spec("all").resolve(3, 2) == ([], [])


@pytest.mark.parametrize("text", ["1-5", "2", "2,9"])
def test_resolve_rejects_header_rows(text: str) -> None:
    with pytest.raises(UsageError, match="header row"):
        parse_row_spec(text).resolve(3, 10)


def test_format() -> None:
    assert format_row_spec([3, 4, 5, 6, 7, 9]) == "3-7,9"
    assert format_row_spec([9, 3, 3, 4]) == "3-4,9"
    assert format_row_spec([5]) == "5"
    assert format_row_spec([]) == ""


@given(st.text(max_size=40))
def test_parse_returns_a_spec_or_a_usage_error(text: str) -> None:
    try:
        spec = parse_row_spec(text)
    except UsageError as error:
        assert str(error)
        return
    assert isinstance(spec, RowSpec)
    assert list(spec.rows) == sorted(set(spec.rows))
    assert all(row >= 1 for row in spec.rows)
    assert spec.all_rows or spec.rows


@given(st.text(alphabet="0123456789-,– all", max_size=30))
def test_parse_on_near_valid_text(text: str) -> None:
    with contextlib.suppress(UsageError):
        spec = parse_row_spec(text)
        assert spec.all_rows or all(row >= 1 for row in spec.rows)


@given(st.sets(st.integers(1, 5000), min_size=1, max_size=200))
def test_format_and_parse_round_trip(rows: set[int]) -> None:
    text = format_row_spec(rows)
    assert parse_row_spec(text).rows == tuple(sorted(rows))
    assert format_row_spec(parse_row_spec(text).rows) == text


def test_consecutive_runs_sort_and_merge_numbers() -> None:
    from desktop.domain.rowspec import consecutive_runs

    assert consecutive_runs([7, 1, 2, 3, 3, 9, 8]) == [(1, 3), (7, 9)]
    assert consecutive_runs([]) == []
