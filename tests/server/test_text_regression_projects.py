"""Text regression projects: a number per text, through TF-IDF and the regression task.

Create, import texts (CSV and JSONL), the AL queue with a guess and its interval, numeric
answers checked against the range, RMSE on the dashboard, exports, and the errors.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from server_helpers import Live, make_project, upload
from sqlalchemy import func, select
from test_regression_projects import answer

from activelab.server.models import Label, Role

#: Words of a review and what each adds to its score (out of 10).
WORDS = {"superb": 4.0, "great": 3.0, "good": 2.0, "fine": 1.0, "dull": -1.0, "poor": -2.0,
         "awful": -3.0}
FILLER = ("the", "film", "plot", "cast", "music", "ending", "story", "camera", "and", "was")


def reviews(n: int, seed: int = 0) -> tuple[list[dict], dict[str, float]]:
    """``n`` short reviews whose score follows their words, and the score by id."""
    rng = np.random.default_rng(seed)
    rows, truth = [], {}
    names = list(WORDS)
    for i in range(n):
        chosen = rng.choice(names, size=2)
        filler = rng.choice(FILLER, size=6)
        words = [*filler[:3], chosen[0], *filler[3:], chosen[1]]
        score = float(np.clip(5 + sum(WORDS[w] for w in chosen) / 2, 0, 10))
        rows.append({"id": f"r{i}", "text": " ".join(words)})
        truth[f"r{i}"] = round(score, 2)
    return rows, truth


def reviews_csv(n: int) -> tuple[str, dict[str, float]]:
    rows, truth = reviews(n)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", "text"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue(), truth


def text_regression_project(client, **fields) -> dict:
    return make_project(client, task_type="text_regression", labels=[], **fields)


@pytest.mark.slow
def test_a_text_regression_project_end_to_end(live_any_db: Live):
    _, token = live_any_db.user("text-admin", Role.admin)
    with live_any_db.client(token) as admin:
        project = text_regression_project(admin, eval_fraction=0.0, answer_min=0,
                                          answer_max=10)
        assert (project["model_name"], project["strategy_name"]) == ("ridge", "igs")
        pid = project["id"]
        text, truth = reviews_csv(150)
        report = upload(admin, pid, "reviews.csv", text).json()
        assert report["inserted"] == 150 and report["n_errors"] == 0
        answer(admin, pid, truth, 60)  # 30 random texts sometimes miss words
        worker = live_any_db.app.state.worker
        worker.notify(pid, force=True)
        assert worker.run_pending() == [pid] and worker.last_error == {}

        item = admin.get(f"/api/projects/{pid}/next").json()["item"]
        assert set(item["data"]) == {"text"}
        why = item["why"]
        assert why["strategy"] == "igs" and why["model_version"] == 1
        assert isinstance(why["guess"], float) and why["score"] > 0
        low, high = why["interval"]
        assert low < why["guess"] < high
        stats = admin.get(f"/api/projects/{pid}/stats").json()
        assert stats["headline"]["task"] == "regression" and stats["headline"]["metric"] == "rmse"
        point = stats["learning_curve"][-1]
        # The words tell the score: the cross-validated error is below the error of
        # always guessing the mean (the spread of the scores).
        spread = float(np.std(list(truth.values())))
        assert point["n_labeled"] == 60 and 0 < point["rmse"] < spread

        exported = [json.loads(line) for line in admin.get(
            f"/api/projects/{pid}/export", params={"format": "jsonl"}).text.splitlines()]
        assert len(exported) == 60
        assert all(row["label"] == truth[row["external_id"]] for row in exported)
        rows = list(csv.DictReader(io.StringIO(admin.get(
            f"/api/projects/{pid}/export", params={"format": "csv"}).text)))
        assert {r["external_id"]: float(r["label"]) for r in rows} == {
            row["external_id"]: row["label"] for row in exported}
        studio = admin.get(f"/api/projects/{pid}/export",
                           params={"format": "label-studio"}).json()
        result = next(task["annotations"][0]["result"][0] for task in studio
                      if task["annotations"])
        assert result["to_name"] == "text" and result["type"] == "number"


def test_texts_import_from_jsonl_with_their_numbers_as_prelabels(live, admin):
    pid = text_regression_project(admin, label_column="score")["id"]
    rows, truth = reviews(12)
    body = "".join(json.dumps({**row, "score": truth[row["id"]]}) + "\n" for row in rows)
    report = upload(admin, pid, "r.jsonl", body).json()
    assert report["inserted"] == 12 and report["prelabels"] == 12
    prelabels = admin.get(f"/api/projects/{pid}/prelabels").json()["items"]
    assert {p["external_id"]: p["value"] for p in prelabels} == truth


def test_a_row_without_text_is_a_row_error(live, admin):
    pid = text_regression_project(admin)["id"]
    report = upload(admin, pid, "r.csv", "id,text\na,good film\nb,\n").json()
    assert report["inserted"] == 1 and report["n_errors"] == 1
    assert "column 'text' is missing or empty" in report["errors"][0]["error"]


@pytest.mark.parametrize(("value", "message"), [
    ("7", "a number, not a string"),
    (None, "give a label value, or skip=true"),
    ({"value": 7}, "a regression answer is a number"),
    (11, "outside the accepted range [0.0, 10.0]"),
])
def test_a_bad_answer_to_a_text_is_422_and_nothing_is_stored(live, admin, value, message):
    pid = text_regression_project(admin, answer_min=0, answer_max=10)["id"]
    assert_refused(live, admin, pid, "id,text\na,good film\nb,awful plot\n", value, message)


def assert_refused(live: Live, client, pid: int, items_csv: str, value, message: str) -> int:
    """Import ``items_csv``, answer the first item served with ``value``: a 422 with
    ``message`` and no label stored. Returns the item's id (its lease is kept)."""
    upload(client, pid, "items.csv", items_csv)
    item = client.get(f"/api/projects/{pid}/next").json()["item"]
    response = client.post(f"/api/projects/{pid}/labels",
                           json={"item_id": item["id"], "value": value})
    assert response.status_code == 422 and message in response.text, response.text
    with live.factory() as session:
        assert session.scalar(select(func.count()).select_from(Label)) == 0
    return item["id"]


