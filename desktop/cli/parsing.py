"""The pieces every command's parser is built from: the command itself, and the arguments several
commands share (``--source/--rows/--tab``, ``--json``, ``--model``, ``--workers``, ``--take-over``)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def add_command(
    subparsers: Any, name: str, handler: Callable[[argparse.Namespace], int], summary: str,
    description: str | None = None, **options: Any,
) -> argparse.ArgumentParser:
    """The parser of command ``name`` (``summary`` in the command list, ``description`` in its
    ``--help``), which runs ``handler``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=summary, description=description, **options
    )
    parser.set_defaults(handler=handler)
    return parser


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """``--source SRC --rows SPEC [--tab NAME]``, the arguments every row command takes."""
    parser.add_argument(
        "--source", required=True, metavar="SRC", help="an .xlsx path, gsheet:<id> or a Google Sheets link"
    )
    parser.add_argument(
        "--rows", required=True, metavar="SPEC", help="sheet rows: 10-20, 10,11,12, 10-20,25,30-31 or all"
    )
    parser.add_argument(
        "--tab", default=None, metavar="NAME", help="the scenario tab (default from settings)"
    )


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    """``--json``: one JSON document on stdout instead of text."""
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    """``--model M``: the model instead of the one in the settings."""
    parser.add_argument("--model", default=None, metavar="M", help="the model (default from settings)")


def add_workers_argument(parser: argparse.ArgumentParser) -> None:
    """``--workers N``: parallel requests of a live run."""
    parser.add_argument("--workers", type=int, default=None, metavar="N", help="parallel requests")


def add_take_over_argument(parser: argparse.ArgumentParser) -> None:
    """``--take-over``: on a shared Google Sheet, do the rows of a colleague whose claim went stale."""
    parser.add_argument(
        "--take-over",
        action="store_true",
        help="shared Google Sheet: take over rows a colleague claimed but stopped working on "
        "(no sign of life for the lease time, 10 minutes by default)",
    )


def seconds(text: str) -> float:
    """argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the poll interval must be more than 0 seconds")
    return value
