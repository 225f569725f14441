"""The ``simbatch`` command line: argument parsing, dispatch and the error policy.

Each command lives in its own module with ``register(subparsers)``, which adds its parser and sets
``handler`` (a function taking the parsed arguments and returning the exit code).
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from desktop import __version__
from desktop.app.startup import default_source_opener
from desktop.cli import (
    batch_cmd,
    defaults_cmd,
    estimate_cmd,
    login_cmd,
    progress_cmd,
    report_cmd,
    run_cmd,
    runs_cmd,
    validate_cmd,
)
from desktop.cli_output import note
from desktop.errors import SimBatchError, UsageError, first_line
from desktop.logs import SecretMaskingFilter, install_file_logging, mask_secrets, write_crash_report

Handler = Callable[[argparse.Namespace], int]

_LOG_HANDLER_NAME = "simbatch-cli"

#: Command modules, in the order ``simbatch --help`` lists them.
COMMANDS = (validate_cmd, defaults_cmd, estimate_cmd, run_cmd, runs_cmd, report_cmd, batch_cmd, progress_cmd,
            login_cmd)  # fmt: skip


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser that reports mistakes as a ``UsageError`` (one sentence, exit 2)."""

    def error(self, message: str) -> NoReturn:
        text = message.strip().rstrip(".")
        text = text[:1].upper() + text[1:]
        raise UsageError(f"{text} (see '{self.prog} --help').")


def build_parser() -> ArgumentParser:
    """The full ``simbatch`` parser with every registered command."""
    parser = ArgumentParser(
        prog="simbatch",
        description="Validate, complete and enrich medical-simulation scenario vitals. "
        "With no command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"simbatch {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks for errors")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="start the app on the demo workbook and validate it, check the Qt platform, style, images, "
        "TLS, keyring, Sheets discovery document and organisation file, print the start-up time, "
        "write a result file and exit",
    )
    parser.add_argument(
        "--self-test-result",
        type=Path,
        default=None,
        metavar="FILE",
        help="with --self-test: where to write the JSON result (default: simbatch-self-test.json in "
        "the temporary folder)",
    )
    parser.add_argument(
        "--source", default=None, metavar="SRC", help="open the desktop app on this workbook or Google Sheet"
    )
    parser.set_defaults(handler=_open_desktop_app)
    subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``simbatch`` with ``argv`` (default: the process arguments) and return the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    # The self-test works in a scratch folder and leaves nothing in the user's data, not even a log.
    _configure_logging(debug, to_file="--self-test" not in args_list)
    try:
        args = build_parser().parse_args(args_list)
        # How Google Sheets is reached is decided here, once, and handed to the commands.
        args.opener = default_source_opener()
        if args.self_test:
            from desktop.selftest import run_self_test

            return run_self_test(args.self_test_result)
        handler: Handler = args.handler
        return handler(args)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except KeyboardInterrupt:
        note("simbatch: interrupted.")
        return 130
    except SimBatchError as exc:
        if debug:
            traceback.print_exc()
        note(f"simbatch: error: {first_line(str(exc)).rstrip()}")
        return exc.exit_code
    except BrokenPipeError:  # e.g. `simbatch validate ... | head`
        return 1
    except Exception as exc:
        if debug:
            traceback.print_exc()
        detail = mask_secrets(first_line(str(exc)).rstrip()).rstrip(".") or "no details"
        report = _crash_report(exc)
        where = f"; a report is in {report}" if report else ""
        note(
            f"simbatch: error: Unexpected error: {type(exc).__name__}: {detail}{where}; "
            "run again with --debug for details."
        )
        return 1


def _open_desktop_app(args: argparse.Namespace) -> int:
    """``simbatch`` with no command: start the desktop app, optionally on ``--source``."""
    try:
        from desktop.gui.app import run_app
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("desktop.gui"):
            raise
        raise UsageError(
            "The desktop app is not available in this build; use a command such as "
            "'simbatch validate' (see 'simbatch --help')."
        ) from None
    result: int = run_app(source=args.source)
    return result


def _configure_logging(debug: bool, to_file: bool = True) -> None:
    """Our warnings (and with --debug, everything) go to the current stderr as plain lines."""
    logger = logging.getLogger("desktop")
    for old in [h for h in logger.handlers if getattr(h, "name", "") == _LOG_HANDLER_NAME]:
        logger.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_LOG_HANDLER_NAME)
    handler.setFormatter(logging.Formatter("simbatch: %(levelname)s: %(message)s"))
    handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    handler.addFilter(SecretMaskingFilter())
    logger.addHandler(handler)
    try:
        if to_file:
            install_file_logging(logging.DEBUG if debug else logging.INFO)
    except OSError as exc:  # an unwritable data folder must not stop a command
        logger.warning("The log file cannot be written (%s).", exc)
    if debug:
        logger.setLevel(logging.DEBUG)


def _crash_report(exc: BaseException) -> Path | None:
    """Write a crash report for an unexpected error (None when even that fails)."""
    try:
        return write_crash_report(type(exc), exc, exc.__traceback__)
    except OSError:
        return None


