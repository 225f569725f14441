"""A loopback HTTP server that speaks the OpenAI wire protocol for tests: chat completions with
structured output, prompt-cache usage, rate-limit headers and windows, fault injection, and the Files
and Batch API. Driven by the real ``openai`` SDK pointed at ``base_url``.

    with FakeOpenAI(rpm_limit=60) as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import LoopbackHandler, LoopbackServer
from tests.fakes.openai_batches import BatchAPI
from tests.fakes.openai_content import (
    PrefixCache,
    chat_completion,
    estimate_tokens,
    message_text,
    new_id,
    requested_tokens,
    row_and_case,
)
from tests.fakes.openai_faults import Dice, Faults, RequestRecord, content_fault, transport_fault
from tests.fakes.openai_formats import FormatSupport, models_list
from tests.fakes.openai_limits import SlidingLimiter
from tests.fakes.openai_wire import Reply, error_reply, parse_multipart, retry_headers

__all__ = ["FakeOpenAI", "Faults", "FormatSupport", "RequestRecord"]

#: Special outcomes of a request that are not HTTP answers.
_HOLD = "timeout"
_DROP = "drop"


class _Handler(LoopbackHandler):
    """Reads one HTTP/1.1 request, asks the fake for the answer and writes it (or misbehaves)."""

    fake: FakeOpenAI

    def _serve(self) -> None:
        raw = self.read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        result = self.fake.answer(self.command, self.path, headers, raw)
        if isinstance(result, str):
            if result == _HOLD:
                self.fake._stopping.wait(self.fake.faults.timeout_hold)
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        data, content_type = result.encoded()
        self.send_body(result.status, data, content_type, result.headers)

    do_GET = do_POST = do_DELETE = _serve


class FakeOpenAI(BatchAPI, LoopbackServer):
    """The fake server. Start it (or use it as a context manager), point the SDK at ``base_url``, then
    inspect ``log``. ``faults`` and the batch settings may be changed while it runs."""

    handler = _Handler
    thread_name = "fake-openai"

    def __init__(
        self,
        *,
        api_key: str = "sk-test-fake",
        latency: float = 0.0,
        rpm_limit: int | None = None,
        tpm_limit: int | None = None,
        seed: int = 0,
        formats: FormatSupport | None = None,
        require_key: bool = True,
        models: list[str] | None = None,
    ) -> None:
        self.api_key = api_key
        #: Which ways of asking for JSON are accepted (see ``openai_formats``); local servers need no key.
        self.formats = formats or FormatSupport.openai()
        self.require_key = require_key
        self.models = models if models is not None else ["gpt-4o-mini", "gpt-4o"]
        self.latency = latency
        self.faults = Faults()
        self.log: list[RequestRecord] = []
        self.limiter = SlidingLimiter(rpm_limit, tpm_limit)
        self.dice = Dice(seed)
        self.prefix_cache = PrefixCache()
        self._init_batches()
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()
        self.base_url = ""

    # --- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> Self:
        """Listen on a free loopback port and serve from a daemon thread."""
        self._stopping.clear()
        super().start()
        self.base_url = f"{self.root_url}/v1"
        return self

    def stop(self) -> None:
        """Stop serving and release held connections."""
        self._stopping.set()
        super().stop()

    # --- inspection -----------------------------------------------------------------------------------

    def chat_requests(self, status: int | None = 200) -> list[RequestRecord]:
        """Chat completion requests received, in order; only those answered ``status`` unless it is
        ``None``."""
        with self._log_lock:
            records = [r for r in self.log if r.path.endswith("/chat/completions")]
        return [r for r in records if status is None or r.status == status]

    def requested_rows(self) -> list[int]:
        """Sheet row of each chat request answered 200, in order (requests without a row skipped)."""
        return [r.row for r in self.chat_requests(200) if r.row is not None]

    def record(self, entry: RequestRecord) -> None:
        """Append to ``log`` (thread-safe)."""
        with self._log_lock:
            self.log.append(entry)

    # --- answering ------------------------------------------------------------------------------------

    def answer(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Reply | str:
        """Route one request; returns the reply, or ``"timeout"``/``"drop"`` for unanswered faults."""
        arrived = time.monotonic()
        parts = urlsplit(target)
        path = parts.path.rstrip("/")
        body = _json_or_none(raw) if "json" in headers.get("content-type", "") else None
        entry = RequestRecord(method, path, 0, body, None, None, arrived)
        if body is not None and isinstance(body.get("messages"), list):
            entry.row, entry.case_id = row_and_case(body["messages"])
        result = self._route(method, path, parts.query, headers, raw, body, entry)
        if isinstance(result, Reply):
            entry.status = result.status
            result.headers = {**self.limiter.headers(), "x-request-id": new_id("req_"), **result.headers}
        self.record(entry)
        return result

    def _route(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        raw: bytes,
        body: dict[str, Any] | None,
        entry: RequestRecord,
    ) -> Reply | str:
        key_wrong = self.require_key and headers.get("authorization") != f"Bearer {self.api_key}"
        if self.faults.force_401 or key_wrong:
            return error_reply(
                401,
                "Incorrect API key provided. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )
        if self.faults.fail_next:
            try:
                return self._injected(self.faults.fail_next.pop(0))
            except IndexError:
                pass
        segments = path.split("/")[1:]  # "", "v1", ...
        if segments[:1] != ["v1"]:
            return error_reply(404, f"Unknown path {path}.")
        rest = segments[1:]
        if rest == ["chat", "completions"] and method == "POST":
            return self._chat(body, entry)
        if rest == ["models"] and method == "GET":
            return Reply(200, models_list(self.models))
        if rest == ["files"]:
            if method == "POST":
                return self._upload(headers.get("content-type", ""), raw)
            return self.list_files()
        if len(rest) in (2, 3) and rest[0] == "files" and method in ("GET", "DELETE"):
            return self.file_reply(method, rest[1], content=rest[2:] == ["content"])
        if rest == ["batches"]:
            if method == "POST":
                return self.create_batch(body or {})
            params = parse_qs(query)
            limit = int(params.get("limit", ["20"])[0])
            return self.list_batches(max(1, min(limit, 100)), params.get("after", [None])[0])
        if len(rest) == 2 and rest[0] == "batches" and method == "GET":
            return self.get_batch(rest[1])
        if len(rest) == 3 and rest[0] == "batches" and rest[2] == "cancel" and method == "POST":
            return self.cancel_batch(rest[1])
        return error_reply(404, f"Invalid URL ({method} {path})")

    def _injected(self, status: int) -> Reply:
        """An error answer for an injected status code (429/503 carry retry-after headers)."""
        if status == 429:
            reply = error_reply(
                429,
                "Rate limit reached for requests. Please try again later.",
                code="rate_limit_exceeded",
                kind="requests",
            )
        else:
            reply = error_reply(status)
        if status in (429, 503):
            reply.headers.update(retry_headers(self.faults.retry_after))
        return reply

    def _chat(self, body: dict[str, Any] | None, entry: RequestRecord) -> Reply | str:
        if body is None or not body.get("model") or not isinstance(body.get("messages"), list):
            return error_reply(400, "The request must be JSON with 'model' and 'messages'.", param="messages")
        messages = body["messages"]
        refusal = self.formats.refusal(body)
        if refusal is not None:
            return refusal
        if self.formats.breaks(body):
            return _DROP
        if self.latency > 0:
            self._stopping.wait(self.latency)
        fault = transport_fault(self.faults, self.dice)
        if fault in ("429", "500", "503"):
            return self._injected(int(fault or 0))
        if fault in (_HOLD, _DROP):
            return str(fault)
        verdict = self.limiter.admit(requested_tokens(body))
        if verdict.kind is not None:
            unit = "requests per min (RPM)" if verdict.kind == "requests" else "tokens per min (TPM)"
            reply = error_reply(
                429,
                f"Rate limit reached for {body['model']} in organization org-fake on {unit}: "
                f"Limit {verdict.limit}, Used {verdict.used}, Requested {verdict.requested}. "
                f"Please try again in {verdict.retry_after:.3f}s.",
                code="rate_limit_exceeded",
                kind=verdict.kind,
            )
            reply.headers.update(retry_headers(verdict.retry_after))
            return reply
        text = message_text(messages)
        cached = self.prefix_cache.lookup_and_add(text)
        asked, in_prompt = self.formats.as_schema_request(body)
        entry.fault = content_fault(self.faults, self.dice)
        completion = chat_completion(asked, entry.row, entry.fault, cached)
        message = completion["choices"][0]["message"]
        if in_prompt and message["content"] is not None:
            message["content"] = self.formats.plain_answer(message["content"])
        entry.prompt_tokens = estimate_tokens(text)
        entry.cached_tokens = cached
        return Reply(200, completion, {"openai-processing-ms": str(round(self.latency * 1000))})

    def _upload(self, content_type: str, raw: bytes) -> Reply:
        if "multipart/form-data" not in content_type:
            return error_reply(400, "Uploads must be multipart/form-data.")
        fields = parse_multipart(content_type, raw)
        purpose = fields.get("purpose", (None, b""))[1].decode()
        if "file" not in fields or not purpose:
            return error_reply(400, "Missing required parameter: 'file' or 'purpose'.", param="file")
        filename, data = fields["file"]
        return Reply(200, self.store_file(data, filename or "upload.jsonl", purpose))


def _json_or_none(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw) if raw else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None
