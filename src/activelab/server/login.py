"""Logging in and out, and changing one's own password, for the API and the login form.

Every password check goes through the server's :class:`LoginThrottle`
(lockout per account and address, bounded concurrent hashes) and runs in a
worker thread only once it holds a hashing slot, so waiting attempts hold no
thread.  A login always starts a new session row and deletes the one the
cookie named before (the session key is cycled on login).
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from .db import write_transaction
from .errors import AuthenticationError, PermissionDeniedError
from .login_limits import LoginThrottle, client_address
from .models import User
from .security import hash_password, verify_password
from .services.accounts import set_password_hash
from .services.sessions import SESSION_KEY, end_session, start_session
from .services.users import authenticate

__all__ = ["log_in", "log_out", "change_own_password", "current_session_key"]


def _throttle(request: Request) -> LoginThrottle:
    return request.app.state.login_throttle


def _factory(request: Request) -> sessionmaker[Session]:
    return request.app.state.session_factory


def current_session_key(request: Request) -> str | None:
    """The session key in the request's signed cookie (None without one)."""
    key = request.session.get(SESSION_KEY)
    return key if isinstance(key, str) else None


def _begin_session(request: Request, session: Session, user_id: int) -> None:
    """Replace the request's session (if any) by a new one for ``user_id``."""
    old = current_session_key(request)
    if old is not None:
        end_session(session, old)
    key = start_session(session, user_id, request.app.state.session_policy,
                        user_agent=request.headers.get("user-agent", ""),
                        address=client_address(request))
    request.session.clear()
    request.session[SESSION_KEY] = key


def _authenticate_and_begin(request: Request, username: str, password: str) -> User:
    with _factory(request)() as session:
        user = authenticate(session, username, password)
    with write_transaction(_factory(request)) as session:
        _begin_session(request, session, user.id)
    return user


async def log_in(request: Request, username: str, password: str) -> User:
    """Check the password within the login limits and start a session; returns the user.

    Raises AuthenticationError (401) for wrong credentials, HTTPException 429
    when the account or address is locked out, 503 when no hashing slot frees.
    """
    throttle = _throttle(request)
    address = client_address(request)
    throttle.check(username, address)
    async with throttle.hash_slot():
        # Again: attempts that passed the check together may have failed while this waited.
        throttle.check(username, address)
        try:
            user = await run_in_threadpool(_authenticate_and_begin, request, username, password)
        except AuthenticationError:
            throttle.failed(username, address)
            raise
    throttle.succeeded(username)
    return user


def log_out(request: Request) -> None:
    """Delete the request's session row and clear the cookie."""
    key = current_session_key(request)
    if key is not None:
        with write_transaction(_factory(request)) as session:
            end_session(session, key)
    request.session.clear()


def _change_password(request: Request, user_id: int, current: str, new: str) -> None:
    with _factory(request)() as session:
        stored = session.get(User, user_id)
        if stored is None or not verify_password(current, stored.password_hash):
            raise PermissionDeniedError("the current password is wrong")
    new_hash = hash_password(new)  # outside the write transaction: it takes a while
    with write_transaction(_factory(request)) as session:
        user = session.get(User, user_id)
        if user is None:
            raise PermissionDeniedError("the account is gone")
        set_password_hash(session, user, new_hash)
        if current_session_key(request) is not None:  # a browser: it stays logged in
            _begin_session(request, session, user.id)


async def change_own_password(request: Request, user: User, current: str, new: str) -> None:
    """Change ``user``'s password after checking the current one (within the login limits).

    Every session of the user ends; a browser that made the request gets a new one.
    """
    throttle = _throttle(request)
    address = client_address(request)
    throttle.check(user.username, address)
    async with throttle.hash_slot():
        throttle.check(user.username, address)
        try:
            await run_in_threadpool(_change_password, request, user.id, current, new)
        except PermissionDeniedError:
            throttle.failed(user.username, address)
            raise
