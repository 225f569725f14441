"""The Files and Batch API of the fake OpenAI server: uploads, batch validation, a lifecycle that
advances with each poll, and output/error files built like the real ones."""

from __future__ import annotations

import copy
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.openai_content import (
    PrefixCache,
    chat_completion,
    message_text,
    new_id,
    requested_tokens,
    row_and_case,
)
from tests.fakes.openai_faults import Dice, Faults, content_fault
from tests.fakes.openai_wire import Reply, error_body, error_reply

CHAT_URL = "/v1/chat/completions"
IN_FLIGHT = ("validating", "in_progress", "finalizing", "cancelling")
TERMINAL = ("completed", "failed", "expired", "cancelled")
OUTCOMES = ("completed", "failed", "expired")


@dataclass
class _Line:
    """One request of a batch and what the fake decided will happen to it."""

    custom_id: str
    body: dict[str, Any]
    fault: str | None  # "5xx" (error file) or a content fault (output file) or None


@dataclass
class _BatchRun:
    """Private lifecycle state of one batch."""

    lines: list[_Line]
    outcome: str
    tokens: int
    errors: list[dict[str, Any]] = field(default_factory=list)
    polls: int = 0
    processed: int = 0


def _validate_jsonl(data: bytes) -> tuple[list[tuple[str, dict[str, Any]]], list[dict[str, Any]]]:
    """Parsed ``(custom_id, body)`` lines of a batch input file, and the errors the real API would
    report (code, message, param, 1-based line)."""
    lines: list[tuple[str, dict[str, Any]]] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    models: set[str] = set()

    def fail(code: str, message: str, number: int, param: str | None = None) -> None:
        errors.append({"code": code, "message": message, "param": param, "line": number})

    text_lines = data.decode("utf-8", errors="replace").splitlines()
    for number, text in enumerate(text_lines, start=1):
        if not text.strip():
            continue
        try:
            item = json.loads(text)
        except json.JSONDecodeError:
            fail("invalid_json_line", "This line is not parseable as valid JSON.", number)
            continue
        if not isinstance(item, dict):
            fail("invalid_json_line", "This line is not a JSON object.", number)
            continue
        custom_id = item.get("custom_id")
        body = item.get("body")
        if not isinstance(custom_id, str) or not custom_id:
            fail(
                "missing_required_parameter", "Missing required parameter: 'custom_id'.", number, "custom_id"
            )
        elif custom_id in seen:
            fail(
                "duplicate_custom_id",
                f"The custom_id for this request is a duplicate of another request: {custom_id!r}.",
                number,
                "custom_id",
            )
        elif item.get("method") != "POST":
            fail("invalid_method", "The method must be 'POST'.", number, "method")
        elif item.get("url") != CHAT_URL:
            fail("invalid_url", f"The url must be '{CHAT_URL}' to match the batch endpoint.", number, "url")
        elif not (isinstance(body, dict) and body.get("model") and isinstance(body.get("messages"), list)):
            fail("missing_required_parameter", "The body must carry 'model' and 'messages'.", number, "body")
        else:
            seen.add(custom_id)
            models.add(str(body["model"]))
            if len(models) > 1:
                fail("mismatched_model", "All requests in a batch must use the same model.", number, "model")
            lines.append((custom_id, body))
    if not text_lines or (not lines and not errors):
        errors.append(
            {"code": "empty_file", "message": "The input file is empty.", "param": None, "line": None}
        )
    return lines, errors


