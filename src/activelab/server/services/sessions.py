"""Server-side browser sessions: a random key in the signed cookie, its SHA-256 in a table.

A session is valid while its row exists, it is younger than the absolute
lifetime and it was seen within the idle timeout.  Deleting rows revokes
sessions at once: logout deletes one, a password change or reset, a
deactivation or a role change deletes all of a user's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..config import Settings
from ..db import write_block, write_transaction
from ..errors import NotFoundError
from ..models import User, UserSession, utcnow
from ..security import hash_token
from .users import Caller

__all__ = ["SESSION_KEY", "SessionPolicy", "start_session", "end_session", "revoke_sessions",
           "live_sessions", "end_own_session", "caller_for_session", "user_for_session"]

#: The entry of the signed cookie that holds the session key.
SESSION_KEY = "sid"
#: ``last_seen_at`` is written at most this often (and at most every quarter of the
#: idle timeout), so that a session does not turn every request into a write.
MAX_TOUCH_INTERVAL = timedelta(minutes=5)

_ALIVE = (UserSession.key_hash == bindparam("digest"),
          UserSession.created_at > bindparam("born_after"),
          UserSession.last_seen_at > bindparam("seen_after"))
#: The annotation routes' one statement: session and user together, as plain columns.
_SESSION_CALLER = (select(User.id, User.role, User.is_active,
                          UserSession.id.label("session_id"), UserSession.last_seen_at)
                   .join(UserSession, UserSession.user_id == User.id).where(*_ALIVE))
_SESSION_USER = (select(User, UserSession.id, UserSession.last_seen_at)
                 .join(UserSession, UserSession.user_id == User.id).where(*_ALIVE))
_TOUCH = update(UserSession).where(UserSession.id == bindparam("session_id")).values(
    last_seen_at=bindparam("now"))


@dataclass(frozen=True)
class SessionPolicy:
    """How long a browser session lives: ``lifetime`` in all, ``idle`` without a request."""

    lifetime: timedelta
    idle: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        return cls(lifetime=timedelta(seconds=settings.session_max_age),
                   idle=timedelta(seconds=settings.session_idle_timeout))

    def bounds(self, digest: str, now: datetime) -> dict[str, Any]:
        """The parameters of the "alive" clause for a session key's digest at ``now``."""
        return {"digest": digest, "born_after": now - self.lifetime,
                "seen_after": now - self.idle}

    def touch_due(self, last_seen: datetime, now: datetime) -> bool:
        return now - last_seen > min(MAX_TOUCH_INTERVAL, self.idle / 4)


def start_session(session: Session, user_id: int, policy: SessionPolicy, *,
                  user_agent: str = "", address: str = "") -> str:
    """Add a session for ``user_id`` (the caller commits); returns the key for the cookie.

    The user's expired sessions are deleted on the way, so that sessions never
    logged out of do not pile up.
    """
    now = utcnow()
    session.execute(delete(UserSession).where(
        UserSession.user_id == user_id,
        or_(UserSession.created_at <= now - policy.lifetime,
            UserSession.last_seen_at <= now - policy.idle)))
    key = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user_id, key_hash=hash_token(key),
                            user_agent=user_agent[:200], address=address[:64]))
    session.flush()
    return key


def end_session(session: Session, key: str) -> None:
    """Delete the session with this key, if any (logout)."""
    session.execute(delete(UserSession).where(UserSession.key_hash == hash_token(key)))


def revoke_sessions(session: Session, user_id: int, *, keep_key: str | None = None) -> int:
    """Delete every session of ``user_id`` (but the one with ``keep_key``); returns how many."""
    statement = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_key is not None:
        statement = statement.where(UserSession.key_hash != hash_token(keep_key))
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def live_sessions(session: Session, user_id: int,
                  policy: SessionPolicy) -> list[UserSession]:
    """The user's sessions that are still valid, newest first."""
    now = utcnow()
    return list(session.scalars(
        select(UserSession).where(UserSession.user_id == user_id,
                                  UserSession.created_at > now - policy.lifetime,
                                  UserSession.last_seen_at > now - policy.idle)
        .order_by(UserSession.id.desc())))


def end_own_session(session: Session, user_id: int, session_id: int) -> None:
    """Delete one of the user's own sessions; NotFoundError for anybody else's."""
    deleted = session.execute(delete(UserSession).where(
        UserSession.id == session_id,
        UserSession.user_id == user_id)).rowcount  # type: ignore[attr-defined]
    if not deleted:
        raise NotFoundError(f"no session with id {session_id}")


def caller_for_session(conn: Connection, key: str, policy: SessionPolicy) -> Caller | None:
    """The active user of a live session, on the request's connection; None otherwise."""
    now = utcnow()
    row = conn.execute(_SESSION_CALLER, policy.bounds(hash_token(key), now)).one_or_none()
    if row is None or not row.is_active:
        return None
    if policy.touch_due(row.last_seen_at, now):
        with write_block(conn):
            conn.execute(_TOUCH, {"session_id": row.session_id, "now": now})
    return Caller(id=row.id, role=row.role)


def user_for_session(factory: sessionmaker[Session], key: str,
                     policy: SessionPolicy) -> User | None:
    """The (detached) active user of a live session; None otherwise."""
    now = utcnow()
    with factory() as session:
        row = session.execute(_SESSION_USER, policy.bounds(hash_token(key), now)).one_or_none()
        if row is None or not row[0].is_active:
            return None
        user, session_id, last_seen = row
        session.expunge(user)
    if policy.touch_due(last_seen, now):
        with write_transaction(factory) as session:
            session.execute(_TOUCH, {"session_id": session_id, "now": now})
    return user
