"""Cross-site request forgery: state-changing browser requests must come from this origin.

SameSite=Lax cookies already stop other *sites*; this stops other origins of
the same site (another port on the host, a sibling subdomain), which can
otherwise post forms and multipart imports, fire body-less POSTs with the
user's cookie, or log the user in to another account.

Like Django's ``CsrfViewMiddleware`` (without its token): every unsafe request
(POST, PUT, PATCH, DELETE) that a browser could send with the session cookie,
that is every one without an ``Authorization`` header, the two login routes
included, is refused with HTTP 403 unless

- its ``Origin`` is the server's own origin (scheme, host and port of the
  request) or a trusted one (settings ``csrf_trusted_origins`` and
  ``cors_origins``); ``Origin: null`` never is; or
- it has no ``Origin`` and its ``Sec-Fetch-Site`` is ``same-origin`` or
  ``none`` (typed by the user); or
- it has neither header: browsers send ``Origin`` with every such request
  since 2020, so this is not a browser acting for a page (curl, scripts).

Bearer-token requests are left alone: a page of another origin cannot add an
``Authorization`` header without a CORS preflight, which the server refuses.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["OriginCheckMiddleware", "normalize_origin", "refusal"]

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_origin(origin: str) -> str | None:
    """``scheme://host[:port]`` in lower case without a default port; None if malformed."""
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is None or port == _DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def _own_origin(scope: Scope, headers: Headers) -> str | None:
    host = headers.get("host")
    if not host:
        server = scope.get("server")
        if not server:
            return None
        host = f"{server[0]}:{server[1]}"
    return normalize_origin(f"{scope.get('scheme', 'http')}://{host}")


def refusal(scope: Scope, trusted: frozenset[str]) -> str | None:
    """Why this request must be refused, or None when it may go on."""
    if scope["method"] not in UNSAFE_METHODS:
        return None
    headers = Headers(scope=scope)
    if "authorization" in headers:
        return None
    origin = headers.get("origin")
    if origin is not None:
        normal = normalize_origin(origin)
        if normal is not None and (normal == _own_origin(scope, headers) or normal in trusted):
            return None
        return f"the request comes from another origin ({origin[:100]!r})"
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return f"the request comes from another origin (Sec-Fetch-Site: {fetch_site[:40]})"
    return None


class OriginCheckMiddleware:
    """Refuse (HTTP 403) unsafe cookie-borne requests that another origin sent.

    Parameters
    ----------
    app : the ASGI app to wrap
    trusted_origins : origins besides the server's own whose requests are accepted
    """

    def __init__(self, app: ASGIApp, trusted_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.trusted = frozenset(o for o in map(normalize_origin, trusted_origins) if o)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            reason = refusal(scope, self.trusted)
            if reason is not None:
                await _forbidden(scope, reason)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _forbidden(scope: Scope, reason: str) -> Response:
    detail = (f"{reason}; state-changing requests with the session cookie must come from "
              "this server's own pages (a reverse proxy's public address goes in the "
              "setting csrf_trusted_origins)")
    if scope["path"].startswith("/api/"):
        return JSONResponse({"detail": detail, "error": "CrossOriginRequestError"},
                            status_code=403)
    return HTMLResponse(
        "<!doctype html><title>Refused</title><h1>Request refused</h1>"
        f"<p>{escape(detail)}</p><p><a href=\"/login\">Back to the login page</a></p>",
        status_code=403)
