"""The active queue: leasing the most informative open item, labels, skips, undo.

Exclusivity.  An item may be held (leased or labelled) by at most
``project.overlap`` annotators.  Every lease is created while holding a write
lock that covers the item: on SQLite the whole transaction runs under
``BEGIN IMMEDIATE``; on PostgreSQL the candidate item row is locked with
``SELECT ... FOR UPDATE SKIP LOCKED`` and its eligibility re-checked in a new
statement (which sees every lease committed before the lock was granted).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ...exceptions import UnknownLabelError
from ..db import is_postgres, write_transaction
from ..errors import ConflictError, NotFoundError
from ..models import Item, Label, Lease, Project, User, utcnow
from .tasks import is_image_task, validate_label_value

__all__ = ["lease_next", "heartbeat", "record_label", "undo_last", "served_item",
           "eligible_items_query"]

def _open_for(project: Project, user_id: int | None, now: Any) -> ColumnElement[bool]:
    """Items that still need an annotator (and, with ``user_id``, one this user can take)."""
    active_leases = (select(func.count()).select_from(Lease)
                     .where(Lease.item_id == Item.id, Lease.expires_at > now)
                     .scalar_subquery())
    conditions = [Item.project_id == project.id,
                  Item.n_labels + active_leases < project.overlap]
    if user_id is not None:
        conditions.append(~exists().where(Label.item_id == Item.id, Label.user_id == user_id,
                                          Label.undone.is_(False)))
    return and_(*conditions)


#: Queue order: most informative first (random order before the first model).
_ORDER = (Item.priority.desc().nulls_last(), Item.random_key, Item.id)


def _open_clause() -> ColumnElement[bool]:
    """``_open_for`` with bound parameters (project_id, overlap, user_id, now), built once."""
    active_leases = (select(func.count()).select_from(Lease)
                     .where(Lease.item_id == Item.id, Lease.expires_at > bindparam("now"))
                     .scalar_subquery())
    return and_(Item.project_id == bindparam("project_id"),
                Item.n_labels + active_leases < bindparam("overlap"),
                ~exists().where(Label.item_id == Item.id, Label.user_id == bindparam("user_id"),
                                Label.undone.is_(False)))


# Prebuilt: building these expressions on every /next cost more CPU than running them.
_OPEN = _open_clause()
_PICK = select(Item.id).where(_OPEN).order_by(*_ORDER).limit(1)
_PICK_SKIP_LOCKED = _PICK.with_for_update(of=Item, skip_locked=True)
_PICK_WAIT = _PICK.with_for_update(of=Item)
_RECHECK = select(Item.id).where(_OPEN, Item.id == bindparam("item_id"))
_MY_LEASE = select(Lease).where(Lease.project_id == bindparam("project_id"),
                                Lease.user_id == bindparam("user_id"))
_EXPIRED = delete(Lease).where(Lease.project_id == bindparam("project_id"),
                               Lease.expires_at <= bindparam("now"))


def eligible_items_query(project: Project, user_id: int | None, now: Any,
                         limit: int) -> Select[Item]:
    """Open items, most informative first (random order before the first model)."""
    return select(Item).where(_open_for(project, user_id, now)).order_by(*_ORDER).limit(limit)


def _lock_item(session: Session, item_id: int) -> None:
    if is_postgres(session):
        session.execute(select(Item.id).where(Item.id == item_id).with_for_update())


class _Retry:
    """Sentinel: start the lease transaction again, waiting for a locked item."""


_RETRY = _Retry()


def _pick(session: Session, project: Project, user: User, now: Any,
          wait: bool) -> int | None | _Retry:
    """The best open item for ``user``, locked; None when nothing is open.

    PostgreSQL: candidates are locked with ``SKIP LOCKED`` and re-checked after
    the lock (a new statement sees every lease committed before it).  When
    every open item is locked at that moment (another annotator is taking it,
    with ``overlap > 1`` it may still have room), the caller retries with
    ``wait=True``: a fresh transaction that holds no other lock waits for the
    best candidate instead of answering "nothing left".
    """
    # Read in ix_items_rank order: the scan stops at the first open item instead of
    # sorting the whole project (migration 0002).
    params = {"project_id": project.id, "overlap": project.overlap, "user_id": user.id,
              "now": now}
    if not is_postgres(session):
        return session.scalar(_PICK, params)  # BEGIN IMMEDIATE: nobody else writes meanwhile
    if wait:
        item_id = session.scalar(_PICK_WAIT, params)
        if item_id is None or session.scalar(_RECHECK, {**params, "item_id": item_id}) \
                is not None:
            return item_id
        return _RETRY
    tried: list[int] = []
    while True:  # ends: every round either returns or excludes one more item
        candidates = _PICK.where(Item.id.not_in(tried)).with_for_update(
            of=Item, skip_locked=True) if tried else _PICK_SKIP_LOCKED
        item_id = session.scalar(candidates, params)
        if item_id is None:
            return _RETRY if session.scalar(_PICK, params) is not None else None
        if session.scalar(_RECHECK, {**params, "item_id": item_id}) is not None:
            return item_id
        # Taken by a transaction that committed between our snapshot and our lock.
        tried.append(item_id)


def _reclaim_expired(factory: sessionmaker[Session], project: Project, now: Any) -> None:
    """Delete the project's leases expired at ``now`` (in a short transaction of its own).

    Kept apart from the leasing transaction so that on PostgreSQL no lease
    row lock is held while waiting for an item lock.  Leases expiring after
    ``now`` still count as held for the rest of this ``/next`` call.
    """
    expired = (Lease.project_id == project.id, Lease.expires_at <= now)
    with factory() as session:
        if session.scalar(select(Lease.id).where(*expired).limit(1)) is None:
            return
    with write_transaction(factory) as session:
        session.execute(delete(Lease).where(*expired))


def lease_next(factory: sessionmaker[Session], project: Project, user: User,
               lease_seconds: int) -> tuple[Item, Any] | None:
    """Lease the best open item to ``user``; ``(item, expires_at)`` or None when done.

    A user holds at most one lease per project: while it is alive, asking
    again returns the same item (with its lease extended).  The item is read
    in the leasing transaction and returned detached.
    """
    now = utcnow()
    if is_postgres(factory.kw["bind"]):
        _reclaim_expired(factory, project, now)  # SQLite: inside the lease transaction
    try:
        return _lease_next(factory, project, user, lease_seconds, now)
    except IntegrityError:
        # Two concurrent requests of the same user both created a lease (PostgreSQL);
        # the loser retries and finds the winner's lease.
        return _lease_next(factory, project, user, lease_seconds, now)


def _lease_next(factory: sessionmaker[Session], project: Project, user: User,
                lease_seconds: int, now: Any) -> tuple[Item, Any] | None:
    wait = False
    while True:
        with write_transaction(factory) as session:
            if not is_postgres(session):  # we hold the database's write lock already
                session.execute(_EXPIRED, {"project_id": project.id, "now": now})
            expires = utcnow() + timedelta(seconds=lease_seconds)
            mine = session.scalar(_MY_LEASE, {"project_id": project.id, "user_id": user.id})
            if mine is not None and mine.expires_at > now:
                mine.expires_at = expires
                return _detached_item(session, mine.item_id), expires
            if mine is not None:  # expired after the reclaim started
                session.delete(mine)
                session.flush()
            picked = _pick(session, project, user, now, wait)
            if isinstance(picked, _Retry):
                session.rollback()  # release every lock before waiting
                wait = True
                continue
            if picked is None:
                return None
            session.add(Lease(project_id=project.id, item_id=picked, user_id=user.id,
                              created_at=now, expires_at=expires))
            session.flush()
            return _detached_item(session, picked), expires


def _detached_item(session: Session, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None:  # a lease row keeps its item (foreign key), so this is a bug
        raise NotFoundError(f"item {item_id} no longer exists")
    session.expunge(item)
    return item


def heartbeat(factory: sessionmaker[Session], project: Project, user: User, item_id: int,
              lease_seconds: int) -> Any:
    """Extend the caller's lease on ``item_id``; ConflictError when it is not theirs."""
    with write_transaction(factory) as session:
        now = utcnow()
        expires = now + timedelta(seconds=lease_seconds)
        extended = session.scalar(
            update(Lease).where(Lease.project_id == project.id, Lease.user_id == user.id,
                                Lease.item_id == item_id)
            .values(expires_at=expires).returning(Lease.id))
        if extended is None:
            raise ConflictError(f"item {item_id} is not leased to you; ask /next for an item")
        return expires


