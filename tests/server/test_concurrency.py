"""Many annotators at once: no item leased to two of them, no acknowledged label lost.

The server runs as a subprocess with its retraining worker on (priorities change
under the annotators' feet); each annotator is a thread with its own user and
token, labelling (and sometimes skipping) in a project with overlap 1.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from server_helpers import ServerProcess, make_users, upload
from sqlalchemy import create_engine, select

from activelab.server.models import Label


@dataclass
class Record:
    """What one annotator saw: held intervals per item, acknowledged labels, failures."""

    holds: list[tuple[int, float, float]] = field(default_factory=list)
    acked: list[tuple[int, int, str | None, bool]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _annotator(server: ServerProcess, token: str, project_id: int, stop: float, seed: int,
               record: Record) -> None:
    rng = random.Random(seed)
    with server.client(token) as client:
        while time.monotonic() < stop:
            served = client.get(f"/api/projects/{project_id}/next")
            got = time.monotonic()  # the lease is certainly ours from here...
            if served.status_code != 200:
                record.failures.append(f"/next {served.status_code}: {served.text[:200]}")
                continue
            item = served.json()["item"]
            if item is None:
                return
            skip = rng.random() < 0.1
            value = None if skip else rng.choice(["pos", "neg"])
            sent = time.monotonic()  # ...until here (it ends when the label commits)
            response = client.post(f"/api/projects/{project_id}/labels",
                                   json={"item_id": item["id"], "value": value, "skip": skip})
            record.holds.append((item["id"], got, sent))
            if response.status_code != 201:
                record.failures.append(f"/labels {response.status_code}: {response.text[:200]}")
                continue
            record.acked.append((response.json()["id"], item["id"], value, skip))


def _run(db_url: str, n_clients: int, seconds: float, n_items: int, workers: int = 1) -> None:
    names = [f"ann{i:02d}" for i in range(n_clients)]
    users = make_users(db_url, names)
    server = ServerProcess(db_url, workers, retrain_every_labels=50,
                           worker_poll_seconds=0.5).start(timeout=600)
    records = {name: Record() for name in names}
    try:
        with server.client(users["boss"][1]) as admin:
            project = admin.post("/api/projects", json={
                "name": "crowd", "task_type": "tabular_classification", "labels": ["pos", "neg"],
                "overlap": 1, "members": [users[n][0] for n in names]}).json()
            rng = random.Random(0)
            rows = "".join(json.dumps({"id": i, "x": rng.random(), "y": rng.random()}) + "\n"
                           for i in range(n_items))
            assert upload(admin, project["id"], "x.jsonl", rows).json()["inserted"] == n_items
        stop = time.monotonic() + seconds
        threads = [threading.Thread(target=_annotator, args=(server, users[n][1], project["id"],
                                                             stop, i, records[n]))
                   for i, n in enumerate(names)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 120)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        server.stop()

    failures = [f for r in records.values() for f in r.failures]
    assert failures == []
    user_of = {name: users[name][0] for name in names}
    acked = {label_id: (user_of[name], item_id, value, skip)
             for name, r in records.items() for label_id, item_id, value, skip in r.acked}
    assert len(acked) >= n_clients  # everyone got work done

    # No two annotators ever held the same item at the same time.
    holds: dict[int, list[tuple[float, float, str]]] = defaultdict(list)
    for name, r in records.items():
        for item_id, start, end in r.holds:
            holds[item_id].append((start, end, name))
    for item_id, intervals in holds.items():
        intervals.sort()
        latest_end, holder = intervals[0][1], intervals[0][2]
        for start, end, name in intervals[1:]:
            assert name == holder or start >= latest_end, \
                f"item {item_id} was held by {holder} and {name} at once"
            if end > latest_end:
                latest_end, holder = end, name

    engine = create_engine(db_url)
    try:
        with engine.connect() as db:
            rows = {row.id: (row.user_id, row.item_id, row.value, row.is_skip)
                    for row in db.execute(select(Label))}
    finally:
        engine.dispose()
    # Every acknowledged label is stored exactly once, as sent; nothing else is stored.
    assert rows == acked
    # Overlap 1: no item carries labels (other than skips) from two annotators.
    labelled_by: dict[int, set[int]] = defaultdict(set)
    for user_id, item_id, _value, skip in rows.values():
        if not skip:
            labelled_by[item_id].add(user_id)
    assert all(len(who) == 1 for who in labelled_by.values())
    n_labels = sum(1 for *_, skip in rows.values() if not skip)
    assert n_labels == len(labelled_by)


def test_eight_annotators_for_ten_seconds(db_url):
    _run(db_url, n_clients=8, seconds=10, n_items=3000)


@pytest.mark.slow
@pytest.mark.timeout(900)  # two minutes of load after importing 20,000 items
def test_thirty_two_annotators_for_two_minutes(db_url):
    _run(db_url, n_clients=32, seconds=120, n_items=20000)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_four_api_processes_and_thirty_two_annotators(postgres_url):
    """``activelab serve --workers 4`` on one PostgreSQL database."""
    _run(postgres_url, n_clients=32, seconds=20, n_items=3000, workers=4)
