"""A loopback fake of the Google Sheets API v4 for tests, over an in-memory spreadsheet.

It answers the real ``google-api-python-client`` built offline from its bundled discovery document::

    service = build("sheets", "v4", credentials=AnonymousCredentials(), static_discovery=True,
                    client_options={"api_endpoint": fake.endpoint}, cache_discovery=False)

Routes, JSON bodies and the error envelope follow the real API (see ``sheets_book`` for the data
side). Tests can inject faults (given statuses, random 5xx, dropped connections, an outage),
per-minute read/write quotas, latency and a required bearer token, and inspect every call afterwards.
``includeGridData`` and the ``fields`` mask of ``spreadsheets.get`` are ignored.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.a1 import parse_cells
from tests.fakes.loopback import LoopbackHandler, LoopbackServer
from tests.fakes.sheets_book import STATUS_MESSAGES, ApiError, Workbook, trim

READ_METHODS = frozenset({"spreadsheets.get", "values.get", "values.batchGet"})


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One request the fake received. ``status`` is 0 when the connection was dropped unanswered."""

    method: str  # API method, e.g. "values.batchGet"; "unknown" for an unrouted path
    http_method: str
    path: str
    status: int
    time: float
    payload_bytes: int


@dataclass
class SheetsFaults:
    """Faults to inject; tests change these fields at any time (read under the server's lock)."""

    fail_next: list[int] = field(default_factory=list)  # statuses for the next requests, in order
    drop_next: int = 0  # the next N requests get their connection closed without an answer
    rate_5xx: float = 0.0  # probability of a 500/503 on any request
    rate_drop: float = 0.0  # probability of closing the connection without an answer
    outage: bool = False  # every request 503 until cleared
    rng: random.Random = field(default_factory=lambda: random.Random(1234))


def _quota_details(kind: str, limit: int) -> list[dict[str, Any]]:
    metric = "read_requests" if kind == "Read" else "write_requests"
    return [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "quota_metric": f"sheets.googleapis.com/{metric}",
                "quota_limit": f"{kind}RequestsPerMinutePerUser",
                "quota_limit_value": str(limit),
                "quota_location": "global",
                "service": "sheets.googleapis.com",
                "consumer": "projects/000000000000",
            },
        },
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [{"description": "Request a higher quota limit.",
                       "url": "https://cloud.google.com/docs/quotas/help/request_increase"}],
        },
    ]


def route(http_method: str, raw_path: str) -> tuple[str, str, str | None]:
    """Map a request line to (API method, spreadsheet id, decoded range); ("unknown", "", None) if none."""
    prefix = "/v4/spreadsheets/"
    if not raw_path.startswith(prefix):
        return "unknown", "", None
    rest = raw_path[len(prefix):]
    if "/" not in rest:
        if rest.endswith(":batchUpdate") and http_method == "POST":
            return "spreadsheets.batchUpdate", unquote(rest[: -len(":batchUpdate")]), None
        if http_method == "GET" and ":" not in rest:
            return "spreadsheets.get", unquote(rest), None
        return "unknown", "", None
    raw_id, tail = rest.split("/", 1)
    sheet_id = unquote(raw_id)
    collection = {("GET", "values:batchGet"): "values.batchGet",
                  ("POST", "values:batchUpdate"): "values.batchUpdate",
                  ("POST", "values:batchClear"): "values.batchClear"}
    if (http_method, tail) in collection:
        return collection[(http_method, tail)], sheet_id, None
    if not tail.startswith("values/"):
        return "unknown", "", None
    raw_range = tail[len("values/"):]
    for suffix, name in ((":append", "values.append"), (":clear", "values.clear")):
        if raw_range.endswith(suffix) and http_method == "POST":
            return name, sheet_id, unquote(raw_range[: -len(suffix)])
    if http_method in ("GET", "PUT") and raw_range:
        return ("values.get" if http_method == "GET" else "values.update"), sheet_id, unquote(raw_range)
    return "unknown", "", None