def record_label(factory: sessionmaker[Session], project: Project, user: User, item_id: int,
                 value: Any, skip: bool) -> Label:
    """Store a label (or a skip) for an item leased to ``user``; committed on return.

    The lease must still exist: an expired lease is honoured until another
    ``/next`` call reclaims it.  Nothing is written when the value is invalid.

    Raises
    ------
    UnknownLabelError
        The value is not in the project's label set (HTTP 422).
    ConflictError
        The item is not leased to the caller (HTTP 409).
    """
    if skip:
        if value is not None:
            raise UnknownLabelError("a skip carries no value")
    else:
        if value is None:
            raise UnknownLabelError("give a label value, or skip=true")
        value = validate_label_value(project.task_type, project.labels, value)
    with write_transaction(factory) as session:
        _lock_item(session, item_id)
        lease = session.scalar(select(Lease).where(
            Lease.project_id == project.id, Lease.user_id == user.id, Lease.item_id == item_id))
        if lease is None:
            raise ConflictError(f"item {item_id} is not leased to you (the lease expired and "
                                "was given away, or was never yours); ask /next for an item")
        session.delete(lease)
        label = Label(project_id=project.id, item_id=item_id, user_id=user.id,
                      value=None if skip else value, is_skip=skip, undone=False,
                      created_at=utcnow())
        session.add(label)
        if not skip:
            session.execute(update(Item).where(Item.id == item_id)
                            .values(n_labels=Item.n_labels + 1))
        session.flush()
        return label


