"""A request-body size limit, enforced while the body streams in (HTTP 413).

Starlette spools multipart uploads to disk as they arrive, so a size check in
the route would come only after the whole file was written.  This ASGI
middleware refuses a body whose ``Content-Length`` is over the limit before
reading it, and counts the bytes of a body without one (chunked transfer),
stopping at the first chunk that crosses the limit.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodySizeLimitMiddleware", "BodyTooLargeError"]


class BodyTooLargeError(HTTPException):
    """The request body is larger than ``max_upload_bytes`` (HTTP 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than the server's limit of "
                              f"{limit} bytes (setting max_upload_bytes); split the file "
                              "into smaller ones")


def _too_large(limit: int) -> JSONResponse:
    error = BodyTooLargeError(limit)
    return JSONResponse({"detail": error.detail, "error": "BodyTooLargeError"},
                        status_code=413, headers={"Connection": "close"})


class BodySizeLimitMiddleware:
    """Answer 413 to any HTTP request whose body exceeds ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(limit)(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLargeError:
            # Raised where no exception handler caught it (e.g. outside a route).
            if started:
                raise
            await _too_large(limit)(scope, receive, send)


def _content_length(scope: MutableMapping[str, Any]) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
