"""The log file and crash reports: secrets masked whatever logged them, files owner-only."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from desktop.logs import LOG_FILE, install_file_logging, mask_secrets, write_crash_report

KEY = "sk-proj-ABCdef0123456789xyz"
REFRESH = "1//0gLongRefreshTokenValue-_x"
ACCESS = "ya29.a0AfH6SMBlongAccessToken"


@pytest.mark.parametrize(
    "text",
    [
        f"key {KEY} refused",
        f"Authorization: Bearer {ACCESS}",
        f'{{"access_token": "{ACCESS}", "refresh_token": "{REFRESH}", "expires_in": 3599}}',
        f"grant_type=refresh_token&refresh_token={REFRESH}&client_secret=GOCSPX-shh",
        "api_key='abc123secretvalue'",
    ],
)
def test_secrets_are_masked(text: str) -> None:
    masked = mask_secrets(text)
    for secret in (KEY, REFRESH, ACCESS, "GOCSPX-shh", "abc123secretvalue"):
        assert secret not in masked
    assert "[secret]" in masked


def test_ordinary_text_is_left_alone() -> None:
    text = "Row 12 (RESP-004): HR 350 is outside 0–300; tokens used 2,881; cost $0.0003"
    assert mask_secrets(text) == text


def test_log_file_masks_every_library_and_is_private(simbatch_home: Path) -> None:
    path = install_file_logging()
    logging.getLogger("desktop.services.llm").info("calling with %s", KEY)
    logging.getLogger("some.library").warning("token response: %s", {"refresh_token": REFRESH})
    try:
        raise RuntimeError(f"boom {ACCESS}")
    except RuntimeError:
        logging.getLogger("desktop").exception("failed")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "calling with [secret]" in text and "failed" in text and "RuntimeError" in text
    assert KEY not in text and REFRESH not in text and ACCESS not in text
    assert path == simbatch_home / "logs" / LOG_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_log_follows_a_new_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = install_file_logging()
    monkeypatch.setenv("SIMBATCH_HOME", str(tmp_path / "other"))
    second = install_file_logging()
    assert second != first and second.parent.parent == tmp_path / "other"
    assert install_file_logging() == second
    names = [h.get_name() for h in logging.getLogger().handlers]
    assert names.count("simbatch-file") == 1


def test_crash_report_is_masked_and_private(simbatch_home: Path) -> None:
    try:
        raise ValueError(f"bad key {KEY}")
    except ValueError as exc:
        path = write_crash_report(type(exc), exc, exc.__traceback__)
    text = path.read_text()
    assert "ValueError" in text and "Traceback" in text and KEY not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
