"""The cold start: a first model at the first label of a second class, then a class search.

On SQLite and PostgreSQL, with the worker driven pass by pass
(``run_pending``, as the worker loop does), on an imbalanced text project.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from server_helpers import make_project, upload
from sqlalchemy import update

from activelab.server.db import write_transaction
from activelab.server.models import Item, Role
from activelab.server.services.discovery import DISCOVERY_K
from activelab.server.services.training import retrain_project

N_HAM, N_SPAM = 60, 8
PLACES = ["office", "cafe", "park", "library", "station", "gym"]
FRIENDS = ["anna", "ben", "carla", "dan", "eva"]


def _texts() -> list[dict[str, str]]:
    ham = [{"id": f"ham-{i}", "text": f"see you at the {PLACES[i % 6]} with "
            f"{FRIENDS[i % 5]} after lunch, ok {i}"} for i in range(N_HAM)]
    spam = [{"id": f"spam-{i}", "text": f"WIN a FREE prize now! txt CLAIM to 8{i}0 cash "
             "award urgent"} for i in range(N_SPAM)]
    rows = ham + spam
    return [rows[i] for i in np.random.default_rng(0).permutation(len(rows))]


@pytest.fixture
def spam_project(live_any_db):
    _, token = live_any_db.user("boss", Role.admin)
    with live_any_db.client(token) as client:
        project = make_project(client, labels=["ham", "spam"])
        body = "\n".join(json.dumps(row) for row in _texts())
        assert upload(client, project["id"], "sms.jsonl", body).json()["inserted"] == 68
        yield live_any_db, client, project["id"]


def _label_next(client, pid: int) -> tuple[str, dict]:
    item = client.get(f"/api/projects/{pid}/next").json()["item"]
    truth = item["external_id"].split("-")[0]
    response = client.post(f"/api/projects/{pid}/labels",
                           json={"item_id": item["id"], "value": truth})
    assert response.status_code == 201, response.text
    return truth, item


def test_a_first_model_comes_with_the_first_label_of_a_second_class(spam_project):
    live, client, pid = spam_project
    worker = live.app.state.worker
    seen: set[str] = set()
    for _ in range(N_HAM + 1):  # a random order: the first spam comes within these
        truth, _ = _label_next(client, pid)
        seen.add(truth)
        worker.run_pending()  # no "retrain now": the worker decides it is due
        why = client.get(f"/api/projects/{pid}/next").json()["item"]["why"]
        if len(seen) < 2:
            assert why["model_version"] is None
        else:
            assert why["model_version"] is not None
            break
    assert seen == {"ham", "spam"}
    curve = client.get(f"/api/projects/{pid}/stats").json()["learning_curve"]
    assert len(curve) == 1 and curve[0]["n_labeled"] >= 2


def _rare_found_after(live, client, discovery: bool) -> int:
    """Labels after the first model until the rare class has DISCOVERY_K.

    A common class spread around the origin and a rare one in a tight cluster far
    away; the first two items served are one of each (their order keys are set).
    """
    rng = np.random.default_rng(0)
    rows = [("ham", x) for x in rng.normal(size=(200, 2))] + \
        [("spam", x) for x in rng.normal(loc=6.0, scale=0.3, size=(N_SPAM, 2))]
    body = "id,a,b\n" + "".join(f"{name}-{i},{x[0]:.4f},{x[1]:.4f}\n"
                                 for i, (name, x) in enumerate(rows))
    project = make_project(client, task_type="tabular_classification",
                           labels=["ham", "spam"], eval_fraction=0)
    pid = project["id"]
    upload(client, pid, "t.csv", body)
    with write_transaction(live.factory) as session:
        for external_id, key in (("spam-200", 0.0), ("ham-0", 0.0001)):
            session.execute(update(Item).where(Item.project_id == pid,
                                               Item.external_id == external_id)
                            .values(random_key=key))
    labels = [_label_next(client, pid)[0] for _ in range(2)]
    assert labels == ["spam", "ham"]
    while labels.count("spam") < DISCOVERY_K and len(labels) < 60:
        retrain_project(live.factory, pid, discovery=discovery)
        labels.append(_label_next(client, pid)[0])
    return len(labels) - 2


def test_the_cold_start_searches_for_the_rare_class(live_any_db):
    _, token = live_any_db.user("boss", Role.admin)
    with live_any_db.client(token) as client:
        searching = _rare_found_after(live_any_db, client, discovery=True)
        boundary = _rare_found_after(live_any_db, client, discovery=False)
    # The class search spends no label on a class that has its DISCOVERY_K already;
    # margin sampling alone spends labels on the common class's edge, the boundary.
    assert searching <= 2 * DISCOVERY_K - 2
    assert searching < boundary, (searching, boundary)


def test_the_dashboard_says_when_it_searches(spam_project):
    live, client, pid = spam_project
    worker = live.app.state.worker
    # No evaluation items: every label trains, so the counts below are training counts.
    assert client.patch(f"/api/projects/{pid}", json={"eval_fraction": 0}).status_code == 200
    labels: list[str] = []
    while len(set(labels)) < 2:
        labels.append(_label_next(client, pid)[0])
        worker.run_pending()
    stats = client.get(f"/api/projects/{pid}/stats").json()
    assert stats["strategy"]["active"] == "class discovery"
    assert "'spam'" in stats["strategy"]["detail"]
    while min(labels.count("spam"), labels.count("ham")) < DISCOVERY_K:
        labels.append(_label_next(client, pid)[0])
        worker.run_pending()
    stats = client.get(f"/api/projects/{pid}/stats").json()
    assert stats["strategy"]["active"] == "margin"
