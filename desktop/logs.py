"""The app's log file and crash reports, with secrets masked before anything is written.

Logs go to ``<SIMBATCH_HOME>/logs/simbatch.log`` (rotated, owner-only). Every record passes a filter
that masks API keys, bearer tokens and OAuth tokens, whatever library logged them.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
import traceback
from datetime import datetime
from pathlib import Path
from types import TracebackType

from desktop.paths import data_home

LOG_FILE = "simbatch.log"
_FILE_HANDLER_NAME = "simbatch-file"
_MAX_BYTES = 2_000_000
_BACKUPS = 3

#: Replaced whole.
_SECRET_VALUES = (
    re.compile(r"\bsk-[A-Za-z0-9_\-*]{4,}"),  # OpenAI keys, also as echoed part-masked in errors
    re.compile(r"\bya29\.[A-Za-z0-9._\-]+"),  # Google access tokens
    re.compile(r"\b1//[A-Za-z0-9._\-]+"),  # Google refresh tokens
)
#: The first group (a label) is kept, the value after it is replaced.
_LABELLED_SECRETS = (
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._\-~+/=]{8,}"),
    re.compile(
        r"(?i)([\"']?(?:access_token|refresh_token|id_token|client_secret|api_key|code_verifier)[\"']?"
        r"\s*[:=]\s*[\"']?)[^\"'&\s,}]+"
    ),
)
_NOISY_LIBRARIES = (
    "httpx", "httpx2", "httpcore", "httpcore2", "openai", "urllib3", "googleapiclient",
    "requests_oauthlib", "oauthlib",
)


def mask_secrets(text: str) -> str:
    """``text`` with anything that looks like a key or token replaced by ``[secret]``."""
    for pattern in _SECRET_VALUES:
        text = pattern.sub("[secret]", text)
    for pattern in _LABELLED_SECRETS:
        text = pattern.sub(lambda m: f"{m.group(1)}[secret]", text)
    return text


class SecretMaskingFilter(logging.Filter):
    """Masks secrets in a record's final message (and drops its arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = mask_secrets(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = mask_secrets("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None
        return True


def logs_dir() -> Path:
    """The folder of the log file and crash reports (created owner-only)."""
    folder = data_home() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def install_file_logging(level: int = logging.INFO) -> Path:
    """Send SimBatch's records (and other libraries' warnings) to the rotating log file.

    Idempotent for one data folder; a change of ``SIMBATCH_HOME`` moves the log to the new folder.
    """
    path = logs_dir() / LOG_FILE
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _FILE_HANDLER_NAME]:
        if isinstance(old, logging.FileHandler) and Path(old.baseFilename) == path:
            return path
        root.removeHandler(old)
        old.close()
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
    )
    os.chmod(path, 0o600)
    handler.set_name(_FILE_HANDLER_NAME)
    handler.setLevel(level)
    handler.addFilter(SecretMaskingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    # Libraries below WARNING would flood the file (and some log whole token responses at DEBUG).
    for noisy in _NOISY_LIBRARIES:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("desktop").setLevel(level)
    return path


def write_crash_report(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> Path:
    """Write a masked crash report next to the log file; returns its path."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = logs_dir() / f"crash-{stamp}.txt"
    text = mask_secrets("".join(traceback.format_exception(exc_type, exc, tb)))
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"SimBatch crash report {stamp}\nPython {sys.version}\n\n{text}")
    logging.getLogger("desktop").info("Unexpected error; crash report written to %s", path)
    return path
