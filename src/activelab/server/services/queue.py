"""The active queue: leasing the most informative open item, labels, skips, undo, and
reopening any of an annotator's answers.

Exclusivity.  An item may be held (leased or labelled) by at most
``project.overlap`` annotators.  Every lease is created while holding a write
lock that covers the item: on SQLite the whole transaction runs under
``BEGIN IMMEDIATE``; on PostgreSQL the candidate item row is locked with
``SELECT ... FOR UPDATE SKIP LOCKED`` and its eligibility re-checked in a new
statement (which sees every lease committed before the lock was granted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Row,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from ...exceptions import UnknownLabelError
from ..db import is_postgres, write_block
from ..errors import ConflictError, NotFoundError
from ..models import Item, Label, Lease, ModelSnapshot, Project, utcnow
from ..strict_json import repaired
from .adaptive_overlap import decide_item
from .box_actions import check_box_actions
from .task_types import answer_space
from .tasks import is_image_task, validate_label_value

__all__ = ["lease_next", "heartbeat", "record_label", "undo_last", "served_item",
           "eligible_items_query", "RecordedLabel", "reopen_label", "fixed_overlap",
           "finished_clause"]

#: Queue order: most informative first (random order before the first model).
_ORDER = (Item.priority.desc().nulls_last(), Item.random_key, Item.id)


def _open_clause() -> ColumnElement[bool]:
    """Items that still need an annotator and that ``user_id`` has not labelled (a NULL
    ``user_id`` has labelled nothing); bound parameters project_id, overlap, fixed (False
    under adaptive overlap: an item also stops at its ``labels_wanted``), user_id, now."""
    active_leases = (select(func.count()).select_from(Lease)
                     .where(Lease.item_id == Item.id, Lease.expires_at > bindparam("now"))
                     .scalar_subquery())
    return and_(Item.project_id == bindparam("project_id"),
                Item.is_gold.is_(False),  # gold items are served apart (_GOLD_PICK)
                Item.n_labels + active_leases < bindparam("overlap"),
                or_(bindparam("fixed", type_=Boolean),
                    Item.n_labels + active_leases < Item.labels_wanted),
                ~exists().where(Label.item_id == Item.id, Label.user_id == bindparam("user_id"),
                                Label.undone.is_(False)))


def finished_clause() -> ColumnElement[bool]:
    """Items with all the labels they get: ``overlap`` of them, or under adaptive overlap
    (bound parameter ``fixed`` False) as many as they want, at least one."""
    return or_(Item.n_labels >= bindparam("overlap"),
               and_(~bindparam("fixed", type_=Boolean), Item.n_labels > 0,
                    Item.n_labels >= Item.labels_wanted))


# Prebuilt: building these expressions on every /next cost more CPU than running them.
_OPEN = _open_clause()
_PICK = select(Item.id).where(_OPEN).order_by(*_ORDER).limit(1)
_PICK_SKIP_LOCKED = _PICK.with_for_update(of=Item, skip_locked=True)
_PICK_WAIT = _PICK.with_for_update(of=Item)
_RECHECK = select(Item.id).where(_OPEN, Item.id == bindparam("item_id"))
#: Gold questions go to every annotator once, whatever the overlap; no lock needed.
_GOLD_PICK = select(Item.id).where(
    Item.project_id == bindparam("project_id"), Item.is_gold.is_(True),
    ~exists().where(Label.item_id == Item.id, Label.user_id == bindparam("user_id"),
                    Label.undone.is_(False))).order_by(Item.random_key, Item.id).limit(1)
#: The caller's answers (labels and skips) in the project: on gold items, and all.
_MY_ANSWERS = select(
    func.count().filter(Item.is_gold.is_(True)), func.count()).select_from(Label).join(
    Item, Item.id == Label.item_id).where(Label.project_id == bindparam("project_id"),
                                          Label.user_id == bindparam("user_id"),
                                          Label.undone.is_(False))
_MY_LEASE = select(Lease.id, Lease.item_id, Lease.expires_at).where(
    Lease.project_id == bindparam("project_id"), Lease.user_id == bindparam("user_id"))
_EXPIRED = delete(Lease).where(Lease.project_id == bindparam("project_id"),
                               Lease.expires_at <= bindparam("now"))
_ANY_EXPIRED = select(Lease.id).where(Lease.project_id == bindparam("project_id"),
                                      Lease.expires_at <= bindparam("now")).limit(1)
_EXTEND = update(Lease).where(Lease.id == bindparam("lease_id")).values(
    expires_at=bindparam("expires"))
_DROP_LEASE = delete(Lease).where(Lease.id == bindparam("lease_id"))
_NEW_LEASE = insert(Lease)  # parameters named after the columns
#: What the strategy did at the retrain that scored an item (``auto``: random or not).
_STRATEGY_NOTE = select(ModelSnapshot.strategy_note).where(
    ModelSnapshot.project_id == Item.project_id,
    ModelSnapshot.version == Item.model_version).limit(1).scalar_subquery()
#: What an annotator is shown of an item (``served_item``); the image is fetched apart.
_SERVED = select(Item.id, Item.external_id, Item.data, Item.priority, Item.score,
                 Item.predicted, Item.predicted_proba, Item.model_version,
                 _STRATEGY_NOTE.label("strategy_note")).where(
    Item.id == bindparam("item_id"))
_LOCK_ITEM = select(Item.id).where(Item.id == bindparam("item_id")).with_for_update()
_HELD = select(Lease.id).where(Lease.project_id == bindparam("project_id"),
                               Lease.user_id == bindparam("user_id"),
                               Lease.item_id == bindparam("item_id"))
_NEW_LABEL = insert(Label)
_COUNT_LABEL = update(Item).where(Item.id == bindparam("item_id")).values(
    n_labels=Item.n_labels + 1)
_HEARTBEAT = update(Lease).where(  # an UPDATE's parameters may not be named after columns
    Lease.project_id == bindparam("b_project_id"), Lease.user_id == bindparam("b_user_id"),
    Lease.item_id == bindparam("b_item_id")).values(
    expires_at=bindparam("expires")).returning(Lease.id)


def eligible_items_query(project: Project, user_id: int | None, now: Any,
                         limit: int) -> Select[Item]:
    """Open items, most informative first (random order before the first model); with
    ``user_id``, only those that user can take."""
    return select(Item).where(_OPEN).order_by(*_ORDER).limit(limit).params(
        project_id=project.id, overlap=project.overlap, fixed=fixed_overlap(project),
        user_id=user_id, now=now)


def fixed_overlap(project: Any) -> bool:
    """True unless the project's overlap is adaptive (:mod:`.adaptive_overlap`)."""
    return getattr(project, "overlap_policy", "fixed") != "adaptive"


