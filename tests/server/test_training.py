"""Retraining in the background: scores, guesses and the learning curve are stored."""

from __future__ import annotations

import json

import numpy as np
from server_helpers import label_from_truth, make_project, png_b64, upload
from sklearn.datasets import load_digits
from sqlalchemy import func, select

from activelab.server.models import Item, ModelSnapshot
from activelab.server.services.demo import ensure_demo
from activelab.server.services.training import retrain_project

DIGITS = load_digits().target


def _digit(item) -> str:
    return str(DIGITS[int(item["external_id"].removeprefix("digit-"))])


def test_retrain_scores_every_open_item_and_records_a_curve_point(live, admin):
    demo = ensure_demo(live.factory)
    pid = demo["project_id"]
    before = admin.get(f"/api/projects/{pid}/next").json()["item"]
    assert before["why"]["model_version"] is None
    label_from_truth(admin, pid, 40, _digit)
    assert live.app.state.worker.run_pending() == [pid]
    with live.factory() as session:
        snapshot = session.scalar(select(ModelSnapshot))
        assert snapshot.version == 1 and snapshot.n_labeled == 40
        assert snapshot.n_scored == 1797 - 40
        assert 0.0 <= snapshot.accuracy <= 1.0 and "CV accuracy" in snapshot.metric
        scored = session.scalar(select(func.count()).select_from(Item)
                                .where(Item.model_version == 1))
        assert scored == 1797 - 40
    served = admin.get(f"/api/projects/{pid}/next").json()["item"]
    why = served["why"]
    assert why["strategy"] == "margin" and why["model_version"] == 1
    assert why["guess"] in [str(d) for d in range(10)]
    assert 0.0 < why["probability"] <= 1.0
    # Margin sampling serves the highest score first (scores are negated margins).
    with live.factory() as session:
        best = session.scalar(select(func.max(Item.priority))
                              .where(Item.n_labels == 0, Item.id != served["id"]))
    assert why["score"] >= best - 1e-12
    stats = admin.get(f"/api/projects/{pid}/stats").json()
    assert [p["n_labeled"] for p in stats["learning_curve"]] == [40]
    assert len(stats["queue"]) == 10
    assert stats["distribution"]["total"] == 40
    assert stats["throughput"][0]["labels"] == 40
    # Nothing new: nothing to retrain.
    assert live.app.state.worker.run_pending() == []


def test_multilabel_regions_and_tabular_projects_train(live, admin):
    worker = live.app.state.worker
    rng = np.random.default_rng(0)

    multi = make_project(admin, task_type="multilabel_text", labels=["red", "blue"])
    texts = [json.dumps({"text": t}) for t in
             ["red apple", "blue sky", "red and blue flag", "grey stone"] * 6]
    upload(admin, multi["id"], "m.jsonl", "\n".join(texts))
    label_from_truth(admin, multi["id"], 12, lambda item: [
        c for c in ("red", "blue") if c in item["data"]["text"]])

    regions = make_project(admin, task_type="image_regions", labels=["dark", "light"])
    images = [json.dumps({"id": str(v), "image": png_b64(v)}) for v in range(0, 250, 10)]
    upload(admin, regions["id"], "r.jsonl", "\n".join(images))
    label_from_truth(admin, regions["id"], 12, lambda item: [
        {"x": 0.1, "y": 0.1, "w": 0.5, "h": 0.5,
         "label": "dark" if int(item["external_id"]) < 120 else "light"}])

    table = make_project(admin, task_type="tabular_classification", labels=["low", "high"],
                         strategy_name="density")
    rows = "x,y\n" + "".join(f"{a:.3f},{b:.3f}\n" for a, b in rng.normal(size=(40, 2)))
    upload(admin, table["id"], "t.csv", rows)
    label_from_truth(admin, table["id"], 10, lambda item: "high"
                      if item["data"]["columns"]["x"] > 0 else "low")

    assert sorted(worker.run_pending()) == sorted([multi["id"], regions["id"], table["id"]])
    assert worker.last_error == {}
    guess = admin.get(f"/api/projects/{multi['id']}/next").json()["item"]["why"]["guess"]
    assert isinstance(guess, list) and set(guess) <= {"red", "blue"}
    why = admin.get(f"/api/projects/{table['id']}/next").json()["item"]["why"]
    assert why["strategy"] == "density" and why["guess"] in ("low", "high")
    assert admin.get(f"/api/projects/{regions['id']}/next").json()["item"]["why"][
        "model_version"] == 1


