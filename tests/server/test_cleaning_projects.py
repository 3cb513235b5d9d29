"""Cleaning projects end to end: import labelled rows, a queue of the labels most likely
wrong (confident learning), keep or correct answers checked by the cleaning task, the
original label kept, counts on the dashboard, exports with what changed."""

from __future__ import annotations

import csv
import io
import json

import httpx
import numpy as np
import pytest
from server_helpers import Live, make_project, refuse_answer, retrain, upload
from sklearn.datasets import load_wine
from sqlalchemy import select

from activelab.server.models import Item, Role
from activelab.tasks.cleaning import inject_label_noise

CLASSES = ["class_0", "class_1", "class_2"]


def wine_csv(noise: float = 0.15) -> tuple[str, dict[str, str], set[str]]:
    """sklearn's wine data as CSV with some labels flipped (seeded): the text, the true
    label by id, and the ids whose given label is wrong."""
    X, y = load_wine(return_X_y=True)
    noisy, flipped = inject_label_noise(y, noise, random_state=0)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", *(f"f{j}" for j in range(X.shape[1])), "label"])
    for i, row in enumerate(X):
        writer.writerow([f"w{i}", *(f"{v:g}" for v in row), CLASSES[noisy[i]]])
    truth = {f"w{i}": CLASSES[y[i]] for i in range(len(y))}
    return out.getvalue(), truth, {f"w{i}" for i in np.flatnonzero(flipped)}


def cleaning_project(client: httpx.Client, **fields) -> dict:
    return make_project(client, task_type="tabular_cleaning", labels=CLASSES, **fields)


def review(client: httpx.Client, pid: int, truth: dict[str, str], n: int) -> list[dict]:
    """Review ``n`` items as a careful person would: keep a right label, correct a wrong one."""
    served = []
    for _ in range(n):
        item = client.get(f"/api/projects/{pid}/next").json()["item"]
        served.append(item)
        right = truth[item["external_id"]]
        value = "keep" if item["data"]["given"] == right else {"action": "relabel",
                                                               "label": right}
        response = client.post(f"/api/projects/{pid}/labels",
                               json={"item_id": item["id"], "value": value})
        assert response.status_code == 201, response.text
    return served


@pytest.mark.slow
def test_a_cleaning_project_end_to_end(live_any_db: Live):
    _, token = live_any_db.user("clean-admin", Role.admin)
    with live_any_db.client(token) as admin:
        project = cleaning_project(admin, eval_fraction=0.0)
        assert (project["model_name"], project["strategy_name"]) == ("logreg",
                                                                      "normalized_margin")
        pid = project["id"]
        text, truth, wrong = wine_csv()
        report = upload(admin, pid, "wine.csv", text).json()
        assert report["inserted"] == 178 and report["prelabels"] == 0
        assert "label" not in report["feature_columns"]
        retrain(live_any_db, pid)  # the import asked for it: the queue ranks given labels

        item = admin.get(f"/api/projects/{pid}/next").json()["item"]
        why = item["why"]
        assert why["strategy"] == "normalized_margin" and why["model_version"] == 1
        assert why["given"] == item["data"]["given"] and why["guess"] in CLASSES
        assert isinstance(why["score"], float) and 0 <= why["p_given"] <= 1
        served = review(admin, pid, truth, 20)
        found = sum(i["external_id"] in wrong for i in served)
        # The queue finds label errors far above their base rate (about 15%).
        assert found >= 10, (found, len(wrong))
        retrain(live_any_db, pid)

        stats = admin.get(f"/api/projects/{pid}/stats").json()
        headline = stats["headline"]
        assert headline["metric"] == "errors_found" and headline["estimate"] == "counted"
        point = stats["learning_curve"][-1]
        assert point["reviewed"] == 20 and point["corrections"] == found
        assert point["errors_left"] >= 0
        assert headline["value"] == pytest.approx(found / (found + point["errors_left"]))
        assert stats["cleaning"] == {"reviewed": 20, "kept": 20 - found,
                                     "corrected": found,
                                     "errors_left": point["errors_left"]}

        rows = list(csv.DictReader(io.StringIO(admin.get(
            f"/api/projects/{pid}/export", params={"format": "cleaned"}).text)))
        assert len(rows) == 178
        by_id = {row["external_id"]: row for row in rows}
        for item in served:
            row = by_id[item["external_id"]]
            assert row["label"] == truth[item["external_id"]]
            assert row["given_label"] == item["data"]["given"]
            assert row["change"] == ("corrected" if item["external_id"] in wrong else "kept")
        untouched = next(r for r in rows if r["change"] == "not reviewed")
        assert untouched["label"] == untouched["given_label"]
        with live_any_db.factory() as session:  # the given labels are never overwritten
            given = dict(session.execute(select(Item.external_id, Item.data["given"])
                                         .where(Item.project_id == pid)).all())
        assert all(json.loads(json.dumps(v)) in CLASSES for v in given.values())


