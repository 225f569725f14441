"""What a failed Google Sheets request means, in one plain sentence, as a typed error."""

from __future__ import annotations

import json

from desktop.errors import AuthError, InputError, ServiceError
from desktop.services.retry import RetryPolicy, status_of

UNREACHABLE = "Google Sheets could not be reached; check the network and try again."
BUSY = "Google Sheets is refusing requests for now (quota or overload); try again in a few minutes."


class RequestRefused(InputError):
    """Google Sheets refused a request as invalid (HTTP 400); nothing of it was applied.

    ``api_message`` is the service's own reason (e.g. a sheet id that already exists).
    """

    def __init__(self, message: str, api_message: str) -> None:
        super().__init__(message)
        self.api_message = api_message


def sheets_error(exc: Exception, spreadsheet_id: str, retry: RetryPolicy) -> Exception:
    """The error to raise for a failed request to ``spreadsheet_id``: one plain sentence for what went
    wrong (``retry`` tells which failures are the network's); our own typed errors pass through."""
    from google.auth import exceptions as gauth

    from desktop.services import auth

    if isinstance(exc, ServiceError | InputError):
        return exc
    if isinstance(exc, gauth.RefreshError):
        return auth.refresh_failure(exc)
    if isinstance(exc, gauth.InvalidOperation):
        return AuthError(
            "Google Sheets refused the request because no one is signed in; run 'simbatch login'."
        )
    if isinstance(exc, gauth.TransportError):
        return ServiceError(UNREACHABLE)
    status = status_of(exc)
    if status is None:
        if retry.is_retryable(exc) or isinstance(exc, OSError):
            return ServiceError(UNREACHABLE)
        return exc
    message = api_message(exc)
    if status == 401:
        return AuthError("Google Sheets refused your sign-in; please sign in again (simbatch login).")
    if status == 403:
        return AuthError(
            f"Your Google account has no access to the spreadsheet {spreadsheet_id}; "
            "ask its owner to share it with you."
        )
    if status == 404:
        return InputError(f"There is no Google spreadsheet with the id {spreadsheet_id}.")
    if status == 429:
        return ServiceError(BUSY)
    if status >= 500:
        return ServiceError(UNREACHABLE)
    return RequestRefused(f"Google Sheets refused the request: {message.rstrip('.')}.", message)


def classify_auth(exc: BaseException) -> bool | None:
    """Refusals of the sign-in are never retried; a transport failure while refreshing is."""
    from google.auth import exceptions as gauth

    if isinstance(exc, gauth.RefreshError | gauth.InvalidOperation):
        return False
    if isinstance(exc, gauth.TransportError):
        return True
    return None


def api_message(exc: BaseException) -> str:
    """The ``error.message`` of a Google API error body, else the exception's own text."""
    content = getattr(exc, "content", b"")
    try:
        error = json.loads(content)["error"]
        return str(error.get("message") or "")
    except (ValueError, KeyError, TypeError):
        return str(exc)
