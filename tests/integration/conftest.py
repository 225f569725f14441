"""Fixtures shared by the integration tests."""

from __future__ import annotations

import webbrowser
from collections.abc import Iterator
from typing import Any

import pytest

from desktop.services import auth_token
from desktop.services.workbook import XlsxSource
from tests.fakes.oauth_server import FakeBrowser, FakeOAuth


@pytest.fixture
def write_batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every ``XlsxSource.write_cells`` call made during the test (the real write runs)."""
    batches: list[int] = []
    real_write = XlsxSource.write_cells

    def counting_write(self: XlsxSource, values: Any) -> None:
        batches.append(len(values))
        real_write(self, values)

    monkeypatch.setattr(XlsxSource, "write_cells", counting_write)
    return batches


@pytest.fixture
def oauth(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOAuth]:
    """The loopback fake of Google's OAuth endpoints, with no sign-in cached before or after."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    auth_token.forget_credentials()
    with FakeOAuth() as fake:
        yield fake
    auth_token.forget_credentials()


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> FakeBrowser:
    """Stands in for the user's browser and follows the sign-in link to the fake."""
    fake_browser = FakeBrowser()
    monkeypatch.setattr(webbrowser, "get", lambda using=None: fake_browser)
    return fake_browser
