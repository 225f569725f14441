"""What each endpoint was found to accept for JSON output, so later requests skip the probe.

Learned, not configured: kept in ``endpoint_formats.json`` in the data folder, apart from
``settings.json`` so that saving the settings dialog never overwrites what a run has just learned. The key
is the base URL and the model (one OpenAI-compatible server may serve models that differ). A file that
cannot be read is treated as empty: the worst case is one probe more.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from desktop.domain.output_modes import OutputMode
from desktop.files import write_atomically
from desktop.paths import data_home

log = logging.getLogger(__name__)

MEMORY_FILE = "endpoint_formats.json"


def _key(base_url: str, model: str) -> str:
    return f"{base_url.rstrip('/')} {model}"


class OutputMemory:
    """The JSON output mode that worked per (base URL, model); thread-safe, written atomically."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else data_home() / MEMORY_FILE
        self._lock = threading.Lock()

    def get(self, base_url: str, model: str) -> OutputMode | None:
        """The remembered mode, or None when this endpoint and model were never probed."""
        with self._lock:
            value = self._read().get(_key(base_url, model))
        try:
            return OutputMode(value) if isinstance(value, str) else None
        except ValueError:
            return None

    def put(self, base_url: str, model: str, mode: OutputMode) -> None:
        """Remember ``mode`` for this endpoint and model (nothing is written when it is known)."""
        with self._lock:
            data = self._read()
            key = _key(base_url, model)
            if data.get(key) == mode.value:
                return
            data[key] = mode.value
            self._write(data)

    def forget(self, base_url: str, model: str | None = None) -> None:
        """Forget this endpoint (every model when ``model`` is None), so the next request probes again."""
        with self._lock:
            data = self._read()
            prefix = base_url.rstrip("/") + " "
            keep = {
                k: v
                for k, v in data.items()
                if not (k == _key(base_url, model) if model is not None else k.startswith(prefix))
            }
            if keep != data:
                self._write(keep)

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("%s could not be read (%s); endpoints will be probed again.", self.path, exc)
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write(self, data: dict[str, str]) -> None:
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        try:
            write_atomically(self.path, text.encode("utf-8"))
        except OSError as exc:  # a cache: failing to write costs one probe next time, nothing more
            log.warning("Could not write %s (%s).", self.path, exc)
