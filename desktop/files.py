"""Writing a file so that a crash never leaves half of it: a temporary file beside it, then a rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, shared: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, flushed to disk and then
    renamed over ``path``. The file is private to the user (0600) unless ``shared`` (a document to hand
    on: the usual permissions under the umask). The temporary file is removed when anything fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if shared:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
