"""The cold start: a first model at the first label of a second class, then a class search.

On SQLite and PostgreSQL, with the worker driven pass by pass
(``run_pending``, as the worker loop does), on an imbalanced text project.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from server_helpers import make_project, upload

from activelab.server.models import Role

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


def test_the_cold_start_searches_for_the_rare_class(spam_project):
    live, client, pid = spam_project
    worker = live.app.state.worker
    labels: list[str] = []
    while "spam" not in labels:
        labels.append(_label_next(client, pid)[0])
        worker.run_pending()
    first_model_at = len(labels)
    stats = client.get(f"/api/projects/{pid}/stats").json()
    assert stats["strategy"]["active"] == "class discovery"
    assert "'spam'" in stats["strategy"]["detail"]
    while labels.count("spam") < 5:
        labels.append(_label_next(client, pid)[0])
        worker.run_pending()
    # Four more spam among 60 ham: a random queue needs about 30 labels for them; the
    # search serves them first (an evaluation item may come in between).
    assert len(labels) - first_model_at <= 6, labels
    stats = client.get(f"/api/projects/{pid}/stats").json()
    assert stats["strategy"]["active"] == "margin"
