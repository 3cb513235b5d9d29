"""One middleware for the browser-facing security headers (like Django's ``SecurityMiddleware``).

Every response (pages, API answers, images, static files, errors) gets:

- ``Content-Security-Policy``: everything from this origin only, no inline
  script or style, no plugins, no framing (``frame-ancestors 'none'``);
  images may also be ``data:`` and ``blob:`` URLs (the annotation page draws them);
- ``X-Frame-Options: DENY`` for browsers without ``frame-ancestors``;
- ``X-Content-Type-Options: nosniff``, so an uploaded image is never run as a script;
- ``Referrer-Policy: same-origin``.

And the session cookie is marked ``Secure`` whenever the request reached the
server over HTTPS (its scheme, which uvicorn takes from ``X-Forwarded-Proto``
of a trusted proxy), so it is never sent back over plain HTTP.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SecurityHeadersMiddleware", "CONTENT_SECURITY_POLICY"]

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii")),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP response; ``Secure`` on the cookie over HTTPS.

    Parameters
    ----------
    app : the ASGI app to wrap
    session_cookie : name of the cookie to mark ``Secure`` on HTTPS requests
    """

    def __init__(self, app: ASGIApp, session_cookie: str) -> None:
        self.app = app
        self.cookie_prefix = f"{session_cookie}=".encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [self._secured(name, value) if https else (name, value)
                           for name, value in message.get("headers", [])]
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in _HEADERS if n not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _secured(self, name: bytes, value: bytes) -> tuple[bytes, bytes]:
        if name.lower() != b"set-cookie" or not value.startswith(self.cookie_prefix):
            return name, value
        attributes = [part.strip() for part in value.lower().split(b";")[1:]]
        return (name, value) if b"secure" in attributes else (name, value + b"; secure")