class BatchAPI:
    """Files and batches, mixed into ``FakeOpenAI``. Tests may change the public attributes at any time;
    a batch keeps the outcome, per-line faults and ``fail_custom_ids`` in force when it was created."""

    faults: Faults
    dice: Dice
    prefix_cache: PrefixCache

    def _init_batches(self) -> None:
        self.files: dict[str, bytes] = {}
        self.file_objects: dict[str, dict[str, Any]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.batches_created = 0
        self.enqueued_token_cap: int | None = None
        self.batch_polls_per_stage = 2
        self.fail_custom_ids: set[str] = set()
        #: custom_id → the content fault of its latest output line (None: a good reply).
        self.output_faults: dict[str, str | None] = {}
        self._batch_outcome = "completed"
        self._runs: dict[str, _BatchRun] = {}
        self._batch_lock = threading.RLock()

    def set_batch_outcome(self, outcome: str) -> None:
        """How batches created from now on end: ``completed``, ``failed`` (at validation) or ``expired``
        (part of the lines done, the rest ``batch_expired`` in the error file)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
        self._batch_outcome = outcome

    # --- files ------------------------------------------------------------------------------------

    def store_file(self, data: bytes, filename: str, purpose: str) -> dict[str, Any]:
        """Keep ``data`` as a processed file and return its file object."""
        file_id = new_id("file-")
        obj = {
            "id": file_id,
            "object": "file",
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
            "expires_at": None,
            "status_details": None,
        }
        with self._batch_lock:
            self.files[file_id] = data
            self.file_objects[file_id] = obj
        return obj

    def file_reply(self, method: str, file_id: str, content: bool) -> Reply:
        """GET a file object or its content; DELETE a file."""
        with self._batch_lock:
            if file_id not in self.files:
                return error_reply(404, f"No such File object: {file_id}", param="id")
            if method == "DELETE":
                del self.files[file_id]
                self.file_objects.pop(file_id, None)
                return Reply(200, {"id": file_id, "object": "file", "deleted": True})
            if content:
                return Reply(200, self.files[file_id])
            return Reply(200, dict(self.file_objects[file_id]))

    def list_files(self) -> Reply:
        """All stored file objects, newest first."""
        with self._batch_lock:
            data = [dict(o) for o in reversed(self.file_objects.values())]
        return _list_reply(data, has_more=False)

    # --- batches ----------------------------------------------------------------------------------

    def create_batch(self, body: dict[str, Any]) -> Reply:
        """POST /v1/batches: check the parameters, validate the input file lazily (first poll) and
        enforce the enqueued-token cap at once (the batch is created already ``failed``)."""
        input_id = body.get("input_file_id")
        if body.get("endpoint") != CHAT_URL:
            return error_reply(400, f"Invalid endpoint: {body.get('endpoint')!r}.", param="endpoint")
        if body.get("completion_window") != "24h":
            return error_reply(400, "completion_window must be '24h'.", param="completion_window")
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            return error_reply(400, "metadata must be an object.", param="metadata")
        with self._batch_lock:
            if not isinstance(input_id, str) or input_id not in self.files:
                return error_reply(400, f"Invalid 'input_file_id': {input_id!r}.", param="input_file_id")
            parsed, errors = _validate_jsonl(self.files[input_id])
            lines = [_Line(cid, b, self._line_fault(cid)) for cid, b in parsed]
            run = _BatchRun(lines, self._batch_outcome, sum(requested_tokens(b) for _, b in parsed), errors)
            now = int(time.time())
            batch_id = new_id("batch_")
            batch = {
                "id": batch_id,
                "object": "batch",
                "endpoint": CHAT_URL,
                "errors": None,
                "input_file_id": input_id,
                "completion_window": "24h",
                "status": "validating",
                "output_file_id": None,
                "error_file_id": None,
                "created_at": now,
                "in_progress_at": None,
                "expires_at": now + 24 * 3600,
                "finalizing_at": None,
                "completed_at": None,
                "failed_at": None,
                "expired_at": None,
                "cancelling_at": None,
                "cancelled_at": None,
                "request_counts": {"total": 0, "completed": 0, "failed": 0},
                "metadata": metadata,
                "model": str(parsed[0][1]["model"]) if parsed else None,
            }
            cap = self.enqueued_token_cap
            if cap is not None and self._enqueued_tokens() + run.tokens > cap:
                self._fail(
                    batch,
                    [
                        {
                            "code": "token_limit_exceeded",
                            "param": None,
                            "line": None,
                            "message": f"Enqueued token limit reached. Limit: {cap} enqueued "
                            "tokens. Please try submitting your requests again later.",
                        }
                    ],
                )
            self.batches[batch_id] = batch
            self._runs[batch_id] = run
            self.batches_created += 1
            return Reply(200, copy.deepcopy(batch))

    def _line_fault(self, custom_id: str) -> str | None:
        if custom_id in self.fail_custom_ids or self.dice.pick([("5xx", self.faults.rate_5xx)]):
            return "5xx"
        return content_fault(self.faults, self.dice)

    def _enqueued_tokens(self) -> int:
        return sum(self._runs[b].tokens for b, obj in self.batches.items() if obj["status"] in IN_FLIGHT)

    def _fail(self, batch: dict[str, Any], errors: list[dict[str, Any]]) -> None:
        batch.update(status="failed", failed_at=int(time.time()), errors={"object": "list", "data": errors})

    def get_batch(self, batch_id: str) -> Reply:
        """GET /v1/batches/{id}: each poll moves the batch along its lifecycle."""
        with self._batch_lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return _no_batch(batch_id)
            self._advance(batch, self._runs[batch_id])
            return Reply(200, copy.deepcopy(batch))

    def cancel_batch(self, batch_id: str) -> Reply:
        """POST /v1/batches/{id}/cancel: ``cancelling`` now, ``cancelled`` with partial output next poll."""
        with self._batch_lock:
            batch = self.batches.get(batch_id)
            if batch is None:
                return _no_batch(batch_id)
            if batch["status"] in TERMINAL or batch["status"] == "cancelling":
                return error_reply(409, f"Cannot cancel a batch with status '{batch['status']}'.")
            batch.update(status="cancelling", cancelling_at=int(time.time()))
            return Reply(200, copy.deepcopy(batch))

    def list_batches(self, limit: int, after: str | None) -> Reply:
        """GET /v1/batches: newest first, cursor pagination by ``after``."""
        with self._batch_lock:
            ordered = list(reversed(self.batches.values()))
            ids = [b["id"] for b in ordered]
            start = ids.index(after) + 1 if after in ids else 0
            page = copy.deepcopy(ordered[start : start + limit])
            has_more = start + limit < len(ordered)
        return _list_reply(page, has_more=has_more)

    def _counts(self, batch: dict[str, Any], run: _BatchRun, processed: int) -> None:
        run.processed = processed
        failed = sum(1 for line in run.lines[:processed] if line.fault == "5xx")
        batch["request_counts"] = {"total": len(run.lines), "completed": processed - failed, "failed": failed}

    def _advance(self, batch: dict[str, Any], run: _BatchRun) -> None:
        status = batch["status"]
        if status in TERMINAL:
            return
        now = int(time.time())
        if status == "cancelling":
            self._finish(batch, run, "cancelled", run.processed)
            return
        run.polls += 1
        if run.errors or run.outcome == "failed":
            errors = run.errors or [
                {
                    "code": "invalid_request",
                    "param": None,
                    "line": None,
                    "message": "The batch failed validation.",
                }
            ]
            self._fail(batch, errors)
            return
        per = self.batch_polls_per_stage
        stage = (run.polls - 1) // per if per > 0 else 3
        total = len(run.lines)
        if stage >= 1 and batch["in_progress_at"] is None:
            batch["in_progress_at"] = now
        if stage == 1:
            batch["status"] = "in_progress"
            step = (run.polls - 1) % per + 1
            self._counts(batch, run, total * step // (per + 1))
        elif stage == 2:
            batch.update(status="finalizing", finalizing_at=batch["finalizing_at"] or now)
            self._counts(batch, run, total)
        elif stage >= 3:
            batch["finalizing_at"] = batch["finalizing_at"] or now
            if run.outcome == "expired":
                self._finish(batch, run, "expired", total // 2)
            else:
                self._finish(batch, run, "completed", total)

    def _finish(self, batch: dict[str, Any], run: _BatchRun, status: str, processed: int) -> None:
        """End the batch: write output and error files for the first ``processed`` lines (expired lines
        beyond them go to the error file as ``batch_expired``)."""
        outputs: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        for line in run.lines[:processed]:
            if line.fault == "5xx":
                failures.append(
                    _error_line(
                        line.custom_id,
                        500,
                        "server_error",
                        "The server had an error while processing your request.",
                    )
                )
            else:
                outputs.append(self._output_line(line))
        if status == "expired":
            failures.extend(
                _error_line(
                    line.custom_id,
                    None,
                    "batch_expired",
                    "This request could not be executed before the completion window expired.",
                )
                for line in run.lines[processed:]
            )
        self.dice.shuffle(outputs)
        self.dice.shuffle(failures)
        self._counts(batch, run, processed)
        now = int(time.time())
        batch.update(status=status, **{f"{status}_at": now})
        if outputs:
            batch["output_file_id"] = self._jsonl_file(batch["id"], "output", outputs)["id"]
        if failures:
            batch["error_file_id"] = self._jsonl_file(batch["id"], "error", failures)["id"]

    def _output_line(self, line: _Line) -> dict[str, Any]:
        row, _ = row_and_case(line.body.get("messages") or [])
        fault = line.fault if line.fault != "5xx" else None
        self.output_faults[line.custom_id] = fault
        cached = self.prefix_cache.lookup_and_add(message_text(line.body.get("messages") or []))
        return {
            "id": new_id("batch_req_"),
            "custom_id": line.custom_id,
            "response": {
                "status_code": 200,
                "request_id": new_id("req_"),
                "body": chat_completion(line.body, row, fault, cached),
            },
            "error": None,
        }

    def _jsonl_file(self, batch_id: str, kind: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        data = "".join(json.dumps(item) + "\n" for item in items).encode()
        return self.store_file(data, f"{batch_id}_{kind}.jsonl", "batch_output")


def _error_line(custom_id: str, status: int | None, code: str, message: str) -> dict[str, Any]:
    """An error-file line: the failed response (or null) and ``error {code, message}``."""
    response = None
    if status is not None:
        response = {
            "status_code": status,
            "request_id": new_id("req_"),
            "body": error_body(status, message, kind=code),
        }
    return {
        "id": new_id("batch_req_"),
        "custom_id": custom_id,
        "response": response,
        "error": {"code": code, "message": message},
    }


def _list_reply(data: list[dict[str, Any]], *, has_more: bool) -> Reply:
    """A list page as the real API shapes it for files and batches alike."""
    return Reply(
        200,
        {
            "object": "list",
            "data": data,
            "has_more": has_more,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
        },
    )


def _no_batch(batch_id: str) -> Reply:
    """The 404 the real API answers for an unknown batch id."""
    return error_reply(404, f"No batch found with id '{batch_id}'.")
