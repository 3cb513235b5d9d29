"""Request input checked once, before any route: strict JSON bodies, no NUL anywhere.

:class:`StrictInputMiddleware` answers, without calling the application:

- 422 to a JSON body that :func:`strict_json.loads_strict` refuses (``NaN``,
  ``Infinity``, an overflowing number, a NUL or a lone surrogate in a string,
  nesting deeper than 64), and to a form body or a query string holding a NUL
  character (PostgreSQL cannot store or even compare text holding one);
- 413 to a JSON or form body over ``max_bytes`` (setting ``max_json_body_bytes``).

Multipart bodies (imports) pass through untouched: their files are checked
record by record by the importer.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .strict_json import InvalidJSONError, loads_strict

__all__ = ["StrictInputMiddleware", "MAX_JSON_BODY_BYTES"]

#: Default size limit of a JSON or form request body (setting ``max_json_body_bytes``).
MAX_JSON_BODY_BYTES = 1024 * 1024


def _body_kind(scope: Scope) -> str | None:
    """``"json"`` (what FastAPI parses as JSON), ``"form"`` (URL-encoded) or None."""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            if kind == b"application/json" or (kind.startswith(b"application/")
                                                and kind.endswith(b"+json")):
                return "json"
            if kind == b"application/x-www-form-urlencoded":
                return "form"
            return None
    return None


def _has_nul(encoded: bytes) -> bool:
    """A URL-encoded string (query or form) that decodes to text holding a NUL."""
    return b"\x00" in encoded or b"%00" in encoded


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"detail": message, "error": "InvalidJSONError"}, status_code=status)


class StrictInputMiddleware:
    """Refuse a request whose query string or body the routes could not handle safely."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_JSON_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _has_nul(scope.get("query_string", b"")):
            await _refuse(422, "the query string holds a NUL character")(scope, receive, send)
            return
        kind = _body_kind(scope)
        if kind is None:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message]), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _refuse(413, f"the {kind.upper()} body is larger than {self.max_bytes} "
                                   "bytes (setting max_json_body_bytes)")(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = self._problem(kind, body)
        if problem is not None:
            await _refuse(422, problem)(scope, receive, send)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body,
                                        "more_body": False}], receive), send)

    @staticmethod
    def _problem(kind: str, body: bytes) -> str | None:
        if kind == "form":
            return "the form holds a NUL character" if _has_nul(body) else None
        if body:
            try:
                loads_strict(body, "the request body")
            except InvalidJSONError as error:
                return str(error)
        return None


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    """A ``receive`` giving ``messages`` first, then whatever ``then`` gives."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is None:
            return {"type": "http.disconnect"}
        return await then()

    return receive