def _lock_item(conn: Connection, item_id: int) -> None:
    """PostgreSQL: lock the item row (SQLite's ``BEGIN IMMEDIATE`` locks everything)."""
    if is_postgres(conn):
        conn.execute(_LOCK_ITEM, {"item_id": item_id})


class _Retry:
    """Sentinel: start the lease transaction again, waiting for a locked item."""


_RETRY = _Retry()


def _pick(conn: Connection, params: dict[str, Any], wait: bool) -> int | None | _Retry:
    """The best open item for the caller, locked; None when nothing is open.

    PostgreSQL: candidates are locked with ``SKIP LOCKED`` and re-checked after
    the lock (a new statement sees every lease committed before it).  When
    every open item is locked at that moment (another annotator is taking it,
    with ``overlap > 1`` it may still have room), the caller retries with
    ``wait=True``: a fresh transaction that holds no other lock waits for the
    best candidate instead of answering "nothing left".
    """
    # Read in ix_items_rank order: the scan stops at the first open item instead of
    # sorting the whole project (migration 0002).
    if not is_postgres(conn):
        return conn.scalar(_PICK, params)  # BEGIN IMMEDIATE: nobody else writes meanwhile
    if wait:
        item_id = conn.scalar(_PICK_WAIT, params)
        if item_id is None or conn.scalar(_RECHECK, {**params, "item_id": item_id}) \
                is not None:
            return item_id
        return _RETRY
    tried: list[int] = []
    while True:  # ends: every round either returns or excludes one more item
        candidates = _PICK.where(Item.id.not_in(tried)).with_for_update(
            of=Item, skip_locked=True) if tried else _PICK_SKIP_LOCKED
        item_id = conn.scalar(candidates, params)
        if item_id is None:
            return _RETRY if conn.scalar(_PICK, params) is not None else None
        if conn.scalar(_RECHECK, {**params, "item_id": item_id}) is not None:
            return item_id
        # Taken by a transaction that committed between our snapshot and our lock.
        tried.append(item_id)


