"""Where SimBatch keeps its data and where the shipped resources are."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "SimBatch"


def resources_dir() -> Path:
    """The shipped ``resources/`` folder, in a source tree, an installed wheel or a bundle."""
    bundle_root = getattr(sys, "_MEIPASS", None)
    if bundle_root:
        return Path(bundle_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    """Path to one shipped resource file."""
    return resources_dir().joinpath(*parts)


def demo_workbook() -> Path:
    """The bundled demo workbook that ``make run`` opens when nothing else is configured."""
    return resource("demo", "scenarios.xlsx")


def is_installed_file(path: str | Path) -> bool:
    """True when ``path`` lies inside the shipped resources folder, which SimBatch never changes
    (read-only when installed under /opt or Program Files, signed inside a macOS .app)."""
    try:
        return Path(path).expanduser().resolve().is_relative_to(resources_dir().resolve())
    except OSError:
        return False


def demo_copy_path() -> Path:
    """The user's copy of the demo workbook in the data folder, which runs write to (see app/demo.py)."""
    return data_home() / "demo" / demo_workbook().name


def data_home() -> Path:
    """The folder for the journal, cache and logs: ``SIMBATCH_HOME`` or the platform's data folder."""
    override = os.environ.get("SIMBATCH_HOME")
    home = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    home.mkdir(parents=True, exist_ok=True)
    return home
