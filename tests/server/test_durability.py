"""A label acknowledged with 2xx survives ``kill -9`` of the server (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import threading

from server_helpers import ServerProcess, make_users, upload
from sqlalchemy import create_engine, func, select

from activelab.server.models import Item, Label, Lease

N_ITEMS = 60
N_ANNOTATORS = 3
KILLS = 2
ACKS_BEFORE_KILL = 6


def _label_until_killed(server: ServerProcess, token: str, project_id: int,
                        acked: list[tuple[int, int, str]], lock: threading.Lock,
                        kill_at: int) -> None:
    """Label items until the server dies; the ``kill_at``-th acknowledgement kills it."""
    with server.client(token) as client:
        while True:
            try:
                served = client.get(f"/api/projects/{project_id}/next")
                item = served.json()["item"]
                if item is None:
                    return
                value = "pos" if item["id"] % 2 else "neg"
                response = client.post(f"/api/projects/{project_id}/labels",
                                       json={"item_id": item["id"], "value": value})
            except Exception:  # the server is gone (connection refused / reset)
                return
            if response.status_code != 201:
                return
            with lock:
                acked.append((response.json()["id"], item["id"], value))
                if len(acked) == kill_at:
                    server.kill()  # right after the 2xx, with other requests in flight
                    return


def test_acknowledged_labels_survive_sigkill(db_url):
    names = [f"ann{i}" for i in range(N_ANNOTATORS)]
    users = make_users(db_url, names)
    server = ServerProcess(db_url, worker_enabled="false").start()
    acked: list[tuple[int, int, str]] = []
    lock = threading.Lock()
    try:
        with server.client(users["boss"][1]) as admin:
            project = admin.post("/api/projects", json={
                "name": "durable", "task_type": "text_classification",
                "labels": ["pos", "neg"], "members": [users[n][0] for n in names],
            }).json()
            rows = "".join(json.dumps({"id": i, "text": f"item {i}"}) + "\n"
                           for i in range(N_ITEMS))
            assert upload(admin, project["id"], "x.jsonl", rows).json()["inserted"] == N_ITEMS
        for cycle in range(KILLS):
            kill_at = len(acked) + ACKS_BEFORE_KILL
            threads = [threading.Thread(target=_label_until_killed,
                                        args=(server, users[n][1], project["id"], acked,
                                              lock, kill_at)) for n in names]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert server.process is not None and server.process.returncode == -9, \
                f"cycle {cycle}: the server was not killed"
            server.start()  # same database, new process
        with server.client(users[names[0]][1]) as client:  # the restarted server works
            assert client.get(f"/api/projects/{project['id']}/next").status_code == 200
    finally:
        server.stop()

    assert len(acked) >= KILLS * ACKS_BEFORE_KILL
    engine = create_engine(db_url)
    try:
        with engine.connect() as db:
            labels = {row.id: row for row in db.execute(select(Label))}
            # Every acknowledged label is there, unchanged.
            for label_id, item_id, value in acked:
                assert label_id in labels, f"acknowledged label {label_id} was lost"
                row = labels[label_id]
                assert (row.item_id, row.value, row.is_skip, row.undone) == \
                    (item_id, value, False, False)
            # Labels committed but never acknowledged (in flight at the kill) are whole:
            # the item's counter and the lease changed in the same transaction.
            per_item = dict(db.execute(select(Label.item_id, func.count())
                                       .where(Label.undone.is_(False), Label.is_skip.is_(False))
                                       .group_by(Label.item_id)).all())
            assert max(per_item.values()) == 1  # overlap 1: never two labels for an item
            for item_id, n_labels in db.execute(select(Item.id, Item.n_labels)):
                assert n_labels == per_item.get(item_id, 0), f"item {item_id} half-written"
            leased_and_labelled = db.scalar(
                select(func.count()).select_from(Lease).join(Label, (Label.item_id == Lease.item_id)
                                                            & (Label.user_id == Lease.user_id)))
            assert leased_and_labelled == 0
    finally:
        engine.dispose()
