"""Typed errors that carry a sentence a non-programmer can act on, and the exit code the CLI uses.

Exit codes (SPEC section 7): 0 success; 1 finished but some rows failed or have critical issues;
2 usage or input error; 3 a service could not be reached or refused the credentials.
"""

from __future__ import annotations


def first_line(message: BaseException | str, fallback: str | None = None) -> str:
    """The first line of an error message, so the user sees one sentence and never a dump.

    Surrounding blank lines and spaces are dropped. An empty message gives ``fallback``; without
    one, an exception gives its class name and text gives ``""``.
    """
    lines = str(message).strip().splitlines()
    if lines:
        return lines[0]
    if fallback is not None:
        return fallback
    return type(message).__name__ if isinstance(message, BaseException) else ""


def short_text(text: object, limit: int = 200) -> str:
    """``text`` on one line (runs of white space folded), cut to ``limit`` characters with ``…``."""
    one = " ".join(str(text).split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


class SimBatchError(Exception):
    """Base of every error shown to users. ``str(error)`` is one clear sentence."""

    exit_code: int = 1


class UsageError(SimBatchError):
    """Bad arguments: a malformed row spec, an unknown option value, a header row selected."""

    exit_code = 2


class InputError(SimBatchError):
    """The input cannot be used: a missing or unreadable file, not a workbook, a missing column."""

    exit_code = 2


class ServiceError(SimBatchError):
    """An outside service (Google Sheets, the LLM endpoint) could not be reached or failed."""

    exit_code = 3


class AuthError(ServiceError):
    """An outside service refused the credentials (a wrong API key, a revoked sign-in)."""

    exit_code = 3


class CancelledError(SimBatchError):
    """The user cancelled a long job; work done so far is kept."""

    exit_code = 1
