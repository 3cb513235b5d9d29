"""Users, passwords and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..db import write_block, write_transaction
from ..errors import AuthenticationError, ConflictError, NotFoundError
from ..models import ApiToken, Role, User, utcnow
from ..security import dummy_verify, hash_password, hash_token, new_api_token, verify_password

__all__ = ["create_user", "authenticate", "create_token", "user_for_token", "delete_token",
           "get_user", "Caller", "caller_for_token"]

TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)
#: Prebuilt: every API request runs it.
_TOKEN_USER = (select(User, ApiToken.id, ApiToken.last_used_at)
               .join(ApiToken, ApiToken.user_id == User.id)
               .where(ApiToken.token_hash == bindparam("digest")))
#: The same for the annotation routes, as plain columns (no ORM object to build).
_TOKEN_CALLER = (select(User.id, User.role, User.is_active, ApiToken.id.label("token_id"),
                        ApiToken.last_used_at)
                 .join(ApiToken, ApiToken.user_id == User.id)
                 .where(ApiToken.token_hash == bindparam("digest")))
_TOUCH = update(ApiToken).where(ApiToken.id == bindparam("token_id")).values(
    last_used_at=bindparam("now"))


def _touch_due(last_used: Any, now: Any) -> bool:
    """Refresh ``last_used_at`` at most every few minutes: reading with a token should
    not turn every request into a write."""
    return last_used is None or now - last_used > TOKEN_TOUCH_INTERVAL


@dataclass(frozen=True)
class Caller:
    """Who is calling an annotation route: just what those routes need of the user."""

    id: int
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin.value

    @property
    def is_reviewer(self) -> bool:
        return self.role == Role.reviewer.value


def caller_for_token(conn: Connection, token: str) -> Caller:
    """:func:`user_for_token` on the request's connection, as a :class:`Caller`."""
    row = conn.execute(_TOKEN_CALLER, {"digest": hash_token(token)}).one_or_none()
    if row is None or not row.is_active:
        raise AuthenticationError("invalid or revoked API token")
    now = utcnow()
    if _touch_due(row.last_used_at, now):
        with write_block(conn):
            conn.execute(_TOUCH, {"token_id": row.token_id, "now": now})
    return Caller(id=row.id, role=row.role)



def create_user(session: Session, username: str, password: str,
                role: Role | str = Role.annotator) -> User:
    """Add a user (the caller commits).  Raises ConflictError when the name is taken."""
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ConflictError(f"user name {username!r} is already taken")
    user = User(username=username, password_hash=hash_password(password), role=Role(role).value,
                is_active=True)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise ConflictError(f"user name {username!r} is already taken") from None
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"no user with id {user_id}")
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    """The active user with these credentials, else AuthenticationError (same message)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        dummy_verify()
    # Verified before the active flag is read: a deactivated user takes the same time.
    elif verify_password(password, user.password_hash) and user.is_active:
        return user
    raise AuthenticationError("wrong user name or password")


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``user``; returns the row and the plaintext (shown once)."""
    token = new_api_token()
    row = ApiToken(user_id=user.id, name=name, token_hash=hash_token(token))
    session.add(row)
    session.flush()
    return row, token


def user_for_token(factory: sessionmaker[Session], token: str) -> User:
    """The (detached) active user owning ``token``; AuthenticationError otherwise.

    ``last_used_at`` is refreshed at most every few minutes, so that reading
    with a token does not turn every request into a write.
    """
    digest = hash_token(token)
    with factory() as session:  # one statement: token and user together
        row = session.execute(_TOKEN_USER, {"digest": digest}).one_or_none()
        if row is None or not row[0].is_active:
            raise AuthenticationError("invalid or revoked API token")
        user, token_id, last_used = row
        session.expunge(user)
    now = utcnow()
    if _touch_due(last_used, now):
        with write_transaction(factory) as session:
            session.execute(_TOUCH, {"token_id": token_id, "now": now})
    return user


def delete_token(session: Session, user: User, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != user.id and not user.is_admin):
        raise NotFoundError(f"no API token with id {token_id}")
    session.delete(row)