def _reclaim_expired(conn: Connection, project_id: int, now: Any) -> None:
    """Delete the project's leases expired at ``now`` (in a short transaction of its own).

    Kept apart from the leasing transaction so that on PostgreSQL no lease
    row lock is held while waiting for an item lock.  Leases expiring after
    ``now`` still count as held for the rest of this ``/next`` call.
    """
    params = {"project_id": project_id, "now": now}
    if conn.scalar(_ANY_EXPIRED, params) is None:
        return
    with write_block(conn):
        conn.execute(_EXPIRED, params)


def lease_next(conn: Connection, project: Any, user_id: int,
               lease_seconds: int) -> tuple[Row[Any], Any] | None:
    """Lease the best open item to the caller; ``(item, expires_at)`` or None when done.

    ``project`` needs ``id`` and ``overlap``; ``item`` has the columns
    :func:`served_item` shows.  A user holds at most one lease per project:
    while it is alive, asking again returns the same item (with its lease
    extended).  Runs on the caller's connection, in transactions of its own.
    """
    now = utcnow()
    if is_postgres(conn):
        _reclaim_expired(conn, project.id, now)  # SQLite: inside the lease transaction
    try:
        return _lease_next(conn, project, user_id, lease_seconds, now)
    except IntegrityError:
        # Two concurrent requests of the same user both created a lease (PostgreSQL);
        # the loser retries and finds the winner's lease.
        return _lease_next(conn, project, user_id, lease_seconds, now)


def _lease_next(conn: Connection, project: Any, user_id: int, lease_seconds: int,
                now: Any) -> tuple[Row[Any], Any] | None:
    params = {"project_id": project.id, "overlap": project.overlap,
              "fixed": fixed_overlap(project), "user_id": user_id, "now": now}
    wait = False
    while True:
        with write_block(conn):
            if not is_postgres(conn):  # we hold the database's write lock already
                conn.execute(_EXPIRED, params)
            expires = utcnow() + timedelta(seconds=lease_seconds)
            mine = conn.execute(_MY_LEASE, params).one_or_none()
            if mine is not None and mine.expires_at > now:
                conn.execute(_EXTEND, {"lease_id": mine.id, "expires": expires})
                return _served_row(conn, mine.item_id), expires
            if mine is not None:  # expired after the reclaim started
                conn.execute(_DROP_LEASE, {"lease_id": mine.id})
            picked = _gold_due(conn, project, params) or _pick(conn, params, wait)
            if isinstance(picked, _Retry):
                conn.rollback()  # release every lock before waiting
                wait = True
                continue
            if picked is None:
                return None
            conn.execute(_NEW_LEASE, {"project_id": project.id, "item_id": picked,
                                      "user_id": user_id, "created_at": now,
                                      "expires_at": expires})
            return _served_row(conn, picked), expires


def _gold_due(conn: Connection, project: Any, params: dict[str, Any]) -> int | None:
    """A gold item the caller has not answered, when gold is short of the project's rate.

    Deterministic: the caller's next item is gold when, with it, their gold answers
    are still at most ``gold_rate`` of their answers (rate 0.2: every fifth item).
    Only while the regular queue still has an item for them: gold never outlasts
    the work.
    """
    rate = getattr(project, "gold_rate", 0.0) or 0.0
    if rate <= 0:
        return None
    gold, total = conn.execute(_MY_ANSWERS, params).one()
    if gold + 1 > rate * (total + 1) + 1e-9 or conn.scalar(_PICK, params) is None:
        return None
    return conn.scalar(_GOLD_PICK, params)


