"""Fixtures shared by the integration tests."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.services.workbook import XlsxSource


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
