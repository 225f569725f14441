"""Test-wide isolation: offscreen Qt, a private data folder and an in-memory keyring per test."""

from __future__ import annotations

import os

# Must happen before anything imports Qt: with no display Qt would abort the whole process.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.memory_keyring.MemoryKeyring"
for _name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SIMBATCH_SHEETS_ENDPOINT"):
    os.environ.pop(_name, None)

import shutil  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_WORKBOOK = REPO_ROOT / "resources" / "demo" / "scenarios.xlsx"


@pytest.fixture(autouse=True)
def simbatch_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own SIMBATCH_HOME, an empty keyring and no organisation file (unless the
    test sets SIMBATCH_ORG_CONFIG), whatever the machine has in its system folders."""
    home = tmp_path / "simbatch-home"
    home.mkdir()
    monkeypatch.setenv("SIMBATCH_HOME", str(home))
    monkeypatch.setenv("SIMBATCH_ORG_CONFIG", "")
    from tests.memory_keyring import MemoryKeyring

    MemoryKeyring.clear()
    yield home
    MemoryKeyring.clear()


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of the demo workbook that a test may change."""
    target = tmp_path / "scenarios.xlsx"
    shutil.copyfile(DEMO_WORKBOOK, target)
    return target
