"""The first line of an error message, as every error label and log line shows it."""

from __future__ import annotations

from desktop.errors import InputError, first_line


def test_first_line_keeps_one_sentence() -> None:
    assert first_line(ValueError("Bad key.\nTraceback follows")) == "Bad key."
    assert first_line(InputError("\n  No such file.\nmore")) == "No such file."
    assert first_line("  The test failed: 401\nbody") == "The test failed: 401"


def test_first_line_of_an_empty_message_falls_back() -> None:
    assert first_line(RuntimeError(), "Sign-in failed.") == "Sign-in failed."
    assert first_line(RuntimeError()) == "RuntimeError"
    assert first_line(OSError(" \n ")) == "OSError"
    assert first_line("  ", "The test failed.") == "The test failed."
    assert first_line("") == ""