@pytest.mark.parametrize(("fields", "message"), [
    ({"labels": ["low", "high"]}, "numbers, not labels"),
    ({"model_name": "gp"}, "regressor 'gp' needs dense features; for text choose one of "
                           "ridge, rf, knn"),
    ({"strategy_name": "margin"}, "unknown strategy 'margin'"),
])
def test_a_bad_text_regression_project_is_422(live, admin, fields, message):
    response = admin.post("/api/projects", json={"name": "t", "task_type": "text_regression",
                                                 **fields})
    assert response.status_code == 422 and message in response.text, response.text


def test_a_dense_only_regressor_is_refused_by_patch(live, admin):
    pid = text_regression_project(admin)["id"]
    response = admin.patch(f"/api/projects/{pid}", json={"model_name": "bayesridge"})
    assert response.status_code == 422 and "needs dense features" in response.text
    assert admin.get(f"/api/projects/{pid}").json()["model_name"] == "ridge"


def test_the_text_regressor_is_downloaded_and_predicts_raw_texts(live, admin):
    from test_model_export import _load

    pid = text_regression_project(admin, eval_fraction=0.0)["id"]
    text, truth = reviews_csv(80)
    upload(admin, pid, "reviews.csv", text)
    answer(admin, pid, truth, 20)
    worker = live.app.state.worker
    worker.notify(pid, force=True)
    assert worker.run_pending() == [pid]
    model = _load(admin.get(f"/api/projects/{pid}/model").content)
    texts = ["the film was superb and great", "the plot was awful and poor"]
    body = admin.post(f"/api/projects/{pid}/predict", json={"texts": texts}).json()
    assert body["predictions"] == pytest.approx(model.predict(texts).tolist())
    good, bad = body["predictions"]
    assert good > bad  # the words tell the score
    assert all(low < value < high for value, (low, high) in
               zip(body["predictions"], body["intervals"], strict=True))
    refused = admin.post(f"/api/projects/{pid}/predict", json={"rows": [{"a": 1.0}]})
    assert refused.status_code == 422 and "predicts from 'texts'" in refused.text