def test_one_class_only_keeps_the_random_order(live, admin):
    project = make_project(admin)
    upload(admin, project["id"], "t.csv", "text\n" + "".join(f"some text {i}\n" for i in range(5)))
    label_from_truth(admin, project["id"], 2, lambda item: "pos")
    live.app.state.worker.notify(project["id"], force=True)  # 2 labels: not due by itself
    assert live.app.state.worker.run_pending() == [project["id"]]
    item = admin.get(f"/api/projects/{project['id']}/next").json()["item"]
    assert item["why"]["model_version"] is None
    assert admin.get(f"/api/projects/{project['id']}/stats").json()["learning_curve"] == []


def test_a_fully_labelled_project_still_gets_a_curve_point(live, admin):
    project = make_project(admin, labels=["sport", "food"])
    pid = project["id"]
    texts = ["goal match", "team win", "match goal team", "bread cheese", "soup pasta",
             "cheese soup bread"]
    upload(admin, pid, "t.csv", "text\n" + "\n".join(texts) + "\n")
    label_from_truth(admin, pid, 6, lambda item: "sport" if item["data"]["text"]
                      in texts[:3] else "food")
    assert admin.get(f"/api/projects/{pid}/next").json()["item"] is None
    live.app.state.worker.notify(pid, force=True)
    assert live.app.state.worker.run_pending() == [pid]
    assert live.app.state.worker.last_error == {}
    (point,) = admin.get(f"/api/projects/{pid}/stats").json()["learning_curve"]
    assert point["n_labeled"] == 6 and point["cv_accuracy"] is not None


def test_rescoring_in_many_short_transactions_scores_every_item(live, admin, monkeypatch):
    monkeypatch.setattr("activelab.server.services.training.RESCORE_BATCH", 7)
    project = make_project(admin, task_type="tabular_classification", labels=["a", "b"])
    pid = project["id"]
    rows = "".join(json.dumps({"id": i, "x": i, "y": i % 3}) + "\n" for i in range(50))
    assert upload(admin, pid, "t.jsonl", rows).json()["inserted"] == 50
    label_from_truth(admin, pid, 10,
                      lambda item: "a" if item["data"]["columns"]["x"] < 25 else "b")
    assert live.app.state.worker.run_pending() == [pid]
    with live.factory() as session:
        versions = dict(session.execute(select(Item.model_version, func.count())
                                        .where(Item.n_labels == 0)
                                        .group_by(Item.model_version)).all())
        assert versions == {1: 40}  # 6 batches of 7 and one of 5, all written
        snapshot = session.scalar(select(ModelSnapshot))
        assert (snapshot.version, snapshot.n_scored) == (1, 40)


def test_only_the_head_of_the_queue_is_rewritten(live, admin):
    pid = ensure_demo(live.factory)["project_id"]
    label_from_truth(admin, pid, 30, _digit)
    retrain_project(live.factory, pid, depth=0)  # version 1: every open item written
    with live.factory() as session:
        ranked = session.execute(select(Item.id, Item.priority).where(
            Item.n_labels == 0, Item.priority.is_not(None))).all()
        assert len(ranked) == 1797 - 30
        top = {item_id for item_id, _ in sorted(ranked, key=lambda row: -row[1])[:25]}
    snapshot = retrain_project(live.factory, pid, depth=25)  # same labels, same scores
    assert snapshot.version == 2 and snapshot.n_scored == 1797 - 30
    with live.factory() as session:
        head = dict(session.execute(select(Item.id, Item.model_version).where(
            Item.priority.is_not(None))).all())
        assert set(head) == top and set(head.values()) == {2}
        versions = dict(session.execute(select(Item.model_version, func.count()).where(
            Item.n_labels == 0).group_by(Item.model_version)).all())
        assert versions == {1: 1797 - 30 - 25, 2: 25}  # the rest keep their last guess
    for _ in range(25):  # the head is served first, best first
        item = admin.get(f"/api/projects/{pid}/next").json()["item"]
        assert item["id"] in top and item["why"]["model_version"] == 2
        admin.post(f"/api/projects/{pid}/labels", json={"item_id": item["id"],
                                                        "value": _digit(item)})
    after = admin.get(f"/api/projects/{pid}/next").json()["item"]
    assert after["why"]["strategy"] == "random"  # past the head: random order
