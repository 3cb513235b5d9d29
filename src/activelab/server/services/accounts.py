"""Account changes that end sessions: passwords, deactivation, roles.

Every change that alters who may do what deletes the user's browser
sessions, so that it takes effect at once (as Django flushes a session on a
privilege change).  Deactivation also deletes the user's API tokens, so that
reactivating an account never revives a credential that may have leaked while
it was off; a password change or reset leaves tokens alone (they are separate
credentials, listed and revoked on their own).
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..errors import ConflictError
from ..models import ApiToken, Role, User
from .audit import record_event
from .sessions import revoke_sessions
from .users import get_user

__all__ = ["set_password_hash", "set_active", "set_role"]


def set_password_hash(session: Session, user: User, password_hash: str) -> None:
    """Store a new password hash for ``user`` and end all their sessions (the caller commits).

    The hash (slow on purpose) is made by the caller with
    :func:`~activelab.server.security.hash_password` before its write transaction,
    so that it does not hold the write lock.
    """
    user.password_hash = password_hash
    revoke_sessions(session, user.id)


def _not_self(actor: User, user_id: int, what: str) -> None:
    # The acting admin stays an active admin: the server always keeps one.
    if actor.id == user_id:
        raise ConflictError(f"you cannot {what} your own account; ask another admin")


def set_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    """(Re)activate or deactivate a user; deactivation ends their sessions and API tokens."""
    if not active:
        _not_self(actor, user_id, "deactivate")
    user = get_user(session, user_id)
    if user.is_active != active:
        record_event(session, actor, "reactivate user" if active else "deactivate user", None,
                     account=user.username, user_id=user.id)
    user.is_active = active
    if not active:
        revoke_sessions(session, user.id)
        session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    return user


def set_role(session: Session, actor: User, user_id: int, role: Role) -> User:
    """Change a user's role; a change ends their sessions (they log in with the new role)."""
    if role != Role.admin:
        _not_self(actor, user_id, "demote")
    user = get_user(session, user_id)
    if user.role != role.value:
        record_event(session, actor, "role change", None, account=user.username,
                     user_id=user.id, old=user.role, new=role.value)
        user.role = role.value
        revoke_sessions(session, user.id)
    return user
