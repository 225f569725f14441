"""Asking an endpoint for JSON the way it accepts: the live client sends with the output mode known to
work there; when none is known (or it stopped working) the modes are probed in order, one request at a
time, and the first the endpoint accepts is remembered (in ``OutputMemory`` across sessions)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from desktop.domain.output_modes import OutputMode, modes_from, next_mode
from desktop.services.generation import LLMRequestError
from desktop.services.output_memory import OutputMemory

log = logging.getLogger(__name__)

R = TypeVar("R")


class FormatRefused(Exception):
    """The endpoint refused the way the request asked for JSON (try the next way)."""

    def __init__(self, mode: OutputMode, status: int, detail: str) -> None:
        super().__init__(f"{mode.value} (HTTP {status}: {detail})")
        self.mode = mode


class OutputModeProbe:
    """The output mode of one endpoint and model, found by probing and shared by the client's workers."""

    def __init__(self, base_url: str, model: str, host: str, memory: OutputMemory | None) -> None:
        self.base_url, self.model, self.host = base_url, model, host
        self.memory = memory
        #: The JSON output mode known to work here (remembered, or found by the first request).
        self.mode: OutputMode | None = memory.get(base_url, model) if memory else None
        self._lock = threading.Lock()

    def send(self, send: Callable[[OutputMode], R]) -> R:
        """``send(mode)`` with the known mode, else with each mode in turn until one is not refused
        (``send`` raises ``FormatRefused`` for a refused mode); ``LLMRequestError`` when none works."""
        failed: OutputMode | None = None
        known = self.mode
        if known is not None:
            try:
                return send(known)
            except FormatRefused:
                failed = known
        with self._lock:
            current = self.mode
            if current is not None and current != failed:
                start: OutputMode | None = current  # found by another worker while this one waited
            else:
                start = next_mode(failed) if failed is not None else None
                if failed is OutputMode.PROMPT:
                    start = OutputMode.PROMPT
            refusals: list[FormatRefused] = []
            for mode in modes_from(start):
                try:
                    result = send(mode)
                except FormatRefused as exc:
                    log.info("The LLM server at %s refused %s; trying the next way.", self.host, exc)
                    refusals.append(exc)
                    continue
                except LLMRequestError as exc:
                    if refusals:
                        raise self._unsupported(refusals, str(exc)) from None
                    raise
                self._learn(mode)
                return result
            raise self._unsupported(refusals, None)  # pragma: no cover - PROMPT is never a format refusal

    def forget(self) -> None:
        """Forget the mode (here and in the memory), so the next request probes afresh."""
        if self.memory is not None:
            self.memory.forget(self.base_url, self.model)
        self.mode = None

    def explain(self, reason: str) -> str:
        """A rejection reason, with why when a server without JSON output answered without JSON."""
        if self.mode is OutputMode.PROMPT and "not valid JSON" in reason:
            return (
                f"{reason.rstrip('.')} (the server at {self.host} does not support JSON output, so the "
                "schema was given in the prompt, and the model did not answer with JSON)."
            )
        return reason

    def _learn(self, mode: OutputMode) -> None:
        if self.mode is mode:
            return
        self.mode = mode
        log.info("The LLM server at %s accepts %s; later requests use it.", self.host, mode.label)
        if self.memory is not None:
            self.memory.put(self.base_url, self.model, mode)

    def _unsupported(self, refusals: list[FormatRefused], last: str | None) -> LLMRequestError:
        tried = " and ".join(str(r) for r in refusals)
        message = f"The LLM server at {self.host} does not support JSON output: it refused {tried}"
        if last:
            message += f"; a request with the schema in the prompt failed too: {last.rstrip('.')}"
        return LLMRequestError(message + ".", 400)
