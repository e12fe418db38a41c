"""Typed errors, mirroring the JavaScript SDK. Every error T66 answers has the envelope
{"error": {"code", "message", "details"}}; the client raises the class that fits its HTTP status."""

from __future__ import annotations

import email.utils
import time
from typing import Any, Mapping, Optional


class T66Error(Exception):
    """An error answered by T66 (or met on the way there).

    ``status`` is the HTTP status, or 0 when none applies (the connection failed, or the error
    arrived inside a stream or on the realtime socket).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Optional[Mapping[str, Any]] = None,
        request_id: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details: dict = dict(details or {})
        self.request_id = request_id

    def __repr__(self) -> str:
        return "%s(status=%d, code=%r, message=%r)" % (type(self).__name__, self.status, self.code, self.message)


class BadRequestError(T66Error):
    """400: the request failed validation; ``details`` names the fields."""


class AuthenticationError(T66Error):
    """401: missing, invalid, expired or revoked token, or wrong credentials."""


class PermissionDeniedError(T66Error):
    """403: authenticated, but not allowed."""


class NotFoundError(T66Error):
    """404: no such resource for this caller (another user's record looks the same)."""


class ConflictError(T66Error):
    """409: the resource already exists (e.g. ``email_taken``)."""


class ServerError(T66Error):
    """5xx: the server or an upstream provider failed."""


class APIConnectionError(T66Error):
    """The request never got an HTTP answer (DNS, refused connection, reset, timeout)."""


class RateLimitError(T66Error):
    """429: a rate limit was reached. ``retry_after`` is the number of seconds to wait, when the server said."""

    def __init__(self, *args: Any, retry_after: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class WebhookVerificationError(Exception):
    """A webhook delivery whose signature or timestamp does not check out."""


def envelope_of(body: Any) -> Optional[dict]:
    """The ``error`` object of an envelope, when ``body`` is one."""
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return None
    error = body["error"]
    if not isinstance(error.get("code"), str) or not isinstance(error.get("message"), str):
        return None
    details = error.get("details")
    return {"code": error["code"], "message": error["message"], "details": details if isinstance(details, dict) else {}}


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return float(value) if "." in value else float(int(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, float(int(when - (time.time() if now is None else now) + 0.999)))


_BY_STATUS = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
}


def error_from_response(status: int, body: Any, headers: Optional[Mapping[str, str]] = None) -> T66Error:
    """The typed error for an HTTP answer that is not a success; ``body`` is its parsed JSON (or text)."""
    headers = headers or {}
    found = envelope_of(body)
    if found:
        code, message, details = found["code"], found["message"], found["details"]
    else:
        code = "http_%d" % status
        text = body.strip()[:500] if isinstance(body, str) else ""
        message, details = text or "HTTP %d" % status, {}
    request_id = headers.get("x-request-id") or headers.get("X-Request-Id")
    if status == 429:
        retry_after = parse_retry_after(headers.get("retry-after") or headers.get("Retry-After"))
        if retry_after is None and isinstance(details.get("retry_after"), (int, float)):
            retry_after = float(details["retry_after"])
        return RateLimitError(status, code, message, details, request_id, retry_after=retry_after)
    if status >= 500:
        return ServerError(status, code, message, details, request_id)
    return _BY_STATUS.get(status, T66Error)(status, code, message, details, request_id)
