"""Evaluation items: drawn at random, served among the others, held out of training.

On SQLite and PostgreSQL, with the worker driven pass by pass.
"""

from __future__ import annotations

import numpy as np
import pytest
from server_helpers import make_project, upload
from sqlalchemy import select

from activelab.server.models import Item, ModelSnapshot, Role

N_ITEMS, N_LABELS, FRACTION = 200, 90, 0.2


def _truth(item: dict) -> str:
    return "high" if item["data"]["columns"]["x"] > 0 else "low"


@pytest.fixture
def table_project(live_any_db):
    _, token = live_any_db.user("boss", Role.admin)
    with live_any_db.client(token) as client:
        project = make_project(client, task_type="tabular_classification",
                               labels=["low", "high"], eval_fraction=FRACTION)
        assert project["eval_fraction"] == FRACTION
        points = np.random.default_rng(1).normal(size=(N_ITEMS, 2))
        rows = "x,y\n" + "".join(f"{a:.4f},{b:.4f}\n" for a, b in points)
        assert upload(client, project["id"], "t.csv", rows).json()["inserted"] == N_ITEMS
        yield live_any_db, client, project["id"]


def _label(live, client, pid: int, n: int) -> list[int]:
    served = []
    for count in range(1, n + 1):
        item = client.get(f"/api/projects/{pid}/next").json()["item"]
        response = client.post(f"/api/projects/{pid}/labels",
                               json={"item_id": item["id"], "value": _truth(item)})
        assert response.status_code == 201, response.text
        served.append(item["id"])
        if count % 3 == 0:  # a retrain every few labels, as annotators outpace the worker
            live.app.state.worker.run_pending()
    return served


def test_evaluation_items_are_served_held_out_and_measure_the_model(table_project):
    live, client, pid = table_project
    served = _label(live, client, pid, N_LABELS)
    live.app.state.worker.notify(pid, force=True)
    live.app.state.worker.run_pending()
    with live.factory() as session:
        flags = dict(session.execute(select(Item.id, Item.is_eval)).all())
        keys = dict(session.execute(select(Item.id, Item.random_key)).all())
        snapshot = session.scalars(select(ModelSnapshot).order_by(
            ModelSnapshot.version.desc())).first()
    # The draw: exactly the items whose random key is in the top FRACTION of the range.
    assert all(flags[i] == (keys[i] >= 1 - FRACTION) for i in flags)
    evaluated = [i for i in served if flags[i]]
    # Served among the others once a model exists (about one in 1 / FRACTION), and
    # never before it: the first labels train the first model.
    assert 8 <= len(evaluated) <= 30
    assert not flags[served[0]] and not flags[served[1]]
    # Held out of training, measured by each retrain.
    assert snapshot.n_labeled == N_LABELS - len(evaluated)
    assert sum(snapshot.class_counts.values()) == N_LABELS - len(evaluated)
    assert snapshot.eval_n == len(evaluated)
    point = client.get(f"/api/projects/{pid}/stats").json()["learning_curve"][-1]
    assert point["n_eval"] == len(evaluated) and point["estimate"] == "evaluation items"
    assert point["accuracy"] == pytest.approx(snapshot.eval_correct / snapshot.eval_n)
    assert point["low"] <= point["accuracy"] <= point["high"]
    assert f"{len(evaluated)} evaluation items" in point["metric"]
    assert "biased" in point["cv_metric"] and point["cv_accuracy"] is not None


def test_too_few_evaluation_labels_give_no_estimate(table_project):
    live, client, pid = table_project
    _label(live, client, pid, 12)
    point = client.get(f"/api/projects/{pid}/stats").json()["learning_curve"][-1]
    assert point["n_eval"] < 10
    assert point["accuracy"] is None and point["low"] is None
    assert point["metric"].startswith("not enough evaluation labels yet")
    page = client.get(f"/projects/{pid}/dashboard").text
    assert "not enough evaluation labels yet" in page and 'id="curve-note"' in page


def test_changing_the_fraction_redraws_only_unlabelled_items(table_project):
    live, client, pid = table_project
    for bad in (0.6, -0.1, "a lot"):
        response = client.patch(f"/api/projects/{pid}", json={"eval_fraction": bad})
        assert response.status_code == 422
    assert client.get(f"/api/projects/{pid}").json()["eval_fraction"] == FRACTION
    served = _label(live, client, pid, 40)
    with live.factory() as session:
        labelled_eval = set(session.scalars(select(Item.id).where(
            Item.is_eval.is_(True), Item.n_labels > 0)))
    assert labelled_eval and labelled_eval <= set(served)
    response = client.patch(f"/api/projects/{pid}", json={"eval_fraction": 0})
    assert response.status_code == 200 and response.json()["eval_fraction"] == 0
    live.app.state.worker.notify(pid, force=True)
    live.app.state.worker.run_pending()
    with live.factory() as session:
        still = set(session.scalars(select(Item.id).where(Item.is_eval.is_(True))))
        snapshot = session.scalars(select(ModelSnapshot).order_by(
            ModelSnapshot.version.desc())).first()
    assert still == labelled_eval  # labelled ones keep their role; open ones are released
    assert snapshot.eval_n == len(labelled_eval)
    for _ in range(20):  # no evaluation item is served any more
        item = client.get(f"/api/projects/{pid}/next").json()["item"]
        assert item["id"] not in still
        client.post(f"/api/projects/{pid}/labels",
                    json={"item_id": item["id"], "value": _truth(item)})


def test_multi_label_evaluation_items_count_exact_matches(live_any_db):
    _, token = live_any_db.user("boss", Role.admin)
    worker = live_any_db.app.state.worker
    with live_any_db.client(token) as client:
        project = make_project(client, task_type="multilabel_text", labels=["red", "blue"],
                               eval_fraction=0.5)
        pid = project["id"]
        texts = ["red apple", "blue sky", "red and blue flag", "grey stone"] * 10
        upload(client, pid, "m.csv", "text\n" + "\n".join(texts) + "\n")
        truth: dict[int, list[str]] = {}
        for count in range(1, 31):
            item = client.get(f"/api/projects/{pid}/next").json()["item"]
            truth[item["id"]] = [c for c in ("red", "blue") if c in item["data"]["text"]]
            client.post(f"/api/projects/{pid}/labels",
                        json={"item_id": item["id"], "value": truth[item["id"]]})
            if count % 5 == 0:
                worker.run_pending()
        worker.notify(pid, force=True)
        worker.run_pending()
        with live_any_db.factory() as session:
            evaluated = set(session.scalars(select(Item.id).where(
                Item.project_id == pid, Item.is_eval.is_(True), Item.n_labels > 0)))
            snapshot = session.scalars(select(ModelSnapshot).where(
                ModelSnapshot.project_id == pid).order_by(ModelSnapshot.version.desc())).first()
    assert evaluated and evaluated <= set(truth)
    assert snapshot.eval_n == len(evaluated)
    assert snapshot.n_labeled == len(truth) - len(evaluated)
    # The four texts are told apart by their words: every evaluation item is an exact hit.
    assert snapshot.eval_correct == snapshot.eval_n
