"""The Batch API client: the only module that talks to the Files and Batches endpoints.

It uses the official SDK with its own retries off; every call goes through the one retry policy.
Failures become typed, key-free errors (``AuthError`` for a refused key, ``ServiceError`` otherwise).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar
from urllib.parse import urlsplit

from desktop.errors import AuthError, ServiceError, SimBatchError, UsageError
from desktop.services.llm_access import KEY_REFUSED, openai_client, require_openai_key, resolve_base_url
from desktop.services.llm_wire import api_error_message, failure_kind, redact
from desktop.services.retry import RetryPolicy

if TYPE_CHECKING:
    # The SDK takes about 2 s to import: it is imported where it is used, never at start-up
    # (tests/gui/test_startup_imports.py).
    import openai

log = logging.getLogger(__name__)

CHAT_ENDPOINT: Final = "/v1/chat/completions"
COMPLETION_WINDOW: Final = "24h"
#: Remote states after which a batch changes no more.
TERMINAL_STATUSES = frozenset({"completed", "failed", "expired", "cancelled"})
LIST_PAGE = 100

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RemoteBatch:
    """What the provider says about one batch."""

    id: str
    status: str
    request_counts: dict[str, int] = field(default_factory=dict)
    input_file_id: str | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def terminal(self) -> bool:
        """True once the batch is completed, failed, expired or cancelled."""
        return self.status in TERMINAL_STATUSES

    def error_text(self) -> str:
        """The provider's batch-level errors as one sentence (empty when none)."""
        messages = [str(e.get("message") or e.get("code") or "") for e in self.errors]
        return "; ".join(m for m in messages if m)


def _remote(batch: Any) -> RemoteBatch:
    counts = getattr(batch, "request_counts", None)
    errors_obj = getattr(batch, "errors", None)
    errors: list[dict[str, Any]] = []
    for item in getattr(errors_obj, "data", None) or []:
        errors.append(
            {
                "code": getattr(item, "code", None),
                "message": getattr(item, "message", None),
                "line": getattr(item, "line", None),
            }
        )
    return RemoteBatch(
        id=str(batch.id),
        status=str(batch.status),
        request_counts={
            "total": int(getattr(counts, "total", 0) or 0),
            "completed": int(getattr(counts, "completed", 0) or 0),
            "failed": int(getattr(counts, "failed", 0) or 0),
        },
        input_file_id=getattr(batch, "input_file_id", None),
        output_file_id=getattr(batch, "output_file_id", None),
        error_file_id=getattr(batch, "error_file_id", None),
        errors=errors,
        metadata={str(k): str(v) for k, v in (getattr(batch, "metadata", None) or {}).items()},
    )


class BatchService(Protocol):
    """What the batch job needs from the provider (``BatchAPIClient`` implements it)."""

    def upload(self, path: Path) -> str: ...
    def find_file(self, filename: str) -> str | None: ...
    def create(self, input_file_id: str, metadata: Mapping[str, str]) -> RemoteBatch: ...
    def find_batch(self, metadata: Mapping[str, str]) -> RemoteBatch | None: ...
    def retrieve(self, batch_id: str) -> RemoteBatch: ...
    def cancel(self, batch_id: str) -> RemoteBatch: ...
    def download(self, file_id: str, target: Path) -> Path: ...


