"""The Google Sheets gateway: the only code that calls the Sheets API v4.

Every request goes through the shared retry policy (429, 5xx and connection errors, honouring
``Retry-After``) and a client-side limiter of 60 reads and 60 writes per minute. Each thread gets
its own API client, because the HTTP layer underneath (httplib2) is not thread-safe. Failures
become typed errors with one plain sentence.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from desktop.domain.models import CellValue
from desktop.services.ratelimit import SlidingWindowLimiter
from desktop.services.retry import RetryPolicy
from desktop.services.sheets_errors import RequestRefused as RequestRefused  # raised by ``structure``
from desktop.services.sheets_errors import classify_auth, sheets_error
from desktop.services.sheets_requests import MAX_BODY_BYTES, MAX_QUERY_CHARS, chunks_by_length, split_for_body

if TYPE_CHECKING:
    # google.auth (and asyncio under it) is imported when a sheet is opened, not at start-up.
    from google.auth.credentials import Credentials

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_ENDPOINT = "https://sheets.googleapis.com/"
REQUESTS_PER_MINUTE = 60
HTTP_TIMEOUT_SEC = 120.0

CredentialsProvider = Callable[[], "Credentials"]
Row = list[CellValue]


@dataclass(frozen=True, slots=True)
class SheetsAccess:
    """How to reach the Sheets API: its root URL and where the credentials come from.

    Decided once at start-up (``desktop.app.startup.sheets_access``) and passed in.
    """

    credentials: CredentialsProvider
    endpoint: str = DEFAULT_ENDPOINT


def a1(tab: str, cells: str | None = None) -> str:
    """An A1 range on ``tab``; the name is always quoted, apostrophes doubled: ``'O''Brien'!A1``."""
    quoted = "'" + tab.replace("'", "''") + "'"
    return f"{quoted}!{cells}" if cells else quoted


def column_letters(number: int) -> str:
    """Column letters of a 1-based column number: 1 → A, 27 → AA."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True, slots=True)
class TabInfo:
    """One tab of the spreadsheet: its title, numeric id and grid size."""

    title: str
    sheet_id: int
    rows: int
    columns: int

    @classmethod
    def from_properties(cls, props: dict[str, Any]) -> TabInfo:
        """A tab's info from the ``properties`` object the API returns for a sheet."""
        grid = props.get("gridProperties", {})
        return cls(
            str(props.get("title", "")),
            int(props.get("sheetId", 0)),
            int(grid.get("rowCount", 0)),
            int(grid.get("columnCount", 0)),
        )


class _BuiltOnce:
    """An API client whose ``spreadsheets()`` resource is built once: building it renders the
    documentation of every method, about 0.05-0.1 s of CPU, which each call would otherwise pay."""

    def __init__(self, service: Any) -> None:
        self._service = service
        self._spreadsheets = service.spreadsheets()

    def spreadsheets(self) -> Any:
        """The spreadsheets resource (built when the client was)."""
        return self._spreadsheets

    def close(self) -> None:
        """Close the client's HTTP connections."""
        self._service.close()


