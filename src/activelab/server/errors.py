"""Server errors (part of the activelab exception tree) and the one handler mapping them to HTTP.

Tree additions::

    ActivelabError
    ├── AuthenticationError                  no or bad credentials          -> 401
    ├── PermissionDeniedError                authenticated but not allowed  -> 403
    ├── NotFoundError (LookupError)          no such project/item/user      -> 404
    ├── ConflictError                        state conflict (lease, dup)    -> 409
    └── DataError
        └── ImportRejectedError              file rejected, with row errors -> 422
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ..exceptions import (
    ActivelabError,
    ConfigError,
    DataError,
    EmptyPoolError,
    MissingDependencyError,
    NotFittedError,
    PoolExhaustedError,
    SingleClassError,
    UnknownLabelError,
)
from .echo import ECHO_CHARS, echo

__all__ = [
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "ImportRejectedError",
    "status_code_for",
    "install_error_handler",
]


class AuthenticationError(ActivelabError):
    """No valid credentials (token, session cookie or password)."""


class PermissionDeniedError(ActivelabError):
    """The user is known but may not do this (e.g. an annotator creating a project)."""


class NotFoundError(ActivelabError, LookupError):
    """No such project, item, user or token (or not visible to the caller)."""


class ConflictError(ActivelabError):
    """The request clashes with the current state (item not leased to you, duplicate name)."""


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
    (UnknownLabelError, 422),
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


async def _handle(request: Request, error: Exception) -> JSONResponse:
    status = status_code_for(error)
    body: dict[str, Any] = {"detail": str(error), "error": type(error).__name__}
    if isinstance(error, ImportRejectedError):
        body["errors"] = error.errors
        body["n_errors"] = error.n_errors
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _shown_input(value: Any) -> Any:
    """A validation error's echoed input: kept when short and plain, else cut by ``echo``."""
    if value is None or isinstance(value, bool | int) or (
            isinstance(value, float) and math.isfinite(value)):
        return value
    if isinstance(value, str) and len(value) <= ECHO_CHARS and value.isprintable():
        return value
    return echo(value)


async def _handle_invalid_request(request: Request, error: RequestValidationError
                                  ) -> JSONResponse:
    # FastAPI's own 422, but an echoed input is cut short (never a 1 MB value back).
    details = [{**entry, "input": _shown_input(entry["input"])} if "input" in entry else entry
               for entry in error.errors()]
    return JSONResponse({"detail": jsonable_encoder(details, custom_encoder={
        BaseException: lambda error: echo(str(error))})}, status_code=422)


def install_error_handler(app: FastAPI) -> None:
    """Register the handlers translating every activelab error (and every invalid request)
    into a response."""
    app.add_exception_handler(ActivelabError, _handle)
    app.add_exception_handler(RequestValidationError, _handle_invalid_request)
