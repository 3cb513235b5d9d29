"""The server's error answers and unreachable servers as the activelab exception tree."""

from __future__ import annotations

from typing import Any

import httpx

from ..exceptions import AuthenticationError, ConnectionFailed, ServerError

__all__ = ["error_of", "connection_failed"]

#: Import errors quoted in the message; the rest stay in ``error.body["errors"]``.
_QUOTED_ROWS = 5


def _detail(body: dict[str, Any], response: httpx.Response) -> str:
    detail = body.get("detail")
    if isinstance(detail, list):  # a request that failed validation: one entry per field
        return "; ".join(f"{'.'.join(str(part) for part in entry.get('loc', [])[1:])}: "
                         f"{entry.get('msg', '')}" for entry in detail if isinstance(entry, dict))
    if detail is None:
        return response.text[:300] or response.reason_phrase
    return str(detail)


def error_of(response: httpx.Response) -> ServerError:
    """The exception for an error answer, with the server's message and body."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {"detail": body}
    message = _detail(body, response)
    rows = body.get("errors")
    if isinstance(rows, list) and rows:
        quoted = "; ".join(f"{entry.get('line', entry.get('file', '?'))}: {entry.get('error')}"
                           for entry in rows[:_QUOTED_ROWS] if isinstance(entry, dict))
        message = f"{message} ({quoted}{'; ...' if len(rows) > _QUOTED_ROWS else ''})"
    retry = response.headers.get("retry-after")
    if retry:
        message = f"{message} (retry after {retry} s)"
    status, error = response.status_code, body.get("error")
    if status == 401:
        return AuthenticationError(f"the server refused the credentials: {message}", status,
                                   error, body)
    return ServerError(f"HTTP {status} {response.reason_phrase}: {message}", status, error, body)


def connection_failed(url: str, error: httpx.TransportError) -> ConnectionFailed:
    what = "timed out" if isinstance(error, httpx.TimeoutException) else "cannot be reached"
    return ConnectionFailed(f"the activelab server at {url} {what} ({type(error).__name__}: "
                            f"{error}); is it running (activelab serve) and is the URL right?")
