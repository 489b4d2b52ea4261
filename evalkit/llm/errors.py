"""Turn SDK and transport exceptions into classified ModelErrors, and read Retry-After."""

from __future__ import annotations

import email.utils
import time
from typing import Any

from evalkit.llm.types import ErrorKind, ModelError

RETRYABLE = frozenset(
    {ErrorKind.rate_limit, ErrorKind.overloaded, ErrorKind.server, ErrorKind.timeout, ErrorKind.connection}
)
_CONTEXT_MARKERS = ("context_length", "context length", "prompt is too long", "maximum context", "too many tokens")


class ClassifiedError(Exception):
    """One failed attempt: its kind, status and the server's requested wait (seconds)."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        status: int | None = None,
        retry_after: float | None = None,
        retryable: bool | None = None,
    ):
        super().__init__(message)
        self.kind, self.message, self.status, self.retry_after = kind, message, status, retry_after
        self.retryable = kind in RETRYABLE if retryable is None else retryable

    def final(self, attempts: int) -> ModelError:
        return ModelError(self.kind, self.message, status=self.status, attempts=attempts)


def kind_for_status(status: int, message: str = "") -> ErrorKind:
    lowered = message.lower()
    if status in (400, 413, 422) and any(m in lowered for m in _CONTEXT_MARKERS):
        return ErrorKind.context_length
    if status in (401, 403):
        return ErrorKind.auth
    if status == 429:
        return ErrorKind.rate_limit
    if status in (503, 529):
        return ErrorKind.overloaded
    if status == 408:
        return ErrorKind.timeout
    if status >= 500:
        return ErrorKind.server
    return ErrorKind.bad_request


def retry_after_s(headers: Any) -> float | None:
    """Seconds the server asked us to wait: retry-after-ms, else Retry-After (seconds or HTTP date)."""
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (ValueError, TypeError):  # a header we cannot read: back off as if none was sent
        return None
    return max(0.0, parsed.timestamp() - time.time())


def classify(exc: BaseException) -> ClassifiedError:
    """Map an exception from either SDK (or the transport) onto an ErrorKind."""
    if isinstance(exc, ClassifiedError):
        return exc
    name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    message = _message(exc)
    if isinstance(status, int):
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
        return ClassifiedError(kind_for_status(status, message), message, status, retry_after_s(headers))
    if "Timeout" in name or isinstance(exc, TimeoutError):
        return ClassifiedError(ErrorKind.timeout, message or "request timed out")
    if "Connection" in name or isinstance(exc, (ConnectionError, OSError)):
        return ClassifiedError(ErrorKind.connection, message or "connection failed")
    if "ResponseValidation" in name or isinstance(exc, ValueError):
        return ClassifiedError(ErrorKind.server, f"malformed response: {message}")
    # Anything else is a bug on our side (e.g. a TypeError): report it, never retry it.
    return ClassifiedError(ErrorKind.server, f"{name}: {message}", retryable=False)


def _message(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            code = inner.get("code") or inner.get("type") or ""
            return f"{inner['message']} ({code})" if code else str(inner["message"])
    return str(exc) or type(exc).__name__
