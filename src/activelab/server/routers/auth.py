"""Login, logout, the current user, sessions, passwords, API tokens and user management."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from ..account_schemas import PasswordChangeIn, PasswordResetIn, SessionOut, UserPatch
from ..db import write_transaction
from ..deps import AdminUser, CurrentUser, PathId, SessionDep, WriteSessionDep
from ..login import change_own_password, current_session_key, log_in, log_out
from ..models import ApiToken, User
from ..schemas import LoginIn, TokenIn, TokenOut, UserIn, UserOut
from ..security import hash_password, hash_token
from ..services.accounts import set_active, set_password_hash, set_role
from ..services.audit import record_event
from ..services.sessions import end_own_session, live_sessions, revoke_sessions
from ..services.users import create_token, create_user, delete_token, get_user

router = APIRouter(prefix="/api", tags=["auth"])


@router.post("/auth/login", response_model=UserOut)
async def login(body: LoginIn, request: Request) -> User:
    """Check the password and start a browser session (cookie).

    Failed attempts are limited per account and per client address (HTTP 429
    with ``Retry-After``); when too many password checks run at once, HTTP 503.
    """
    return await log_in(request, body.username, body.password)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request) -> None:
    """End this browser session on the server (the old cookie stops working)."""
    log_out(request)


@router.get("/auth/me", response_model=UserOut)
def me(user: CurrentUser) -> User:
    """The caller: id, name, role and whether the account is active."""
    return user


@router.post("/auth/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(body: PasswordChangeIn, request: Request, user: CurrentUser) -> None:
    """Change your password (needs the current one); all your other sessions end."""
    await change_own_password(request, user, body.current_password, body.new_password)


@router.get("/auth/sessions", response_model=list[SessionOut])
def list_sessions(request: Request, user: CurrentUser, session: SessionDep) -> list[SessionOut]:
    """Your live browser sessions, newest first (``current`` marks this request's)."""
    key = current_session_key(request)
    mine = hash_token(key) if key is not None else None
    return [SessionOut(id=row.id, created_at=row.created_at, last_seen_at=row.last_seen_at,
                       user_agent=row.user_agent, address=row.address,
                       current=row.key_hash == mine)
            for row in live_sessions(session, user.id, request.app.state.session_policy)]


@router.delete("/auth/sessions", status_code=status.HTTP_204_NO_CONTENT)
def end_other_sessions(request: Request, user: CurrentUser, session: WriteSessionDep) -> None:
    """End all your sessions but this one."""
    revoke_sessions(session, user.id, keep_key=current_session_key(request))
    session.commit()


@router.delete("/auth/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def end_session(session_id: PathId, user: CurrentUser, session: WriteSessionDep) -> None:
    """End one of your sessions (404 for anybody else's)."""
    end_own_session(session, user.id, session_id)
    session.commit()


@router.get("/auth/tokens", response_model=list[TokenOut])
def list_tokens(user: CurrentUser, session: SessionDep) -> list[TokenOut]:
    """The caller's API tokens (names and dates; a token itself is shown only once)."""
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                           .order_by(ApiToken.id))
    return [TokenOut(id=row.id, name=row.name, created_at=row.created_at) for row in rows]


@router.post("/auth/tokens", response_model=TokenOut, status_code=status.HTTP_201_CREATED)
def new_token(body: TokenIn, user: CurrentUser, session: WriteSessionDep) -> TokenOut:
    """A new API token for ``Authorization: Bearer``; its value is in this answer only."""
    row, token = create_token(session, user, body.name)
    session.commit()
    return TokenOut(id=row.id, name=row.name, token=token, created_at=row.created_at)


@router.delete("/auth/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: PathId, user: CurrentUser, session: WriteSessionDep) -> None:
    """Revoke one of the caller's tokens (an admin may revoke anybody's)."""
    delete_token(session, user, token_id)
    session.commit()


@router.get("/users", response_model=list[UserOut])
def list_users(_: AdminUser, session: SessionDep) -> list[User]:
    """Every user, with role and state (admins only)."""
    return list(session.scalars(select(User).order_by(User.id)))


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def add_user(body: UserIn, admin: AdminUser, session: WriteSessionDep) -> User:
    """Create a user with a password and a role (admins only); 409 if the name is taken."""
    user = create_user(session, body.username, body.password, body.role)
    session.flush()
    record_event(session, admin, "create user", None, account=user.username, user_id=user.id,
                 role=user.role)
    session.commit()
    return user


@router.patch("/users/{user_id}", response_model=UserOut)
def change_user(user_id: PathId, body: UserPatch, admin: AdminUser,
                session: WriteSessionDep) -> User:
    """Deactivate or reactivate a user, or change their role; either ends their sessions.

    Deactivation also deletes the user's API tokens.  An admin cannot deactivate
    or demote themselves (409), so the server always keeps an admin.
    """
    user = get_user(session, user_id)
    if body.role is not None:
        user = set_role(session, admin, user_id, body.role)
    if body.is_active is not None:
        user = set_active(session, admin, user_id, body.is_active)
    session.commit()
    return user


def _reset_password(request: Request, admin: User, user_id: int, password: str) -> None:
    password_hash = hash_password(password)  # before the write lock: it takes a while
    with write_transaction(request.app.state.session_factory) as session:
        user = get_user(session, user_id)
        set_password_hash(session, user, password_hash)
        record_event(session, admin, "reset password", None, account=user.username,
                     user_id=user.id)


@router.post("/users/{user_id}/password", status_code=status.HTTP_204_NO_CONTENT)
async def reset_password(user_id: PathId, body: PasswordResetIn, request: Request,
                         admin: AdminUser) -> None:
    """Set a user's password (an admin's reset); all their sessions end, API tokens stay."""
    async with request.app.state.login_throttle.hash_slot():
        await run_in_threadpool(_reset_password, request, admin, user_id, body.new_password)
