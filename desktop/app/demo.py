"""The demo workbook the user works on: a copy in the data folder, never the shipped file.

The shipped ``resources/demo/scenarios.xlsx`` is part of the installation (read-only under ``/opt`` or
Program Files, signed inside a macOS ``.app``), so SimBatch opens a copy of it in the user's data folder
and runs write there. "Reset demo" puts a fresh copy back; the copy it replaces is kept once, so the
reset can be undone.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from desktop.errors import InputError
from desktop.paths import demo_copy_path, demo_workbook

log = logging.getLogger(__name__)

_BEFORE_RESET = "scenarios.before-reset.xlsx"


def open_demo_copy() -> Path:
    """The user's demo copy, made from the shipped workbook first when there is none."""
    copy = demo_copy_path()
    if not copy.exists():
        _copy_shipped(copy)
        log.info("Made a copy of the demo workbook at %s.", copy)
    return copy


def reset_demo() -> Path:
    """Replace the user's demo copy by a fresh one; the replaced copy is kept for ``undo_reset_demo``."""
    copy = demo_copy_path()
    if copy.exists():
        os.replace(copy, _before_reset_path())
    _copy_shipped(copy)
    log.info("Reset the demo workbook at %s.", copy)
    return copy


def can_undo_reset() -> bool:
    """True when a copy replaced by ``reset_demo`` is still kept."""
    return _before_reset_path().exists()


def undo_reset_demo() -> Path:
    """Put back the copy that the last ``reset_demo`` replaced."""
    kept = _before_reset_path()
    if not kept.exists():
        raise InputError("There is no earlier demo workbook to put back.")
    copy = demo_copy_path()
    os.replace(kept, copy)
    log.info("Put back the demo workbook at %s as it was before the reset.", copy)
    return copy


def is_demo_copy(source: str | Path | None) -> bool:
    """True when ``source`` names the user's demo copy."""
    return _same_file(source, demo_copy_path())


def is_shipped_demo(source: str | Path | None) -> bool:
    """True when ``source`` names the demo workbook shipped with SimBatch."""
    return _same_file(source, demo_workbook())


def _copy_shipped(target: Path) -> None:
    shipped = demo_workbook()
    if not shipped.exists():
        raise InputError(f"The demo workbook shipped with SimBatch is missing ({shipped}).")
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.part")
    # copyfile, not copy2: the shipped file may be read-only, the user's copy must not be.
    shutil.copyfile(shipped, temp)
    os.replace(temp, target)


def _before_reset_path() -> Path:
    return demo_copy_path().with_name(_BEFORE_RESET)


def _same_file(source: str | Path | None, target: Path) -> bool:
    if not source or str(source).lower().startswith(("gsheet:", "http://", "https://")):
        return False
    try:
        return Path(source).expanduser().resolve() == target.resolve()
    except OSError:
        return False