class SheetsGateway:
    """One spreadsheet, reached through the Sheets API v4; see the module docstring."""

    def __init__(
        self,
        spreadsheet_id: str,
        credentials_provider: CredentialsProvider,
        endpoint: str | None = None,
        *,
        retry: RetryPolicy | None = None,
        reads_per_minute: int = REQUESTS_PER_MINUTE,
        writes_per_minute: int = REQUESTS_PER_MINUTE,
        quota_window: float = 60.0,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.endpoint = endpoint or DEFAULT_ENDPOINT
        self._credentials_provider = credentials_provider
        self._credentials: Credentials | None = None
        self.retry = (retry or RetryPolicy()).with_classifier(classify_auth)
        self.read_limiter = SlidingWindowLimiter(reads_per_minute, quota_window)
        self.write_limiter = SlidingWindowLimiter(writes_per_minute, quota_window)
        self.max_body_bytes = max_body_bytes
        self._local = threading.local()
        self._lock = threading.Lock()
        self.calls = 0  # API requests sent, retries included (for benchmarks)
        self.calls_by_kind = {"read": 0, "write": 0}

    # ----------------------------------------------------------------------------- API

    def metadata(self) -> list[TabInfo]:
        """The tabs of the spreadsheet in order, with their grid sizes."""
        reply = self._execute(
            "read",
            lambda api: api.spreadsheets().get(
                spreadsheetId=self.spreadsheet_id, includeGridData=False, fields="sheets.properties"
            ),
        )
        return [TabInfo.from_properties(sheet.get("properties", {})) for sheet in reply.get("sheets", [])]

    def batch_get(self, ranges: Sequence[str]) -> list[list[Row]]:
        """Values of each range (unformatted: numbers stay numbers), in as few requests as fit."""
        result: list[list[Row]] = []
        for chunk in chunks_by_length(list(ranges), MAX_QUERY_CHARS):

            def request(api: Any, chunk: list[str] = chunk) -> Any:
                return (
                    api.spreadsheets()
                    .values()
                    .batchGet(
                        spreadsheetId=self.spreadsheet_id, ranges=chunk, valueRenderOption="UNFORMATTED_VALUE"
                    )
                )

            reply = self._execute("read", request)
            value_ranges = reply.get("valueRanges", [])
            result.extend([list(vr.get("values", [])) for vr in value_ranges])
        return result

    def batch_update(self, data: Sequence[tuple[str, Sequence[Sequence[CellValue]]]]) -> int:
        """Write each (range, rows) as given (RAW); split only to keep each body under 2 MB.

        Returns the number of requests it took.
        """
        entries = [{"range": rng, "values": [list(row) for row in rows]} for rng, rows in data]
        requests = 0
        for chunk in split_for_body(entries, self.max_body_bytes):
            body = {"valueInputOption": "RAW", "data": chunk}

            def request(api: Any, body: dict[str, Any] = body) -> Any:
                return api.spreadsheets().values().batchUpdate(spreadsheetId=self.spreadsheet_id, body=body)

            self._execute("write", request)
            requests += 1
        return requests

    def append(self, range_: str, rows: Sequence[Sequence[CellValue]]) -> None:
        """Append rows after the table found in ``range_`` (new rows are inserted)."""
        body = {"values": [list(row) for row in rows]}
        self._execute(
            "write",
            lambda api: (
                api.spreadsheets()
                .values()
                .append(
                    spreadsheetId=self.spreadsheet_id,
                    range=range_,
                    valueInputOption="RAW",
                    insertDataOption="INSERT_ROWS",
                    body=body,
                )
            ),
        )

    def add_sheet(self, title: str) -> TabInfo:
        """Create a tab; returns its properties."""
        reply = self.structure([{"addSheet": {"properties": {"title": title}}}])
        return TabInfo.from_properties(reply[0]["addSheet"]["properties"])

    def append_rows(self, sheet_id: int, count: int) -> None:
        """Grow a tab's grid by ``count`` rows."""
        self.structure([{"appendDimension": {"sheetId": sheet_id, "dimension": "ROWS", "length": count}}])

    def structure(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A spreadsheets.batchUpdate: all its requests apply, or none and ``RequestRefused`` is raised
        (tabs, grid sizes, cells with a claim check); returns the replies."""
        reply = self._execute(
            "write",
            lambda api: api.spreadsheets().batchUpdate(
                spreadsheetId=self.spreadsheet_id, body={"requests": requests}
            ),
        )
        replies: list[dict[str, Any]] = reply.get("replies", [])
        return replies

    def close(self) -> None:
        """Close this thread's HTTP connections."""
        service = getattr(self._local, "service", None)
        if service is not None:
            try:
                service.close()
            except Exception:  # closing is best effort
                log.debug("Closing the Sheets client failed.", exc_info=True)
            self._local.service = None

    # ----------------------------------------------------------------------------- plumbing

    def _service(self) -> Any:
        """This thread's API client, built on first use."""
        service = getattr(self._local, "service", None)
        if service is None:
            import google_auth_httplib2
            import httplib2
            from googleapiclient.discovery import build

            http = google_auth_httplib2.AuthorizedHttp(
                self._get_credentials(), http=httplib2.Http(timeout=HTTP_TIMEOUT_SEC)
            )
            service = _BuiltOnce(build(
                "sheets",
                "v4",
                http=http,
                static_discovery=True,
                cache_discovery=False,
                client_options={"api_endpoint": self.endpoint},
            ))
            self._local.service = service
        return service

    def _get_credentials(self) -> Credentials:
        with self._lock:
            if self._credentials is None:
                self._credentials = self._credentials_provider()
            return self._credentials

    def _execute(self, kind: str, make: Callable[[Any], Any]) -> dict[str, Any]:
        limiter = self.read_limiter if kind == "read" else self.write_limiter

        def attempt() -> dict[str, Any]:
            service = self._service()
            ticket = limiter.acquire()
            with self._lock:
                self.calls += 1
                self.calls_by_kind[kind] += 1
            try:
                reply: dict[str, Any] = make(service).execute(num_retries=0)
            finally:
                limiter.finish(ticket)
            return reply

        try:
            return self.retry.run(attempt)
        except Exception as exc:
            raise sheets_error(exc, self.spreadsheet_id, self.retry) from exc
