"""The one exception tree of activelab.

Every error raised on purpose by activelab derives from :class:`ActivelabError`,
so ``except ActivelabError`` catches them all.  Each also derives from the
closest built-in exception (``ValueError``, ``LookupError``, ``ImportError``)
so that code written against scikit-learn conventions keeps working.

Tree::

    ActivelabError
    ├── ConfigError (ValueError)             unknown strategy/model name, bad parameter
    ├── DataError (ValueError)               malformed file, missing column, bad shape
    │   └── InvalidFeaturesError             NaN / inf / non-numeric features
    ├── EmptyPoolError (ValueError)          a pool with no items
    ├── PoolExhaustedError (LookupError)     nothing left to query
    ├── InvalidAnswerError (ValueError)      an answer of the wrong shape for its task
    │   └── UnknownLabelError                label not among the declared classes
    ├── SingleClassError (ValueError)        labelled set holds fewer than two classes
    ├── NotFittedError (ValueError)          model used before any labels were taught
    ├── MissingDependencyError (ImportError) optional extra not installed
    ├── OracleStopped                        the human asked to stop annotating
    ├── ServerError                          the annotation server refused a request
    │   └── AuthenticationError              no or bad credentials (HTTP 401)
    ├── ConnectionFailed (ConnectionError)   the annotation server cannot be reached
    └── WaitTimeout (TimeoutError)           a wait for the server ran out of time
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "ActivelabError",
    "ConfigError",
    "DataError",
    "InvalidFeaturesError",
    "EmptyPoolError",
    "PoolExhaustedError",
    "InvalidAnswerError",
    "UnknownLabelError",
    "SingleClassError",
    "NotFittedError",
    "MissingDependencyError",
    "OracleStopped",
    "ServerError",
    "AuthenticationError",
    "ConnectionFailed",
    "WaitTimeout",
    "ActivelabWarning",
]


class ActivelabError(Exception):
    """Base class of every error activelab raises on purpose."""


class ConfigError(ActivelabError, ValueError):
    """A name or parameter is not valid (unknown strategy, model, bad value)."""


class DataError(ActivelabError, ValueError):
    """Input data cannot be used: malformed file, missing column, wrong shape."""


class InvalidFeaturesError(DataError):
    """Features contain NaN, infinity or values that are not numeric."""


class EmptyPoolError(ActivelabError, ValueError):
    """A pool (or a candidate set) holds no items at all."""


class PoolExhaustedError(ActivelabError, LookupError):
    """Every item of the pool is labelled or ignored: nothing is left to query."""


class InvalidAnswerError(ActivelabError, ValueError):
    """An answer does not fit its task: not a finite number, not same / different, ..."""


class UnknownLabelError(InvalidAnswerError):
    """A label is not one of the classes declared for the pool."""


class SingleClassError(ActivelabError, ValueError):
    """The labelled set holds fewer than two classes, so no classifier can be trained."""


class NotFittedError(ActivelabError, ValueError):
    """The model was used before it was trained on any labels."""


class MissingDependencyError(ActivelabError, ImportError):
    """An optional dependency is needed but not installed."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs the optional package '{package}'. "
            f"Install it with: pip install 'activelab[{extra}]'"
        )
        self.package = package
        self.extra = extra


class OracleStopped(ActivelabError):
    """The oracle (a person) asked to stop; ``labels`` holds what was answered before."""

    def __init__(self, message: str = "annotation stopped by the oracle",
                 labels: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.labels = list(labels)


class ServerError(ActivelabError):
    """The annotation server refused a request.

    The server raises its own refusals from this class; the client
    (:mod:`activelab.client`) raises it for an error answer, with the
    server's message.

    Attributes
    ----------
    status_code : int or None
        The HTTP status of the answer (None inside the server, where the class decides it).
    error : str or None
        The server's name for the error (``ConflictError``, ``ImportRejectedError``, ...).
    body : dict
        The whole JSON answer (``errors`` lists an import's bad rows).
    """

    def __init__(self, message: str, status_code: int | None = None,
                 error: str | None = None, body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error = error
        self.body = body if body is not None else {}


class AuthenticationError(ServerError):
    """No valid credentials: a wrong or revoked token, a wrong password, an ended session."""


class ConnectionFailed(ActivelabError, ConnectionError):
    """The annotation server cannot be reached (down, wrong address, timed out)."""


class WaitTimeout(ActivelabError, TimeoutError):
    """A wait for the server (e.g. for its first model) ran out of time."""


class ActivelabWarning(UserWarning):
    """Warnings about the active-learning setup (missing classes, cold start, ...)."""
