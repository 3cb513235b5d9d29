"""Regression projects end to end: create, import, the AL queue with a guess and an
interval, numeric answers checked against the project's range, RMSE, exports."""

from __future__ import annotations

import csv
import io
import json
import math
import time

import httpx
import numpy as np
import pytest
from server_helpers import (
    Live,
    ServerProcess,
    make_project,
    make_users,
    refuse_answer,
    upload,
)
from sklearn.datasets import load_diabetes
from sqlalchemy import func, select

from activelab.server.models import Label, Role

N_ANSWERS = 24


def diabetes_csv(n: int | None = None, label_column: str | None = None) -> tuple[str, dict]:
    """sklearn's diabetes data as CSV (``id`` and ten features), and the truth by id."""
    X, y = load_diabetes(return_X_y=True)
    X, y = X[:n], y[:n]
    columns = [f"x{j}" for j in range(X.shape[1])]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", *columns, *([label_column] if label_column else [])])
    for i, row in enumerate(X):
        writer.writerow([f"d{i}", *(f"{v:.6f}" for v in row),
                         *([f"{y[i]:g}"] if label_column else [])])
    return out.getvalue(), {f"d{i}": float(y[i]) for i in range(len(y))}


def regression_project(client: httpx.Client, **fields) -> dict:
    return make_project(client, task_type="tabular_regression", labels=[], **fields)


def answer(client: httpx.Client, pid: int, truth: dict, n: int) -> list[dict]:
    served = []
    for _ in range(n):
        item = client.get(f"/api/projects/{pid}/next").json()["item"]
        served.append(item)
        response = client.post(f"/api/projects/{pid}/labels",
                               json={"item_id": item["id"], "value": truth[item["external_id"]]})
        assert response.status_code == 201, response.text
    return served


@pytest.mark.slow
def test_a_regression_project_end_to_end(live_any_db: Live):
    _, token = live_any_db.user("reg-admin", Role.admin)
    with live_any_db.client(token) as admin:
        project = regression_project(admin, eval_fraction=0.0, answer_min=0, answer_max=400)
        assert project["model_name"] == "ridge" and project["strategy_name"] == "igs"
        assert (project["answer_min"], project["answer_max"]) == (0, 400)
        pid = project["id"]
        text, truth = diabetes_csv()
        report = upload(admin, pid, "diabetes.csv", text)
        assert report.status_code == 200, report.text
        assert report.json()["inserted"] == 442
        assert report.json()["feature_columns"] == [f"x{j}" for j in range(10)]
        answer(admin, pid, truth, N_ANSWERS)
        worker = live_any_db.app.state.worker
        worker.notify(pid, force=True)
        assert worker.run_pending() == [pid]
        assert worker.last_error == {}

        item = admin.get(f"/api/projects/{pid}/next").json()["item"]
        why = item["why"]
        assert why["strategy"] == "igs" and why["model_version"] == 1
        assert isinstance(why["score"], float) and why["score"] > 0
        low, high = why["interval"]
        assert isinstance(why["guess"], float) and low < why["guess"] < high
        assert why["std"] > 0
        assert "x0" in item["data"]["columns"] and "label" not in item["data"]["columns"]

        stats = admin.get(f"/api/projects/{pid}/stats").json()
        assert stats["headline"]["task"] == "regression"
        assert stats["headline"]["metric"] == "rmse" and stats["headline"]["lower_is_better"]
        point = stats["learning_curve"][-1]
        assert point["estimate"] == "cross-validation"
        assert point["n_labeled"] == N_ANSWERS
        # Cross-validated on 24 answers: of the order of the target's spread (std 77).
        assert 20 < point["rmse"] < 120 and 0 < point["mae"] <= point["rmse"]
        assert stats["headline"]["value"] == point["rmse"]
        assert stats["distribution"]["total"] == N_ANSWERS
        assert 25 <= stats["distribution"]["summary"]["min"] <= 346

        answered = {row["external_id"]: row["label"] for row in (
            json.loads(line) for line in admin.get(
                f"/api/projects/{pid}/export", params={"format": "jsonl"}).text.splitlines())}
        assert len(answered) == N_ANSWERS
        assert {k: (type(v), v) for k, v in answered.items()} == {
            k: (float, truth[k]) for k in answered}
        rows = list(csv.DictReader(io.StringIO(admin.get(
            f"/api/projects/{pid}/export", params={"format": "csv"}).text)))
        assert {r["external_id"]: float(r["label"]) for r in rows} == answered


