"""Batch API files: the JSONL input (one request line per row, split into chunks) and the reading of
output and error files (matched by ``custom_id``; their order is not guaranteed).

Each input line carries the same request as live mode: the static system prompt first, the row's data
last, the structured-output schema, the same model, temperature, output cap and prompt cache key.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.domain.enrichment import FieldPlan, as_plan
from desktop.domain.llm_schema import ReplyError, vitals_response_format
from desktop.domain.models import Scenario
from desktop.domain.prompts import (
    SYSTEM_PROMPT,
    Columns,
    max_output_tokens,
    message_tokens,
    prompt_cache_key,
    user_message,
)
from desktop.domain.reply_policy import issue_text, judge_reply
from desktop.services.batch_api import CHAT_ENDPOINT
from desktop.services.llm import TEMPERATURE

log = logging.getLogger(__name__)

#: Provider limits for one batch input file.
MAX_LINES = 50_000
MAX_BYTES = 200 * 1024 * 1024
#: Error-file codes that mean "not attempted in time": the row is queued again, not failed.
REQUEUE_CODES = frozenset({"batch_expired", "batch_cancelled"})


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


# -- reading results -------------------------------------------------------------------------------


@dataclass(slots=True)
class LineResult:
    """What the batch returned for one row."""

    row: int
    values: dict[str, dict[str, object]] | None = None
    warnings: list[str] = field(default_factory=list)
    generated: dict[str, list[str]] = field(default_factory=dict)
    flags: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None
    requeue: bool = False
    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0

    @property
    def ok(self) -> bool:
        """True when the reply passed every check."""
        return self.values is not None


@dataclass(slots=True)
class ResultsRead:
    """Every row's result from an output and an error file, plus lines that could not be used."""

    rows: dict[int, LineResult] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _lines(path: Path | None) -> Iterator[tuple[int, str]]:
    if path is None or not path.exists():
        return
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, text in enumerate(handle, start=1):
            if text.strip():
                yield number, text


def _usage(body: Mapping[str, Any]) -> tuple[int, int, int]:
    usage = body.get("usage") or {}
    details = usage.get("prompt_tokens_details") or {}
    return (
        int(usage.get("prompt_tokens") or 0),
        int(details.get("cached_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
    )


def _error_text(item: Mapping[str, Any]) -> str:
    error = item.get("error") or {}
    response = item.get("response") or {}
    body = response.get("body") if isinstance(response, Mapping) else None
    inner = body.get("error") if isinstance(body, Mapping) else None
    message = (error.get("message") if isinstance(error, Mapping) else None) or (
        inner.get("message") if isinstance(inner, Mapping) else None
    )
    status = response.get("status_code") if isinstance(response, Mapping) else None
    prefix = f"The batch request failed (HTTP {status})" if status else "The batch request failed"
    return f"{prefix}: {message}" if message else f"{prefix}."


def _judge(row: int, item: Mapping[str, Any], request: tuple[Scenario, Columns]) -> LineResult:
    response = item.get("response")
    error = item.get("error")
    if isinstance(error, Mapping) and str(error.get("code")) in REQUEUE_CODES:
        return LineResult(row, requeue=True, error=str(error.get("message") or error.get("code")))
    if not isinstance(response, Mapping) or response.get("status_code") != 200 or error:
        return LineResult(row, error=_error_text(item))
    body = response.get("body") or {}
    tokens = _usage(body)
    result = LineResult(row, input_tokens=tokens[0], cached_tokens=tokens[1], output_tokens=tokens[2])
    scenario, columns = request
    choices = body.get("choices") or []
    if not choices or not columns:
        result.error = "The reply had no answer in it." if columns else "No vitals were asked for this row."
        return result
    choice = choices[0] or {}
    message = choice.get("message") or {}
    try:
        verdict = judge_reply(
            message.get("content"), choice.get("finish_reason"), message.get("refusal"), scenario, columns
        )
    except ReplyError as exc:
        result.error = f"The model's reply was rejected: {exc.reason}"
        return result
    result.values = verdict.cells
    result.generated = verdict.generated
    result.warnings = [issue_text(w) for w in verdict.warnings]
    result.flags = [w.to_json() for w in verdict.warnings]
    return result


def read_results(
    run_id: str,
    requests: Mapping[int, tuple[Scenario, Columns]],
    output: Path | None,
    errors: Path | None,
) -> ResultsRead:
    """Match output and error file lines to rows by ``custom_id`` and judge each reply like a live one.

    ``requests`` holds each row's scenario as read and its field plan (what its request asked for).

    A line that is not JSON, names another run or an unknown row is reported in ``problems`` and
    skipped; the other rows are unaffected. A success in the output file wins over an error line.
    """
    read = ResultsRead()
    for label, path in (("output", output), ("error", errors)):
        for number, text in _lines(path):
            try:
                item = json.loads(text)
            except ValueError:
                read.problems.append(f"Line {number} of the {label} file is not valid JSON and was skipped.")
                continue
            parsed = parse_custom_id(item.get("custom_id") if isinstance(item, dict) else None)
            if parsed is None or parsed[0] != run_id or parsed[1] not in requests:
                cid = item.get("custom_id") if isinstance(item, dict) else None
                read.problems.append(f"Line {number} of the {label} file names an unknown request {cid!r}.")
                continue
            row = parsed[1]
            earlier = read.rows.get(row)
            if earlier is not None and earlier.ok:
                continue
            read.rows[row] = _judge(row, item, requests[row])
    for problem in read.problems:
        log.warning("%s", problem)
    return read