def undo_last(factory: sessionmaker[Session], project: Project, user: User,
              lease_seconds: int) -> tuple[Label, Any]:
    """Undo the caller's latest label or skip; the item is leased back to them.

    Returns the undone label and the new lease expiry.  Raises NotFoundError
    when the caller has nothing left to undo in this project.
    """
    with write_transaction(factory) as session:
        label = session.scalar(
            select(Label).where(Label.project_id == project.id, Label.user_id == user.id,
                                Label.undone.is_(False)).order_by(Label.id.desc()).limit(1))
        if label is None:
            raise NotFoundError("nothing to undo: you have no labels in this project")
        _lock_item(session, label.item_id)
        now = utcnow()
        label.undone = True
        label.undone_at = now
        if not label.is_skip:
            session.execute(update(Item).where(Item.id == label.item_id)
                            .values(n_labels=Item.n_labels - 1))
        session.execute(delete(Lease).where(Lease.project_id == project.id,
                                            Lease.user_id == user.id))
        expires = now + timedelta(seconds=lease_seconds)
        session.add(Lease(project_id=project.id, item_id=label.item_id, user_id=user.id,
                          created_at=now, expires_at=expires))
        session.flush()
        return label, expires


def served_item(item: Item, project: Project, expires_at: Any) -> dict[str, Any]:
    """An item as the annotator sees it, with why it was chosen."""
    # Unranked items (before the first model, imported since, or past the depth a
    # ranking-only strategy orders) are served in random order, and say so.
    why: dict[str, Any] = {
        "strategy": project.strategy_name if item.priority is not None else "random",
        "score": item.score,
        "guess": item.predicted,
        "probability": item.predicted_proba,
        "model_version": item.model_version,
    }
    image_url = (f"/api/projects/{project.id}/items/{item.id}/image"
                 if is_image_task(project.task_type) else None)
    return {"id": item.id, "external_id": item.external_id, "data": item.data,
            "image_url": image_url, "lease_expires_at": expires_at, "why": why}
