"""Batch API input files: one request line per row, streamed into chunk files within the provider's limits.

Each line carries the same request as live mode: the static system prompt first, the row's data last,
the structured-output schema, the same model, temperature, output cap and prompt cache key. Its
``custom_id`` names the run and the row, so results can be matched back (their order is not guaranteed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from desktop.domain.enrichment import FieldPlan, as_plan
from desktop.domain.llm_schema import vitals_response_format
from desktop.domain.models import Scenario
from desktop.domain.prompts import (
    SYSTEM_PROMPT,
    Columns,
    max_output_tokens,
    message_tokens,
    prompt_cache_key,
    user_message,
)
from desktop.services.batch_api import CHAT_ENDPOINT
from desktop.services.llm import TEMPERATURE

#: Provider limits for one batch input file.
MAX_LINES = 50_000
MAX_BYTES = 200 * 1024 * 1024


def custom_id(run_id: str, row: int) -> str:
    """The ``custom_id`` of a row's request: ``<run_id>:row-<n>``."""
    return f"{run_id}:row-{row}"


def parse_custom_id(text: object) -> tuple[str, int] | None:
    """``(run_id, row)`` from a ``custom_id``, or None when it is not one of ours."""
    if not isinstance(text, str) or ":row-" not in text:
        return None
    run_id, _, row = text.rpartition(":row-")
    return (run_id, int(row)) if row.isdigit() and run_id else None


@dataclass(frozen=True, slots=True)
class ChunkLimits:
    """How much one batch may hold: lines, bytes and (estimated) enqueued tokens."""

    max_lines: int = MAX_LINES
    max_bytes: int = MAX_BYTES
    token_cap: int | None = None

    def overflows(self, lines: int, size: int, tokens: int, add_size: int, add_tokens: int) -> bool:
        """True when one more line would push a non-empty chunk over a limit."""
        if lines == 0:
            return False
        if lines + 1 > self.max_lines or size + add_size > self.max_bytes:
            return True
        return self.token_cap is not None and tokens + add_tokens > self.token_cap


def plan_chunks(entries: Iterable[tuple[int, int, int]], limits: ChunkLimits) -> list[list[int]]:
    """Split ``(row, line bytes, tokens)`` entries, in order, into chunks within ``limits``."""
    chunks: list[list[int]] = []
    current: list[int] = []
    size = tokens = 0
    for row, line_size, line_tokens in entries:
        if limits.overflows(len(current), size, tokens, line_size, line_tokens):
            chunks.append(current)
            current, size, tokens = [], 0, 0
        current.append(row)
        size += line_size
        tokens += line_tokens
    if current:
        chunks.append(current)
    return chunks


class LineBuilder:
    """Builds request lines fast: the static parts are JSON-encoded once, only the row's message per row."""

    def __init__(self, run_id: str, model: str) -> None:
        self.run_id = run_id
        self.model = model
        self._head = (
            '"method":"POST","url":'
            + json.dumps(CHAT_ENDPOINT)
            + ',"body":{"model":'
            + json.dumps(model)
            + ',"messages":[{"role":"system","content":'
            + json.dumps(SYSTEM_PROMPT)
            + '},{"role":"user","content":'
        )
        self._system_tokens = message_tokens(SYSTEM_PROMPT)
        self._tails: dict[tuple[tuple[str, tuple[str, ...]], ...], tuple[str, int]] = {}
        self._cache_key = prompt_cache_key(model)

    def _tail(self, plan: FieldPlan) -> tuple[str, int]:
        key = tuple(plan.items())
        found = self._tails.get(key)
        if found is None:
            max_out = max_output_tokens(plan)
            rest = {
                "response_format": vitals_response_format(plan),
                "temperature": TEMPERATURE,
                "max_completion_tokens": max_out,
                "prompt_cache_key": self._cache_key,
            }
            found = ("}]," + json.dumps(rest, separators=(",", ":"))[1:] + "}\n", max_out)
            self._tails[key] = found
        return found

    def line(self, scenario: Scenario, columns: Columns) -> tuple[bytes, int]:
        """One JSONL line (with its newline) and its estimated enqueued tokens (prompt + output cap).

        ``columns`` is the row's field plan (or columns generated whole), as live mode sends it.
        """
        plan = as_plan(columns if isinstance(columns, Mapping) else list(dict.fromkeys(columns)))
        message = user_message(scenario, plan)
        tail, max_out = self._tail(plan)
        text = (
            '{"custom_id":'
            + json.dumps(custom_id(self.run_id, scenario.row))
            + ","
            + self._head
            + json.dumps(message, ensure_ascii=False)
            + tail
        )
        tokens = self._system_tokens + message_tokens(message) + max_out
        return text.encode("utf-8"), tokens


@dataclass(slots=True)
class ChunkFile:
    """One written input file: its rows, size and estimated tokens."""

    path: Path
    rows: list[int] = field(default_factory=list)
    size: int = 0
    tokens: int = 0


def write_chunks(
    builder: LineBuilder,
    items: Iterable[tuple[Scenario, Columns]],
    folder: Path,
    first_chunk: int,
    limits: ChunkLimits,
) -> list[ChunkFile]:
    """Stream request lines into ``chunk-<n>.jsonl`` files in ``folder``, a new file whenever the next
    line would break a limit. Memory stays flat however many rows there are."""
    folder.mkdir(parents=True, exist_ok=True)
    chunks: list[ChunkFile] = []
    handle = None
    try:
        for scenario, columns in items:
            data, tokens = builder.line(scenario, columns)
            current = chunks[-1] if chunks else None
            if current is None or limits.overflows(
                len(current.rows), current.size, current.tokens, len(data), tokens
            ):
                if handle is not None:
                    handle.close()
                number = first_chunk + len(chunks)
                current = ChunkFile(folder / f"{builder.run_id}-chunk-{number}.jsonl")
                chunks.append(current)
                handle = open(current.path, "wb")  # noqa: SIM115 - closed when the chunk is full
            assert handle is not None
            handle.write(data)
            current.rows.append(scenario.row)
            current.size += len(data)
            current.tokens += tokens
    finally:
        if handle is not None:
            handle.close()
    return chunks
