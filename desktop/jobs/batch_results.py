"""Batch API output and error files: each line matched to its row by ``custom_id`` (their order is not
guaranteed) and its reply judged like a live one."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.domain.llm_schema import ReplyError
from desktop.domain.models import Scenario
from desktop.domain.prompts import Columns
from desktop.domain.reply_policy import issue_text, judge_reply
from desktop.jobs.batch_input import parse_custom_id

log = logging.getLogger(__name__)

#: Error-file codes that mean "not attempted in time": the row is queued again, not failed.
REQUEUE_CODES = frozenset({"batch_expired", "batch_cancelled"})


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