class _Handler(LoopbackHandler):
    """Reads one request, lets the fake answer it and writes the JSON (or drops the connection)."""

    fake: FakeSheets

    def _serve(self) -> None:
        body = self.read_body()
        command, target = self.command, self.path
        override = self.headers.get("X-HTTP-Method-Override")
        if command == "POST" and override:
            # The client sends a GET whose URL is over 2,048 characters as a POST with the query as a
            # form body; Google answers it as the GET.
            command = override.upper()
            if body and "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
                target = f"{target}{'&' if '?' in target else '?'}{body.decode('ascii')}"
                body = b""
        status, payload = self.fake.handle(command, target, self.headers.get("Authorization"), body)
        if status == 0:
            self.close_connection = True
            return
        extra = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'} if status == 401 else {}
        data = json.dumps(payload).encode("utf-8")
        self.send_body(status, data, "application/json; charset=UTF-8", extra)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class FakeSheets(LoopbackServer):
    """A Sheets v4 server on 127.0.0.1 over an in-memory spreadsheet; use as a context manager."""

    handler = _Handler
    thread_name = "fake-sheets"
    max_payload_bytes: int = 2_000_000
    quota_window: float = 60.0  # seconds of the sliding quota window (tests may shorten it)

    def __init__(
        self,
        spreadsheet_id: str = "sheet-test-1",
        tabs: dict[str, list[list[Any]]] | None = None,
        *,
        read_quota_per_min: int | None = None,
        write_quota_per_min: int | None = None,
        latency: float = 0.0,
        required_token: str | None = None,
    ) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.read_quota_per_min = read_quota_per_min
        self.write_quota_per_min = write_quota_per_min
        self.latency = latency
        self.required_token = required_token
        self.faults = SheetsFaults()
        #: Requests of a method wait here until as many have arrived as the barrier's parties (a race
        #: that a test needs to happen, e.g. two clients sending AddSheet for the same tab).
        self.meet_before: dict[str, threading.Barrier] = {}
        self.calls: list[CallRecord] = []
        self._lock = threading.RLock()
        self._book = Workbook(spreadsheet_id, tabs if tabs is not None else {"Sheet1": []})
        self._recent: dict[str, deque[float]] = {"Read": deque(), "Write": deque()}

    @property
    def endpoint(self) -> str:
        """Root URL for ``client_options={"api_endpoint": ...}``, e.g. ``http://127.0.0.1:5555/``."""
        return f"{self.root_url}/"

    # -- test helpers -----------------------------------------------------------------------
    def tab(self, name: str) -> list[list[Any]]:
        """Current values of a tab from A1, trimmed like the API (inner empty cells are ``""``)."""
        with self._lock:
            return trim([list(line) for line in self._book.existing(name).rows])

    def tab_names(self) -> list[str]:
        """Tab titles in sheet order."""
        with self._lock:
            return [tab.title for tab in self._book.tabs]

    def grid_size(self, name: str) -> tuple[int, int]:
        """(rowCount, columnCount) of a tab."""
        with self._lock:
            found = self._book.existing(name)
            return found.row_count, found.col_count

    def set_tab(self, name: str, rows: list[list[Any]]) -> None:
        """Create or replace a tab's values (the grid grows to fit, at least 1000 x 26)."""
        with self._lock:
            self._book.set_tab(name, rows)

    def edit_cell(self, tab: str, a1: str, value: Any) -> None:
        """Change one cell as another user would, between the app's reads and writes."""
        with self._lock:
            found = self._book.existing(tab)
            bounds = parse_cells(a1)
            found.put(bounds.start_row, bounds.start_col, value)
            found.row_count = max(found.row_count, bounds.start_row)
            found.col_count = max(found.col_count, bounds.start_col)

    def count(self, *methods: str, status: int | None = None) -> int:
        """Answered calls of these API methods (all when none given), optionally of one status."""
        with self._lock:
            return sum(
                1 for call in self.calls
                if call.status and (not methods or call.method in methods)
                and (status is None or call.status == status)
            )

    # -- request handling (called from server threads) -------------------------------------
    def _fault(self) -> int | None:
        """Status to answer instead of handling the request, 0 to drop it, None to proceed."""
        faults = self.faults
        if faults.outage:
            return 503
        if faults.drop_next > 0:
            faults.drop_next -= 1
            return 0
        if faults.fail_next:
            return faults.fail_next.pop(0)
        if faults.rate_drop and faults.rng.random() < faults.rate_drop:
            return 0
        if faults.rate_5xx and faults.rng.random() < faults.rate_5xx:
            return faults.rng.choice((500, 503))
        return None

    def _check_quota(self, method: str) -> None:
        kind = "Read" if method in READ_METHODS else "Write"
        limit = self.read_quota_per_min if kind == "Read" else self.write_quota_per_min
        if limit is None:
            return
        now = time.monotonic()
        recent = self._recent[kind]
        while recent and recent[0] <= now - self.quota_window:
            recent.popleft()
        if len(recent) >= limit:
            raise ApiError(
                429,
                f"Quota exceeded for quota metric '{kind} requests' and limit '{kind} requests per minute "
                "per user' of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'.",
                _quota_details(kind, limit),
            )
        recent.append(now)

    def _check_auth(self, authorization: str | None) -> None:
        if self.required_token is None:
            return
        if not authorization:
            raise ApiError(401, "Request is missing required authentication credential. Expected OAuth 2 "
                                "access token, login cookie or other valid authentication credential.")
        if authorization != f"Bearer {self.required_token}":
            raise ApiError(401, "Request had invalid authentication credentials. Expected OAuth 2 access "
                                "token, login cookie or other valid authentication credential.")

    def handle(self, http_method: str, target: str, authorization: str | None,
               body: bytes) -> tuple[int, dict[str, Any] | None]:
        """Answer one request: (status, JSON body); status 0 means drop the connection."""
        if self.latency:
            time.sleep(self.latency)
        parts = urlsplit(target)
        method, sheet_id, range_text = route(http_method, parts.path)
        barrier = self.meet_before.get(method)
        if barrier is not None:
            with contextlib.suppress(threading.BrokenBarrierError):  # a timeout: answer anyway
                barrier.wait(timeout=30)
            self.meet_before.pop(method, None)  # one meeting; later requests go straight through
        with self._lock:
            status, payload = self._answer(method, sheet_id, range_text, parse_qs(parts.query),
                                           authorization, body)
            self.calls.append(CallRecord(method, http_method, parts.path, status, time.time(), len(body)))
        return status, payload

    def _answer(self, method: str, sheet_id: str, range_text: str | None, query: dict[str, list[str]],
                authorization: str | None, body: bytes) -> tuple[int, dict[str, Any] | None]:
        fault = self._fault()
        if fault == 0:
            return 0, None
        try:
            if fault is not None:
                raise ApiError(fault, STATUS_MESSAGES.get(fault, "Injected failure."))
            self._check_auth(authorization)
            if len(body) > self.max_payload_bytes:
                limit = self.max_payload_bytes
                raise ApiError(400, f"Request payload size exceeds the limit: {limit} bytes.")
            if method == "unknown":
                raise ApiError(404, "Requested entity was not found.")
            if sheet_id != self.spreadsheet_id:
                raise ApiError(404, "Requested entity was not found.")
            self._check_quota(method)
            try:
                data = json.loads(body) if body else {}
            except ValueError:
                raise ApiError(400, "Invalid JSON payload received.") from None
            return 200, self._dispatch(method, range_text, query, data)
        except ApiError as error:
            return error.code, error.envelope()

    def _dispatch(self, method: str, range_text: str | None, query: dict[str, list[str]],
                  data: dict[str, Any]) -> dict[str, Any]:
        book = self._book

        def arg(name: str, default: str | None = None) -> str | None:
            return query.get(name, [default])[0]

        render = arg("valueRenderOption", "FORMATTED_VALUE") or "FORMATTED_VALUE"
        major = arg("majorDimension", "ROWS") or "ROWS"
        if method == "spreadsheets.get":
            return book.metadata()
        if method == "values.get":
            return book.read(range_text or "", render, major)
        if method == "values.batchGet":
            ranges = query.get("ranges", [])
            return {"spreadsheetId": book.spreadsheet_id,
                    "valueRanges": [book.read(text, render, major) for text in ranges]}
        if method == "values.update":
            return book.write(range_text or "", data.get("values", []), arg("valueInputOption"),
                              data.get("majorDimension", "ROWS"))
        if method == "values.append":
            return book.append(range_text or "", data.get("values", []), arg("valueInputOption"),
                               arg("insertDataOption", "OVERWRITE") or "OVERWRITE")
        if method == "values.batchUpdate":
            return self._values_batch_update(data)
        if method == "values.clear":
            return {"spreadsheetId": book.spreadsheet_id, "clearedRange": book.clear(range_text or "")}
        if method == "values.batchClear":
            return {"spreadsheetId": book.spreadsheet_id,
                    "clearedRanges": [book.clear(text) for text in data.get("ranges", [])]}
        return {"spreadsheetId": book.spreadsheet_id, "replies": book.batch_update(data.get("requests"))}

    def _values_batch_update(self, data: dict[str, Any]) -> dict[str, Any]:
        """values.batchUpdate: all entries are written, or none."""
        book = self._book
        responses = book.write_all(data.get("data", []), data.get("valueInputOption"))
        sheets = {resp["updatedRange"].rsplit("!", 1)[0] for resp in responses}
        return {
            "spreadsheetId": book.spreadsheet_id,
            "totalUpdatedRows": sum(resp.get("updatedRows", 0) for resp in responses),
            "totalUpdatedColumns": max((resp.get("updatedColumns", 0) for resp in responses), default=0),
            "totalUpdatedCells": sum(resp.get("updatedCells", 0) for resp in responses),
            "totalUpdatedSheets": len(sheets),
            "responses": responses,
        }
