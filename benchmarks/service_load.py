"""The load every service scenario shares: annotators, reviewers, back-to-back retrains,
and the ledger that checks the database against what each client was told.

An annotator loops ``GET /next`` -> answer -> ``POST /labels`` -> ``GET /api/auth/me``
(the baseline: a trivial authenticated read, timed under the same load) -> a pause.
It notes when it held each item and every label the server acknowledged, so that
:func:`check_labels` can show afterwards that no item was held by more annotators
than the overlap allows and that every acknowledged label is stored as sent.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np

#: What an annotator answers for a served item (its JSON): the value to send.
Answer = Callable[[dict[str, Any]], Any]
TARGET_MS = 30.0


@dataclass
class Ledger:
    """What the clients of one run saw: latencies, holds, acknowledged labels, failures."""

    next_ms: list[float] = field(default_factory=list)
    baseline_ms: list[float] = field(default_factory=list)
    #: (user id, item id, held from, held until, labelled)
    holds: list[tuple[int, int, float, float, bool]] = field(default_factory=list)
    #: label id -> (user id, item id, value as acknowledged)
    acked: dict[int, tuple[int, int, Any]] = field(default_factory=dict)
    #: review label id -> (item id, value, overridden)
    reviews: dict[int, tuple[int, Any, bool]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def pct(self, values: list[float], q: float) -> float:
        return float(np.percentile(values, q)) if values else float("nan")


@dataclass
class Team:
    """Users of a benchmark database: an admin token, annotators and reviewers (id, token)."""

    admin_token: str
    annotators: list[tuple[int, str]]
    reviewers: list[tuple[int, str]]


def make_team(db_url: str, n_annotators: int, n_reviewers: int = 0) -> Team:
    """Migrate the database and create an admin, annotators and reviewers with API tokens."""
    from activelab.server import Settings
    from activelab.server.db import (
        make_engine,
        make_session_factory,
        upgrade_database,
        write_transaction,
    )
    from activelab.server.models import Role, User
    from activelab.server.security import hash_password
    from activelab.server.services.users import create_token

    engine = make_engine(Settings(db_url=db_url))
    upgrade_database(engine)
    factory = make_session_factory(engine)
    password_hash = hash_password(uuid.uuid4().hex)
    roles = [Role.admin] + [Role.annotator] * n_annotators + [Role.reviewer] * n_reviewers
    users = []
    with write_transaction(factory) as session:
        for i, role in enumerate(roles):
            user = User(username=f"bench-{role.value}-{i}", password_hash=password_hash,
                        role=role.value, is_active=True)
            session.add(user)
            session.flush()
            users.append((user.id, create_token(session, user, "bench")[1]))
    engine.dispose()
    return Team(users[0][1], users[1:n_annotators + 1], users[n_annotators + 1:])


def client(url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=120, headers={"Authorization": f"Bearer {token}"})


def _going(stop: float, done: int, at_least: int) -> bool:
    """Until ``stop``, and on (for at most a minute) until ``at_least`` are done."""
    now = time.perf_counter()
    return now < stop or (done < at_least and now < stop + 60)


def annotate(url: str, user: tuple[int, str], project_id: int, answer: Answer, stop: float,
             measure_from: float, think_s: float, seed: int, ledger: Ledger,
             client_nice: int = 0, at_least: int = 0) -> None:
    """One annotator until ``stop`` and ``at_least`` labels; requests before
    ``measure_from`` are not timed."""
    if client_nice:  # Linux: applies to the calling thread only
        os.nice(client_nice)
    user_id, token = user
    rng = random.Random(seed)
    next_ms, baseline_ms, holds, acked, failures = [], [], [], {}, []
    with client(url, token) as http:
        while _going(stop, len(acked), at_least):
            start = time.perf_counter()
            served = http.get(f"/api/projects/{project_id}/next")
            got = time.perf_counter()
            if served.status_code != 200:
                failures.append(f"/next {served.status_code}: {served.text[:200]}")
                time.sleep(0.5)
                continue
            item = served.json()["item"]
            if item is None:  # nothing left for this annotator
                break
            if start >= measure_from:
                next_ms.append((got - start) * 1000)
            sent = time.perf_counter()
            response = http.post(f"/api/projects/{project_id}/labels",
                                 json={"item_id": item["id"], "value": answer(item)})
            holds.append((user_id, item["id"], got, sent, response.status_code == 201))
            if response.status_code == 201:
                saved = response.json()
                acked[saved["id"]] = (user_id, saved["item_id"], saved["value"])
            else:
                failures.append(f"/labels {response.status_code}: {response.text[:200]}")
            start = time.perf_counter()
            me = http.get("/api/auth/me")
            if start >= measure_from and me.status_code == 200:
                baseline_ms.append((time.perf_counter() - start) * 1000)
            if think_s:
                time.sleep(min(think_s * rng.uniform(0.5, 1.5),
                               max(stop - time.perf_counter(), 0.0)))
    with ledger.lock:
        ledger.next_ms += next_ms
        ledger.baseline_ms += baseline_ms
        ledger.holds += holds
        ledger.acked.update(acked)
        ledger.failures += failures


def review(url: str, reviewer: tuple[int, str], project_id: int, labels: list[str],
           stop: float, think_s: float, seed: int, ledger: Ledger, at_least: int = 0) -> None:
    """One reviewer: takes one of the most doubtful items, accepts it or overrides it."""
    rng = random.Random(seed)
    reviews, failures = {}, []
    with client(url, reviewer[1]) as http:
        while _going(stop, len(reviews), at_least):
            queue = http.get(f"/api/projects/{project_id}/review", params={"limit": 10})
            if queue.status_code != 200:
                failures.append(f"/review {queue.status_code}: {queue.text[:200]}")
                time.sleep(0.5)
                continue
            rows = queue.json()["items"]
            if not rows:
                time.sleep(0.5)
                continue
            row = rng.choice(rows)
            others = [label for label in labels if label != row["label"]]
            body = {"value": rng.choice(others)} if rng.random() < 0.5 else None
            decided = http.post(f"/api/projects/{project_id}/review/{row['item_id']}",
                                json=body)
            if decided.status_code == 200:
                result = decided.json()
                reviews[result["label_id"]] = (result["item_id"], result["value"],
                                               result["overridden"])
            else:
                failures.append(f"/review/{row['item_id']} {decided.status_code}: "
                                f"{decided.text[:200]}")
            if think_s:
                time.sleep(min(think_s * rng.uniform(0.5, 1.5),
                               max(stop - time.perf_counter(), 0.0)))
    with ledger.lock:
        ledger.reviews.update(reviews)
        ledger.failures += failures


class Retrainer:
    """Forces retrains of one project back to back while the clients work.

    A retrain is forced at the start and again as soon as a new snapshot
    appears, or when the worker has been idle for two seconds since the last
    request (a retrain that failed, for instance with one class labelled so far).
    """

    def __init__(self, url: str, db_url: str, admin_token: str, project_id: int) -> None:
        self.url, self.db_url, self.project_id = url, db_url, project_id
        self.admin_token = admin_token
        self.retrains = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Retrainer:
        self._wait_for_worker()
        self._thread.start()
        return self

    def _wait_for_worker(self, timeout: float = 300) -> None:
        """Until the worker has reported once: a busy machine starts it slowly."""
        from sqlalchemy import create_engine, select

        from activelab.server.models import WorkerStatus

        engine = create_engine(self.db_url)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                with engine.connect() as db:
                    if any(beat is not None for beat in db.scalars(select(WorkerStatus.beat_at))):
                        return
                time.sleep(0.2)
        finally:
            engine.dispose()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)

    def _run(self) -> None:
        from sqlalchemy import create_engine, func, select

        from activelab.server.models import ModelSnapshot, WorkerStatus

        engine = create_engine(self.db_url)
        count = (select(func.count()).select_from(ModelSnapshot)
                 .where(ModelSnapshot.project_id == self.project_id))
        busy = select(WorkerStatus.busy_project_id)
        try:
            with client(self.url, self.admin_token) as admin:
                with engine.connect() as db:
                    first = seen = int(db.scalar(count))
                forced = 0.0
                while not self._stop.is_set():
                    with engine.connect() as db:
                        now = int(db.scalar(count))
                        working = any(row is not None for row in db.scalars(busy))
                    if now > seen or (not working and time.monotonic() - forced > 2):
                        seen = now
                        admin.post(f"/api/projects/{self.project_id}/retrain")
                        forced = time.monotonic()
                    self.retrains = now - first
                    self._stop.wait(0.1)
        finally:
            engine.dispose()


def run_load(url: str, db_url: str, team: Team, project_id: int, answer: Answer,
             duration: float, warmup: float, think_s: float, client_nice: int = 0,
             n_annotators: int | None = None, review_labels: list[str] | None = None,
             background: Callable[[float], None] | None = None,
             at_least: int = 0) -> tuple[Ledger, int]:
    """Annotators (and reviewers, given the labels they may choose) with retrains running.

    ``background(stop)`` runs in a thread of its own alongside (a stream feeder).
    Each client carries on after ``duration`` until it has ``at_least`` answers (the
    tests' small runs on a busy machine).
    Returns the ledger and the number of retrains that finished during the run.
    """
    ledger = Ledger()
    start = time.perf_counter()
    stop = start + warmup + duration
    annotators = team.annotators[:n_annotators]
    threads = [threading.Thread(target=annotate, args=(
        url, user, project_id, answer, stop, start + warmup, think_s, i, ledger, client_nice,
        at_least))
        for i, user in enumerate(annotators)]
    if review_labels is not None:
        threads += [threading.Thread(target=review, args=(
            url, user, project_id, review_labels, stop, think_s, 1000 + i, ledger, at_least))
            for i, user in enumerate(team.reviewers)]
    if background is not None:
        threads.append(threading.Thread(target=background, args=(stop,)))
    with Retrainer(url, db_url, team.admin_token, project_id) as retrainer:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return ledger, retrainer.retrains


def double_leases(ledger: Ledger, overlap: int) -> list[str]:
    """Items held by more annotators at once than ``overlap`` allows.

    An annotator holds an item from the ``/next`` answer until it sends the
    label, and for good once the label is stored; an annotator served an item
    it had already labelled counts as well.
    """
    by_item: dict[int, list[tuple[float, float, int]]] = defaultdict(list)
    for user_id, item_id, got, sent, labelled in ledger.holds:
        by_item[item_id].append((got, float("inf") if labelled else sent, user_id))
    problems = []
    for item_id, intervals in by_item.items():
        intervals.sort()
        for k, (start, _, user_id) in enumerate(intervals):
            holders = {u for s, end, u in intervals[:k] if end > start}
            if user_id in holders:
                problems.append(f"item {item_id} served again to user {user_id}")
            elif len(holders) >= overlap:
                problems.append(f"item {item_id} held by {len(holders) + 1} annotators "
                                f"at once (overlap {overlap})")
    return problems


def check_labels(db_url: str, project_id: int, ledger: Ledger) -> dict[str, list[str]]:
    """Compare the database with what the clients were told: lost or changed labels and
    review decisions, labels nobody was told about, and the item's current review."""
    from sqlalchemy import create_engine, select

    from activelab.server.models import Label, LabelSource

    engine = create_engine(db_url)
    try:
        with engine.connect() as db:
            rows = db.execute(select(Label.id, Label.user_id, Label.item_id, Label.value,
                                     Label.source, Label.undone)
                              .where(Label.project_id == project_id,
                                     Label.source.in_([LabelSource.annotator.value,
                                                       LabelSource.review.value]))).all()
    finally:
        engine.dispose()
    labels = {r.id: (r.user_id, r.item_id, r.value) for r in rows
              if r.source == LabelSource.annotator.value}
    reviews = {r.id: (r.item_id, r.value, r.undone) for r in rows
               if r.source == LabelSource.review.value}
    lost = [f"label {i} {told} stored as {labels.get(i)}" for i, told in ledger.acked.items()
            if labels.get(i) != told]
    unknown = [f"label {i} {row} was never acknowledged" for i, row in labels.items()
               if i not in ledger.acked]
    lost_reviews = [f"review {i} {told[:2]} stored as {reviews.get(i)}"
                    for i, told in ledger.reviews.items()
                    if i not in reviews or reviews[i][:2] != told[:2]]
    last_told: dict[int, int] = {}
    for label_id, (item_id, _, _) in ledger.reviews.items():
        last_told[item_id] = max(label_id, last_told.get(item_id, 0))
    current = {item_id: i for i, (item_id, _, undone) in reviews.items() if not undone}
    not_current = [f"item {item_id}: the current decision is {current.get(item_id)}, "
                   f"the last one acknowledged {label_id}"
                   for item_id, label_id in last_told.items() if current.get(item_id) != label_id]
    return {"lost labels": lost, "unacknowledged labels": unknown,
            "lost reviews": lost_reviews, "overridden decisions not current": not_current}
