"""Server errors (part of the activelab exception tree) and the one handler mapping them to HTTP.

Tree additions::

    ActivelabError
    ├── PermissionDeniedError                authenticated but not allowed  -> 403
    ├── NotFoundError (LookupError)          no such project/item/user      -> 404
    ├── ConflictError                        state conflict (lease, dup)    -> 409
    ├── ServiceBusyError                     waited too long for a write    -> 503
    └── DataError
        └── ImportRejectedError              file rejected, with row errors -> 422

``AuthenticationError`` (no or bad credentials, 401) is the library's
(:mod:`activelab.exceptions`), so that the client raises the same class.

The API (``/api/...``, ``/openapi.json``) answers errors in JSON; a browser page
answers them with an HTML page (``error.html``) that says what went wrong and
links back to the project list (or the login page).  FastAPI's own 404, 405
and 422 answers for pages get the same HTML.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..exceptions import (
    ActivelabError,
    AuthenticationError,
    ConfigError,
    DataError,
    EmptyPoolError,
    InvalidAnswerError,
    MissingDependencyError,
    NotFittedError,
    PoolExhaustedError,
    SingleClassError,
)
from .echo import ECHO_CHARS, echo

__all__ = [
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "ImportRejectedError",
    "ServiceBusyError",
    "status_code_for",
    "wants_json",
    "error_page",
    "install_error_handler",
]


class PermissionDeniedError(ActivelabError):
    """The user is known but may not do this (e.g. an annotator creating a project)."""


class NotFoundError(ActivelabError, LookupError):
    """No such project, item, user or token (or not visible to the caller)."""


class ConflictError(ActivelabError):
    """The request clashes with the current state (item not leased to you, duplicate name)."""


class ServiceBusyError(ActivelabError):
    """A write waited its full bound for the database's write lock; ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ImportRejectedError(DataError):
    """An import file had malformed rows; ``errors`` lists them with 1-based line numbers."""

    def __init__(self, message: str, errors: list[dict[str, Any]], n_errors: int) -> None:
        super().__init__(message)
        self.errors = errors
        self.n_errors = n_errors


# Most specific first: the first matching class decides the status code.
_STATUS: tuple[tuple[type[ActivelabError], int], ...] = (
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (ServiceBusyError, 503),
    (InvalidAnswerError, 422),  # UnknownLabelError among them
    (DataError, 422),
    (ConfigError, 422),
    (EmptyPoolError, 422),
    (PoolExhaustedError, 404),
    (SingleClassError, 409),
    (NotFittedError, 409),
    (MissingDependencyError, 501),
)


def status_code_for(error: BaseException) -> int:
    """The HTTP status of an activelab error (400 for any error not listed)."""
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 400


#: The heading of an error page, by status code.
_TITLES = {400: "Bad request", 401: "Please log in", 403: "Not allowed", 404: "Not found",
           405: "Not allowed here", 409: "Conflict", 413: "Too large", 422: "Invalid request",
           501: "Not available"}
def wants_json(request: Request) -> bool:
    """Whether ``request`` is an API call (JSON errors) rather than a browser page (HTML)."""
    path = request.url.path
    return path == "/api" or path.startswith("/api/") or path == "/openapi.json"


def error_page(request: Request, status: int, message: str) -> Response:
    """The HTML error page: what went wrong, and a link back to where one can go on."""
    user = _session_user(request)
    back, back_text = ("/projects", "Back to your projects") if user else (
        "/login", "Go to the login page")
    return request.app.state.templates.TemplateResponse(
        request, "error.html",
        {"user": user, "status": status, "title": _TITLES.get(status, "Something went wrong"),
         "message": message, "back": back, "back_text": back_text},
        status_code=status)


def _session_user(request: Request) -> Any:
    """The logged-in user (for the page header), or None.

    ``app.state.page_user`` is set by the application factory: the session
    lookup lives in modules that import this one.
    """
    lookup = getattr(request.app.state, "page_user", None)
    if lookup is None:
        return None
    try:
        return lookup(request)
    except ActivelabError:  # a stale cookie or a busy database must not make a page a 500
        return None


async def _handle(request: Request, error: Exception) -> Response:
    status = status_code_for(error)
    if not wants_json(request):
        return error_page(request, status, str(error))
    body: dict[str, Any] = {"detail": str(error), "error": type(error).__name__}
    if isinstance(error, ImportRejectedError):
        body["errors"] = error.errors
        body["n_errors"] = error.n_errors
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(error, ServiceBusyError):
        headers = {"Retry-After": str(error.retry_after)}
    return JSONResponse(body, status_code=status, headers=headers)


async def _handle_http(request: Request, error: StarletteHTTPException) -> Response:
    if wants_json(request):
        return await http_exception_handler(request, error)
    messages = {404: f"There is no page at {request.url.path}.",
                405: f"{request.method} is not allowed on {request.url.path}."}
    page = error_page(request, error.status_code,
                      messages.get(error.status_code, str(error.detail)))
    if error.headers:
        page.headers.update(error.headers)
    return page


def _shown_input(value: Any) -> Any:
    """A validation error's echoed input: kept when short and plain, else cut by ``echo``."""
    if value is None or isinstance(value, bool | int) or (
            isinstance(value, float) and math.isfinite(value)):
        return value
    if isinstance(value, str) and len(value) <= ECHO_CHARS and value.isprintable():
        return value
    return echo(value)


async def _handle_validation(request: Request, error: RequestValidationError) -> Response:
    if not wants_json(request):
        problems = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in error.errors())
        return error_page(request, 422, f"This address is not valid ({echo(problems)}).")
    # FastAPI's own 422, but an echoed input is cut short (never a 1 MB value back).
    details = [{**entry, "input": _shown_input(entry["input"])} if "input" in entry else entry
               for entry in error.errors()]
    return JSONResponse({"detail": jsonable_encoder(details, custom_encoder={
        BaseException: lambda error: echo(str(error))})}, status_code=422)


def install_error_handler(app: FastAPI) -> None:
    """Register the handlers translating every activelab error (and FastAPI's own 404, 405
    and 422) into a response: JSON for the API, an HTML page for the browser."""
    app.add_exception_handler(ActivelabError, _handle)
    app.add_exception_handler(StarletteHTTPException, _handle_http)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError,
                              _handle_validation)  # type: ignore[arg-type]
