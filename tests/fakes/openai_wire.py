"""Wire-level helpers of the fake OpenAI server: replies, the real API's error JSON and multipart
form parsing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

#: Error ``type`` and default message per HTTP status, as the real API words them.
_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("invalid_request_error", "Incorrect API key provided."),
    403: ("invalid_request_error", "You are not allowed to access this resource."),
    404: ("invalid_request_error", "The requested resource was not found."),
    409: ("invalid_request_error", "The request conflicts with the current state of the resource."),
    422: ("invalid_request_error", "Unprocessable request."),
    429: ("requests", "Rate limit reached for requests. Please try again later."),
    500: ("server_error", "The server had an error while processing your request. Sorry about that!"),
    502: ("server_error", "Bad gateway."),
    503: ("server_error", "The engine is currently overloaded, please try again later."),
    504: ("server_error", "Gateway timeout."),
}


@dataclass
class Reply:
    """One HTTP answer: JSON (``dict``) or raw bytes, plus extra headers."""

    status: int
    body: dict[str, Any] | bytes
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str]:
        """The body bytes and their content type."""
        if isinstance(self.body, bytes):
            return self.body, "application/octet-stream"
        return json.dumps(self.body).encode(), "application/json"


def error_body(
    status: int,
    message: str | None = None,
    *,
    code: str | None = None,
    param: str | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """``{"error": {message, type, param, code}}`` exactly as the real API shapes it."""
    default_kind, default_message = _ERRORS.get(status, ("server_error", f"HTTP {status}."))
    return {
        "error": {
            "message": message or default_message,
            "type": kind or default_kind,
            "param": param,
            "code": code,
        }
    }


def error_reply(status: int, message: str | None = None, **details: Any) -> Reply:
    """A ``Reply`` carrying :func:`error_body`."""
    return Reply(status, error_body(status, message, **details))


def retry_headers(seconds: float) -> dict[str, str]:
    """``retry-after`` (whole seconds, at least 1 when nonzero) and ``retry-after-ms``."""
    whole = max(0, int(seconds + 0.999)) if seconds > 0 else 0
    return {"retry-after": str(whole), "retry-after-ms": str(max(0, round(seconds * 1000)))}


def parse_multipart(content_type: str, data: bytes) -> dict[str, tuple[str | None, bytes]]:
    """Fields of a ``multipart/form-data`` body: name → (filename, bytes)."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + data
    )
    fields: dict[str, tuple[str | None, bytes]] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        fields[name] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
    return fields