def _served_row(conn: Connection, item_id: int) -> Row[Any]:
    item = conn.execute(_SERVED, {"item_id": item_id}).one_or_none()
    if item is None:  # a lease row keeps its item (foreign key), so this is a bug
        raise NotFoundError(f"item {item_id} no longer exists")
    return item


def heartbeat(conn: Connection, project_id: int, user_id: int, item_id: int,
              lease_seconds: int) -> Any:
    """Extend the caller's lease on ``item_id``; ConflictError when it is not theirs."""
    with write_block(conn):
        expires = utcnow() + timedelta(seconds=lease_seconds)
        extended = conn.scalar(_HEARTBEAT, {"b_project_id": project_id, "b_user_id": user_id,
                                            "b_item_id": item_id, "expires": expires})
        if extended is None:
            raise ConflictError(f"item {item_id} is not leased to you; ask /next for an item")
        return expires


@dataclass(frozen=True)
class RecordedLabel:
    """A label or skip as stored (what ``POST /labels`` answers)."""

    id: int
    item_id: int
    value: Any
    is_skip: bool
    created_at: Any


def record_label(conn: Connection, project: Any, user_id: int, item_id: int,
                 value: Any, skip: bool, box_actions: Any = None) -> RecordedLabel:
    """Store a label (or a skip) for an item leased to the caller; committed on return.

    ``project`` needs ``id``, ``task_type`` and ``labels``.  ``box_actions``
    (image regions) records what was done with the model's proposed boxes
    (:mod:`.box_actions`).  The lease must
    still exist: an expired lease is honoured until another ``/next`` call
    reclaims it.  Nothing is written when the value is invalid.

    Raises
    ------
    UnknownLabelError
        The value is not in the project's label set (HTTP 422).
    ConflictError
        The item is not leased to the caller, or no longer exists (HTTP 409).
    """
    if skip:
        if value is not None:
            raise UnknownLabelError("a skip carries no value")
    else:
        if value is None:
            raise UnknownLabelError("give a label value, or skip=true")
        value = validate_label_value(project.task_type, project.labels, value,
                                     answer_space(project))
    actions = None if skip else check_box_actions(project.task_type, project.labels, value,
                                                  box_actions)
    params = {"project_id": project.id, "user_id": user_id, "item_id": item_id}
    with write_block(conn):
        _lock_item(conn, item_id)
        lease_id = conn.scalar(_HELD, params)
        if lease_id is None:
            raise ConflictError(f"item {item_id} is not leased to you (the lease expired and "
                                "was given away, it was never yours, or the item was "
                                "deleted); ask /next for an item")
        conn.execute(_DROP_LEASE, {"lease_id": lease_id})
        now = utcnow()
        stored = None if skip else value
        row = {**params, "value": stored, "is_skip": skip, "undone": False, "created_at": now}
        if actions is not None:
            row["box_actions"] = actions
        inserted = conn.execute(_NEW_LABEL, row).inserted_primary_key
        assert inserted is not None  # an INSERT always has a primary key
        label_id = inserted[0]
        if not skip:
            conn.execute(_COUNT_LABEL, params)
            if not fixed_overlap(project):
                decide_item(conn, project, item_id)
        return RecordedLabel(id=label_id, item_id=item_id, value=stored, is_skip=skip,
                             created_at=now)


_LAST_LABEL = (select(Label.id, Label.item_id, Label.value, Label.is_skip)
               .where(Label.project_id == bindparam("project_id"),
                      Label.user_id == bindparam("user_id"), Label.undone.is_(False))
               .order_by(Label.id.desc()).limit(1))
_MARK_UNDONE = update(Label).where(Label.id == bindparam("label_id")).values(
    undone=True, undone_at=bindparam("now"))
