"""Test-only: fake a full disk for one folder. When ``SIMBATCH_TEST_ENOSPC_DIR`` names a folder,
``os.fsync`` of any file inside it fails with ENOSPC, as it would when the disk fills during a save.
This fakes the operating system, not SimBatch: the product code runs unchanged."""

from __future__ import annotations

import errno
import os

_FOLDER = os.environ.get("SIMBATCH_TEST_ENOSPC_DIR")

if _FOLDER:
    _real_fsync = os.fsync

    def _fsync(fd: int) -> None:
        try:
            path = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            path = ""
        if path.startswith(_FOLDER.rstrip("/") + "/"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        _real_fsync(fd)

    os.fsync = _fsync