def test_the_next_item_is_the_most_suspicious_label(live, admin):
    pid = cleaning_project(admin, eval_fraction=0.0)["id"]
    text, _, wrong = wine_csv()
    upload(admin, pid, "wine.csv", text)
    retrain(live, pid)
    served = admin.get(f"/api/projects/{pid}/next").json()["item"]
    assert served["why"]["flagged"] is True and served["external_id"] in wrong
    # A random review order is also a choice, and says so.
    admin.patch(f"/api/projects/{pid}", json={"strategy_name": "random"})
    retrain(live, pid)
    assert admin.get(f"/api/projects/{pid}/stats").json()["strategy"]["name"] == "random"


def test_a_correction_reorders_the_queue_after_the_retrain(live, admin):
    pid = cleaning_project(admin, eval_fraction=0.0)["id"]
    text, truth, _ = wine_csv()
    upload(admin, pid, "wine.csv", text)
    retrain(live, pid)
    with live.factory() as session:
        before = dict(session.execute(select(Item.id, Item.priority)
                                      .where(Item.project_id == pid)).all())
    served = review(admin, pid, truth, 5)
    retrain(live, pid)
    with live.factory() as session:
        after = dict(session.execute(select(Item.id, Item.priority, )
                                     .where(Item.project_id == pid)).all())
    reviewed = {item["id"] for item in served}
    assert all(after[i] == before[i] for i in reviewed)  # reviewed items keep their place
    assert any(after[i] != before[i] for i in after if i not in reviewed)


@pytest.mark.parametrize(("row", "message"), [
    ("w1,1,2,\n", "has no label in column 'label'"),
    ("w1,1,2,class_9\n", "unknown label 'class_9'"),
])
def test_a_row_without_a_known_given_label_is_a_row_error(live, admin, row, message):
    pid = make_project(admin, task_type="tabular_cleaning", labels=CLASSES)["id"]
    report = upload(admin, pid, "w.csv", "id,a,b,label\nw0,1,2,class_0\n" + row).json()
    assert report["inserted"] == 1 and report["n_errors"] == 1
    assert message in report["errors"][0]["error"]


def test_a_text_cleaning_project_takes_texts_with_labels(live, admin):
    pid = make_project(admin, task_type="text_cleaning", labels=["ham", "spam"])["id"]
    report = upload(admin, pid, "t.jsonl",
                    '{"id": "m1", "text": "win a prize now", "label": "spam"}\n'
                    '{"id": "m2", "text": "see you at lunch"}\n').json()
    assert report["inserted"] == 1 and "has no label" in report["errors"][0]["error"]
    item = admin.get(f"/api/projects/{pid}/next").json()["item"]
    assert item["data"] == {"text": "win a prize now", "given": "spam"}


@pytest.mark.parametrize(("value", "message"), [
    ("class_1", "a review answer is 'keep' or {'action': 'relabel'"),
    ({"action": "relabel", "label": "class_9"}, "unknown label 'class_9'"),
    ({"action": "relabel"}, "a review answer is 'keep'"),
    ({"action": "delete"}, "a review answer is 'keep'"),
    (3, "a review answer is 'keep'"),
])
def test_a_bad_review_is_422_and_nothing_is_stored(live, admin, value, message):
    pid = cleaning_project(admin)["id"]
    upload(admin, pid, "w.csv", "id,a,label\nw0,1,class_0\nw1,2,class_1\n")
    item = admin.get(f"/api/projects/{pid}/next").json()["item"]
    refuse_answer(live, admin, pid, item["id"], value, message)
    good = admin.post(f"/api/projects/{pid}/labels", json={
        "item_id": item["id"], "value": {"action": "relabel", "label": "class_2"}})
    assert good.status_code == 201
    assert good.json()["value"] == {"action": "relabel", "label": "class_2"}


def test_the_cleaned_export_is_only_for_cleaning_projects(live, admin):
    pid = make_project(admin, task_type="tabular_classification", labels=["a", "b"])["id"]
    response = admin.get(f"/api/projects/{pid}/export", params={"format": "cleaned"})
    assert response.status_code == 422 and "cleaning projects" in response.text


def test_a_cleaning_project_exports_to_every_format(live, admin):
    pid = cleaning_project(admin, eval_fraction=0.0)["id"]
    upload(admin, pid, "w.csv", "id,a,label\nw0,1,class_0\nw1,2,class_1\n")
    item = admin.get(f"/api/projects/{pid}/next").json()["item"]
    admin.post(f"/api/projects/{pid}/labels", json={
        "item_id": item["id"], "value": {"action": "relabel", "label": "class_2"}})
    studio = admin.get(f"/api/projects/{pid}/export", params={"format": "label-studio"}).json()
    result = studio[0]["annotations"][0]["result"][0]
    assert result["value"]["choices"] == ["class_2"]
    lines = admin.get(f"/api/projects/{pid}/export", params={"format": "jsonl"}).text
    assert json.loads(lines)["label"] == {"action": "relabel", "label": "class_2"}
    consensus = admin.get(f"/api/projects/{pid}/export", params={"format": "consensus"}).text
    assert json.loads(consensus)["label"] == {"action": "relabel", "label": "class_2"}
