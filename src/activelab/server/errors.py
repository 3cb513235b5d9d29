"""Server errors (part of the activelab exception tree) and the one handler mapping them to HTTP.

Tree additions::

    ActivelabError
    ├── AuthenticationError                  no or bad credentials          -> 401
    ├── PermissionDeniedError                authenticated but not allowed  -> 403
    ├── NotFoundError (LookupError)          no such project/item/user      -> 404
    ├── ConflictError                        state conflict (lease, dup)    -> 409
    ├── ServiceBusyError                     waited too long for a write    -> 503
    └── DataError
        └── ImportRejectedError              file rejected, with row errors -> 422
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
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

__all__ = [
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "ImportRejectedError",
    "ServiceBusyError",
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
    if isinstance(error, ServiceBusyError):
        headers = {"Retry-After": str(error.retry_after)}
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handler(app: FastAPI) -> None:
    """Register the single handler translating every activelab error into a response."""
    app.add_exception_handler(ActivelabError, _handle)