def test_the_label_column_is_imported_as_numeric_answers(live, admin):
    pid = regression_project(admin, label_column="target")["id"]
    text, truth = diabetes_csv(30, label_column="target")
    report = upload(admin, pid, "d.csv", text).json()
    assert report["prelabels"] == 30 and report["label_column"] == "target"
    assert "target" not in report["feature_columns"]
    prelabels = admin.get(f"/api/projects/{pid}/prelabels").json()["items"]
    assert {p["external_id"]: p["value"] for p in prelabels} == truth


def test_an_import_label_outside_the_range_is_a_row_error(live, admin):
    pid = regression_project(admin, answer_max=100)["id"]
    report = upload(admin, pid, "d.csv", "id,x,label\na,1,50\nb,2,150\nc,3,abc\n").json()
    assert report["inserted"] == 1 and report["n_errors"] == 2
    messages = " ".join(e["error"] for e in report["errors"])
    assert "outside the accepted range" in messages and "number" in messages


@pytest.mark.parametrize(("value", "message"), [
    ("12.5", "a number, not a string"),
    ("abc", "a number, not a string"),
    (True, "a regression answer is a number"),
    ([1.0], "a regression answer is a number"),
    (-1, "outside the accepted range [0.0, 100.0]"),
    (100.5, "outside the accepted range"),
])
def test_a_bad_answer_is_422_and_nothing_is_stored(live, admin, value, message):
    pid = regression_project(admin, answer_min=0, answer_max=100)["id"]
    upload(admin, pid, "d.csv", "id,x\na,1\nb,2\n")
    item = admin.get(f"/api/projects/{pid}/next").json()["item"]
    refuse_answer(live, admin, pid, item["id"], value, message)
    # The lease is kept: the same item takes a good answer.
    good = admin.post(f"/api/projects/{pid}/labels", json={"item_id": item["id"], "value": 0})
    assert good.status_code == 201 and good.json()["value"] == 0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_non_finite_answer_is_refused(live, admin, literal):
    pid = regression_project(admin)["id"]
    upload(admin, pid, "d.csv", "id,x\na,1\n")
    item = admin.get(f"/api/projects/{pid}/next").json()["item"]
    body = f'{{"item_id": {item["id"]}, "value": {literal}}}'
    response = admin.post(f"/api/projects/{pid}/labels", content=body,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    with live.factory() as session:
        assert session.scalar(select(func.count()).select_from(Label)) == 0


@pytest.mark.parametrize(("fields", "message"), [
    ({"labels": ["low", "high"]}, "numbers, not labels"),
    ({"answer_min": 5, "answer_max": 5}, "must be below answer_max"),
    ({"model_name": "logreg"}, "unknown model 'logreg'; choose one of ridge"),
    ({"strategy_name": "margin"}, "unknown strategy 'margin'; choose one of random"),
])
def test_a_bad_regression_project_is_422(live, admin, fields, message):
    body = {"name": "r", "task_type": "tabular_regression", **fields}
    response = admin.post("/api/projects", json=body)
    assert response.status_code == 422 and message in response.text, response.text


def test_a_range_on_a_classification_project_is_422(live, admin):
    response = admin.post("/api/projects", json={
        "name": "c", "task_type": "tabular_classification", "labels": ["a", "b"],
        "answer_max": 3})
    assert response.status_code == 422 and "for regression projects" in response.text


def test_the_project_strategy_orders_the_queue(live, admin):
    pid = regression_project(admin, strategy_name="committee", model_name="rf",
                             eval_fraction=0.0)["id"]
    text, truth = diabetes_csv(80)
    upload(admin, pid, "d.csv", text)
    answer(admin, pid, truth, 8)
    worker = live.app.state.worker
    worker.notify(pid, force=True)
    assert worker.run_pending() == [pid] and worker.last_error == {}
    why = admin.get(f"/api/projects/{pid}/next").json()["item"]["why"]
    assert why["strategy"] == "committee" and why["score"] >= 0
    assert math.isfinite(why["guess"]) and why["interval"][0] <= why["guess"]
    assert np.isfinite(why["std"])


@pytest.mark.slow
def test_the_worker_process_retrains_a_regression_project(db_url):
    users = make_users(db_url, [])
    server = ServerProcess(db_url, worker_poll_seconds=0.2, retrain_every_labels=5).start()
    try:
        with server.client(users["boss"][1]) as admin:
            pid = regression_project(admin, eval_fraction=0.0)["id"]
            text, truth = diabetes_csv(120)
            assert upload(admin, pid, "d.csv", text).status_code == 200
            answer(admin, pid, truth, 10)
            deadline = time.monotonic() + 90
            while not admin.get(f"/api/projects/{pid}/stats").json()["learning_curve"]:
                assert time.monotonic() < deadline, "the worker process never retrained"
                time.sleep(0.3)
            stats = admin.get(f"/api/projects/{pid}/stats").json()
            assert stats["last_error"] is None
            assert stats["headline"]["metric"] == "rmse" and stats["headline"]["value"] > 0
            why = admin.get(f"/api/projects/{pid}/next").json()["item"]["why"]
            assert why["strategy"] == "igs" and why["interval"][0] < why["guess"]
    finally:
        server.stop()


def test_the_range_is_changed_by_patch_and_checked_at_once(live, admin):
    pid = regression_project(admin, answer_min=0)["id"]
    changed = admin.patch(f"/api/projects/{pid}", json={"answer_max": 10})
    assert changed.status_code == 200 and changed.json()["answer_max"] == 10
    bad = admin.patch(f"/api/projects/{pid}", json={"answer_max": -1})
    assert bad.status_code == 422 and "answer_min (0) must be below answer_max (-1)" in bad.text
    upload(admin, pid, "d.csv", "id,x\na,1\n")
    item = admin.get(f"/api/projects/{pid}/next").json()["item"]
    refused = admin.post(f"/api/projects/{pid}/labels", json={"item_id": item["id"],
                                                              "value": 10.5})
    assert refused.status_code == 422 and "[0.0, 10.0]" in refused.text


def test_every_project_type_names_its_data_kind_and_task():
    from activelab.server.models import TaskType
    from activelab.server.services.task_types import ANSWER_TASK, DATA_KIND, SERVER_TASK
    from activelab.server.services.training import _RETRAINERS
    from activelab.tasks.registry import get_task

    assert set(DATA_KIND) == set(SERVER_TASK) == set(TaskType)
    assert set(TaskType) - set(ANSWER_TASK) == {TaskType.image_regions}  # checked by the server
    for task_type in TaskType:  # the task's server hooks train it, or a retrain of its own
        assert get_task(SERVER_TASK[task_type]).server() is not None \
            or SERVER_TASK[task_type] in _RETRAINERS


def test_before_the_first_model_only_a_classifier_waits_for_two_classes(live, admin):
    numbers = make_project(admin, task_type="tabular_regression", labels=[])["id"]
    classes = make_project(admin, task_type="tabular_classification", labels=["a", "b"])["id"]
    waits = {pid: admin.get(f"/api/projects/{pid}/stats").json()["strategy"]["detail"]
             for pid in (numbers, classes)}
    assert waits[numbers] == "random order until the first model"
    assert waits[classes] == "random order until the first model (labels of two classes)"
