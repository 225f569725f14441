"""``simbatch --version`` and the app's version come from pyproject.toml."""

from __future__ import annotations

import tomllib

import pytest

from desktop import __version__
from desktop.cli import main
from tests.conftest import REPO_ROOT


def _pyproject_version() -> str:
    with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
        version: str = tomllib.load(handle)["project"]["version"]
    return version


def test_package_version_is_the_pyproject_version() -> None:
    assert __version__ == _pyproject_version()


def test_version_flag_prints_the_pyproject_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"simbatch {_pyproject_version()}"
