"""Test-wide isolation: offscreen Qt, a private data folder and an in-memory keyring per test."""

from __future__ import annotations

import os

# Must happen before anything imports Qt: with no display Qt would abort the whole process.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.memory_keyring.MemoryKeyring"
for _name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SIMBATCH_SHEETS_ENDPOINT"):
    os.environ.pop(_name, None)

import hashlib  # noqa: E402
import importlib.util  # noqa: E402
import shutil  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

import pytest  # noqa: E402

if TYPE_CHECKING:
    from desktop.journal import Journal

REPO_ROOT = Path(__file__).resolve().parent.parent
RESOURCES = REPO_ROOT / "resources"
DEMO_WORKBOOK = RESOURCES / "demo" / "scenarios.xlsx"


def load_spec_helpers() -> ModuleType:
    """``packaging/spec_helpers.py``, loaded by path: the folder is called ``packaging``, like the PyPI
    package pytest itself uses."""
    path = REPO_ROOT / "packaging" / "spec_helpers.py"
    spec = importlib.util.spec_from_file_location("simbatch_spec_helpers", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def resources_state() -> dict[str, tuple[int, str]]:
    """Every file and folder under resources/ (and nothing else there): its mtime and SHA-256.

    A folder's mtime changes when anything is created or removed in it, even a temporary file.
    """
    state: dict[str, tuple[int, str]] = {}
    for path in [RESOURCES, *sorted(RESOURCES.rglob("*"))]:
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
        state[str(path.relative_to(RESOURCES))] = (path.stat().st_mtime_ns, digest)
    return state


def resources_changes(before: dict[str, tuple[int, str]]) -> list[str]:
    """The files under resources/ added, removed or changed since ``before``."""
    after = resources_state()
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


@pytest.fixture(scope="session", autouse=True)
def shipped_resources_never_change() -> Iterator[None]:
    """The shipped resources are the installation: no test (and so no run of the app) may touch them."""
    before = resources_state()
    yield
    changed = resources_changes(before)
    assert not changed, f"files under resources/ were changed during the tests: {changed}"


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
def journal(simbatch_home: Path) -> Iterator[Journal]:
    """A journal in the test's data folder, closed after the test."""
    from desktop.journal import Journal

    with Journal.open() as opened:
        yield opened


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of the demo workbook that a test may change."""
    target = tmp_path / "scenarios.xlsx"
    shutil.copyfile(DEMO_WORKBOOK, target)
    return target