_UNCOUNT_LABEL = update(Item).where(Item.id == bindparam("item_id")).values(
    n_labels=Item.n_labels - 1)
_DROP_MY_LEASES = delete(Lease).where(Lease.project_id == bindparam("project_id"),
                                      Lease.user_id == bindparam("user_id"))


def undo_last(conn: Connection, project: Any, user_id: int,
              lease_seconds: int) -> tuple[Row[Any], Row[Any], Any]:
    """Undo the caller's latest label or skip; the item is leased back to them.

    Returns the undone label (``value``, ``is_skip``), the item as
    :func:`served_item` shows it and the new lease expiry.  Raises
    NotFoundError when the caller has nothing left to undo in this project.
    """
    params = {"project_id": project.id, "user_id": user_id}
    with write_block(conn):
        label = conn.execute(_LAST_LABEL, params).one_or_none()
        if label is None:
            raise NotFoundError("nothing to undo: you have no labels in this project")
        return label, *_take_back(conn, params, label, lease_seconds)


def _take_back(conn: Connection, params: dict[str, Any], label: Row[Any],
               lease_seconds: int) -> tuple[Row[Any], Any]:
    """Mark ``label`` undone and lease its item to its author (inside their write block).

    The author's other lease in the project, if any, is dropped: that item goes
    back to the queue.  Returns the served item row and the new lease expiry.
    """
    _lock_item(conn, label.item_id)
    now = utcnow()
    conn.execute(_MARK_UNDONE, {"label_id": label.id, "now": now})
    if not label.is_skip:
        conn.execute(_UNCOUNT_LABEL, {"item_id": label.item_id})
    conn.execute(_DROP_MY_LEASES, params)
    expires = now + timedelta(seconds=lease_seconds)
    conn.execute(_NEW_LEASE, {**params, "item_id": label.item_id, "created_at": now,
                              "expires_at": expires})
    return _served_row(conn, label.item_id), expires


_ONE_LABEL = (select(Label.id, Label.item_id, Label.value, Label.is_skip)
              .where(Label.id == bindparam("label_id"),
                     Label.project_id == bindparam("project_id"),
                     Label.user_id == bindparam("user_id"), Label.undone.is_(False)))
def reopen_label(conn: Connection, project: Any, user_id: int, label_id: int,
                 lease_seconds: int) -> tuple[Row[Any], Row[Any], Any]:
    """Undo one of the caller's labels (any, not only the latest); its item is leased back.

    Returns what :func:`undo_last` returns.  Raises NotFoundError when the
    label is not the caller's, not in this project, or undone already.
    """
    params = {"project_id": project.id, "user_id": user_id}
    with write_block(conn):
        label = conn.execute(_ONE_LABEL, {**params, "label_id": label_id}).one_or_none()
        if label is None:
            raise NotFoundError(f"you have no label {label_id} to reopen in this project")
        return label, *_take_back(conn, params, label, lease_seconds)


def served_item(item: Item | Row[Any], project: Project | Row[Any],
                expires_at: Any) -> dict[str, Any]:
    """An item as the annotator sees it, with why it was chosen."""
    # Unranked items (before the first model, imported since, or past the depth a
    # ranking-only strategy orders) are served in random order, and say so.
    ranked = item.priority is not None
    why: dict[str, Any] = {
        "strategy": project.strategy_name if ranked else "random",
        "strategy_note": getattr(item, "strategy_note", None) if ranked else None,
        "score": item.score,
        "guess": item.predicted,
        "probability": item.predicted_proba,
        "model_version": item.model_version,
    }
    if isinstance(item.predicted, dict):  # a guess of several fields (regression: an interval)
        why.update(item.predicted)
    image_url = (f"/api/projects/{project.id}/items/{item.id}/image"
                 if is_image_task(project.task_type) else None)
    # repaired: text stored before imports refused lone surrogates must still be
    # servable, or the annotator would be stuck on the item until its lease expires.
    return {"id": item.id, "external_id": repaired(item.external_id),
            "data": repaired(item.data),
            "image_url": image_url, "lease_expires_at": expires_at, "why": why}
