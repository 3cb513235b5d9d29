"""Typed FastAPI dependencies: the session, the current user, the project in the path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager
from typing import Annotated, Any

import anyio
from fastapi import Depends, Path, Request
from sqlalchemy import Connection, Row
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from .config import Settings
from .db import write_transaction
from .errors import AuthenticationError, PermissionDeniedError
from .login import current_session_key
from .models import Project, User
from .schemas import MAX_ID
from .services.projects import get_project, project_view, require_admin
from .services.sessions import SessionPolicy, caller_for_session, user_for_session
from .services.users import Caller, caller_for_token, user_for_token
from .services.worker import TrainingWorker

__all__ = ["SessionDep", "WriteSessionDep", "CurrentUser", "AdminUser", "ProjectDep",
           "SettingsDep", "FactoryDep", "WorkerDep", "optional_user", "PathId",
           "caller_and_project"]

#: A row id in the URL path (project, item, user, token): out of range is a 422.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


async def get_factory(request: Request) -> sessionmaker[Session]:
    return request.app.state.session_factory


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_worker(request: Request) -> TrainingWorker:
    return request.app.state.worker


def get_session(request: Request) -> Iterator[Session]:
    """A session for reading (routes that write use ``WriteSessionDep``)."""
    with request.app.state.session_factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
FactoryDep = Annotated[sessionmaker[Session], Depends(get_factory)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
WorkerDep = Annotated[TrainingWorker, Depends(get_worker)]


def bearer_token(request: Request) -> str | None:
    """The token of ``Authorization: Bearer <token>``; None without the header."""
    header = request.headers.get("authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("use 'Authorization: Bearer <token>'")
    return token.strip()


def _policy(request: Request) -> SessionPolicy:
    return request.app.state.session_policy


def optional_user(request: Request, factory: FactoryDep) -> User | None:
    """The caller from ``Authorization: Bearer`` or the session cookie, else None.

    A cookie counts only while its session row is alive (not logged out, not
    revoked, within the idle timeout and the absolute lifetime).  The user is
    read in a short session of its own and returned detached, so the route's
    session starts its transaction fresh.
    """
    token = bearer_token(request)
    if token is not None:
        return user_for_token(factory, token)
    key = current_session_key(request)
    user = user_for_session(factory, key, _policy(request)) if key is not None else None
    if user is None and request.session:
        request.session.clear()  # an ended session, or a cookie of the old form
    return user


async def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise AuthenticationError("log in, or send 'Authorization: Bearer <token>'")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def get_write_session(request: Request, _: CurrentUser) -> AsyncIterator[Session]:
    """A session whose transaction takes the write lock first (SQLite: BEGIN IMMEDIATE).

    A SQLite transaction that reads and then writes can fail with "database is
    locked" when another writer got in between; taking the lock up front
    avoids that.  The caller is authenticated first (outside the lock), since
    that may itself write.  The route commits; anything uncommitted is rolled back.

    The lock is taken and released in worker threads, not necessarily the same
    one, and released whatever ends the request (a return, an exception, a
    client gone): the release is shielded from cancellation and does not queue
    for the thread pool, which writers waiting for the lock may fill.
    """
    transaction = write_transaction(request.app.state.session_factory)
    session = await run_in_threadpool(transaction.__enter__)
    try:
        yield session
    except BaseException as error:
        await _end_write(transaction, error)
        raise
    await _end_write(transaction, None)


async def _end_write(transaction: AbstractContextManager[Session],
                     error: BaseException | None) -> None:
    """Commit (or, after ``error``, roll back) and release the lock, even when cancelled."""
    args = (type(error), error, error.__traceback__) if error is not None else (None, None, None)
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(transaction.__exit__, *args,
                                       limiter=anyio.CapacityLimiter(1))


#: Ended as soon as the route returns, before the response is sent: a client that
#: reads its response slowly must not keep the write lock.
WriteSessionDep = Annotated[Session, Depends(get_write_session, scope="function")]


async def admin_user(user: CurrentUser) -> User:
    require_admin(user)
    return user


AdminUser = Annotated[User, Depends(admin_user)]


def project_in_path(project_id: PathId, user: CurrentUser, factory: FactoryDep) -> Project:
    """The project in the path if the caller may see it (detached from any session)."""
    with factory() as session:
        project = get_project(session, user, project_id)
        session.expunge(project)
        return project


ProjectDep = Annotated[Project, Depends(project_in_path)]


def caller_and_project(request: Request, conn: Connection,
                       project_id: int) -> tuple[Caller, Row[Any]]:
    """The authenticated caller and the project in the path, for the hot routes.

    The same checks as ``CurrentUser`` + ``ProjectDep``, on the request's one
    connection and without ORM objects, called from inside a route's single
    worker-thread hop: FastAPI runs each synchronous dependency in a
    thread-pool hop of its own, and on a busy machine every hop waits for the
    event loop and a core.  Reviewers are refused (403): they do not annotate.
    """
    token = bearer_token(request)
    caller: Caller | None
    if token is not None:
        caller = caller_for_token(conn, token)
    else:
        key = current_session_key(request)
        caller = caller_for_session(conn, key, _policy(request)) if key is not None else None
        if caller is None:
            request.session.clear()
            raise AuthenticationError("log in, or send 'Authorization: Bearer <token>'")
    if caller.is_reviewer:
        raise PermissionDeniedError(
            "reviewers do not annotate: they work the project's review queue "
            f"(/projects/{project_id}/review, or GET /api/projects/{project_id}/review)")
    return caller, project_view(conn, caller.id, caller.is_admin, project_id)