class BatchAPIClient:
    """Files and Batches through an OpenAI-compatible endpoint, every call under ``retry``."""

    def __init__(self, base_url: str | None, api_key: str, *, retry: RetryPolicy, timeout: float = 120.0):
        self.base_url = (base_url or resolve_base_url(None)).rstrip("/")
        self.host = urlsplit(self.base_url).netloc or self.base_url
        self.retry = retry
        self._api_key = api_key
        self._client = openai_client(self.base_url, api_key, timeout)

    def __repr__(self) -> str:
        return f"BatchAPIClient(base_url={self.base_url!r})"

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        import openai

        def on_retry(exc: BaseException, delay: float, attempt: int) -> None:
            log.warning(
                "%s at %s failed (%s); retry %d in %.2f s.",
                what,
                self.host,
                failure_kind(exc),
                attempt,
                delay,
            )

        try:
            return self.retry.run(fn, on_retry=on_retry)
        except SimBatchError:
            raise
        except openai.OpenAIError as exc:
            raise self._translate(what, exc) from None

    def _translate(self, what: str, exc: openai.OpenAIError) -> SimBatchError:
        import openai

        if isinstance(exc, openai.APIConnectionError):
            return ServiceError(f"The Batch API at {self.host} could not be reached ({what}).")
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            if status in (401, 403):
                return AuthError(KEY_REFUSED)
            detail = redact(api_error_message(exc), self._api_key).rstrip(".")
            return ServiceError(f"The Batch API refused {what} (HTTP {status}): {detail}.")
        return ServiceError(f"The Batch API at {self.host} failed during {what}.")

    # -- files -----------------------------------------------------------------------------------

    def upload(self, path: Path) -> str:
        """Upload a JSONL input file with purpose ``batch``; returns the file id."""

        def once() -> str:
            with open(path, "rb") as handle:
                return str(self._client.files.create(file=(path.name, handle), purpose="batch").id)

        return self._call("the file upload", once)

    def find_file(self, filename: str) -> str | None:
        """The id of an uploaded batch input file named ``filename`` (newest first), or None."""
        page = self._call("listing files", lambda: self._client.files.list(purpose="batch"))
        for item in page.data:
            if item.filename == filename and getattr(item, "status", "processed") != "error":
                return str(item.id)
        return None

    def download(self, file_id: str, target: Path) -> Path:
        """Save a file's content (an output or error file) to ``target``; returns ``target``."""

        def once() -> Path:
            content = self._client.files.content(file_id)
            tmp = target.with_name(target.name + ".part")
            content.write_to_file(tmp)
            tmp.replace(target)
            return target

        return self._call("downloading results", once)

    # -- batches ---------------------------------------------------------------------------------

    def create(self, input_file_id: str, metadata: Mapping[str, str]) -> RemoteBatch:
        """Create a batch on the chat completions endpoint with the 24 h window."""
        return self._call(
            "creating the batch",
            lambda: _remote(
                self._client.batches.create(
                    input_file_id=input_file_id,
                    endpoint=CHAT_ENDPOINT,
                    completion_window=COMPLETION_WINDOW,
                    metadata=dict(metadata),
                )
            ),
        )

    def find_batch(self, metadata: Mapping[str, str]) -> RemoteBatch | None:
        """The newest batch whose metadata holds every item of ``metadata``, or None."""
        wanted = dict(metadata)
        after: str | None = None
        while True:
            kwargs: dict[str, Any] = {"limit": LIST_PAGE}
            if after:
                kwargs["after"] = after
            page = self._call("listing batches", lambda kw=kwargs: self._client.batches.list(**kw))  # type: ignore[misc]
            items = list(page.data)
            for item in items:
                found = _remote(item)
                if all(found.metadata.get(k) == v for k, v in wanted.items()):
                    return found
            if not items or not getattr(page, "has_more", False):
                return None
            after = str(items[-1].id)

    def retrieve(self, batch_id: str) -> RemoteBatch:
        """The batch's current state."""
        return self._call("checking the batch", lambda: _remote(self._client.batches.retrieve(batch_id)))

    def cancel(self, batch_id: str) -> RemoteBatch:
        """Ask the provider to cancel the batch (it goes through ``cancelling``)."""
        return self._call("cancelling the batch", lambda: _remote(self._client.batches.cancel(batch_id)))


def batch_client_from_settings(
    openai_base_url: str | None, retry: RetryPolicy | None = None, *, provider: str = "openai"
) -> BatchAPIClient:
    """A client for the configured endpoint with the key from ``OPENAI_API_KEY`` or the keyring.

    ``provider`` is the chosen model provider: with a local model no batch is sent anywhere (scenario
    data must not leave the site just because batch mode was picked).
    """
    if provider == "local":
        raise UsageError(
            "Batch mode uses the OpenAI Batch API, and a local model is chosen in Settings: "
            "use a live run, or choose OpenAI in Settings for batch mode."
        )
    key = require_openai_key()
    return BatchAPIClient(resolve_base_url(openai_base_url), key, retry=retry or RetryPolicy())
