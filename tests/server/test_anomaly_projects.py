"""Anomaly projects end to end on real data (ADBench thyroid): create, import, a queue the
detector orders before any answer, its suspicion with the unusual features, answers
checked by the anomaly task, precision@k and anomalies found per label, exports."""

from __future__ import annotations

import csv
import io
import json
import time

import httpx
import pytest
from server_helpers import Live, ServerProcess, make_project, make_users, upload
from test_regression_projects import answer
from test_text_regression_projects import assert_refused

from activelab.data import find_data_dir
from activelab.server.models import Role

pytestmark = pytest.mark.skipif(find_data_dir() is None, reason="../shared/data is absent")

N_ANSWERS = 40


def thyroid_csv(n: int = 800) -> tuple[str, dict[str, str]]:
    """A stratified sample of ADBench thyroid as CSV (``id``, six features) and the truth."""
    from activelab.tasks.anomaly import load_anomaly_dataset

    data = load_anomaly_dataset("adbench:thyroid", max_samples=n)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", *(f"x{j}" for j in range(data.X.shape[1]))])
    for i, row in enumerate(data.X):
        writer.writerow([f"t{i}", *(f"{v:.6g}" for v in row)])
    return out.getvalue(), {f"t{i}": "anomaly" if y == 1 else "normal"
                            for i, y in enumerate(data.y.tolist())}


def anomaly_project(client: httpx.Client, **fields) -> dict:
    return make_project(client, task_type="anomaly", labels=[], **fields)


@pytest.mark.slow
def test_an_anomaly_project_end_to_end(live_any_db: Live):
    _, token = live_any_db.user("fraud-admin", Role.admin)
    with live_any_db.client(token) as admin:
        project = anomaly_project(admin, eval_fraction=0.0)
        assert project["labels"] == ["anomaly", "normal"]
        assert (project["model_name"], project["strategy_name"]) == ("logreg", "most-anomalous")
        pid = project["id"]
        text, truth = thyroid_csv()
        report = upload(admin, pid, "thyroid.csv", text).json()
        assert report["inserted"] == 800 and report["n_errors"] == 0
        # The import asks for a retrain: the detector ranks the items before any answer.
        worker = live_any_db.app.state.worker
        assert worker.run_pending() == [pid] and worker.last_error == {}
        item = admin.get(f"/api/projects/{pid}/next").json()["item"]
        why = item["why"]
        assert why["strategy"] == "most-anomalous" and why["model_version"] == 1
        assert why["guess"] == "anomaly" and why["suspicion"] > why["threshold"]
        assert why["score"] == pytest.approx(why["suspicion"])
        assert len(why["unusual"]) == 3
        assert {u["feature"] for u in why["unusual"]} <= set(item["data"]["columns"])
        top = why["unusual"][0]
        assert top["value"] == pytest.approx(item["data"]["columns"][top["feature"]], rel=1e-5)
        assert abs(top["deviation"]) >= abs(why["unusual"][-1]["deviation"])

        served = answer(admin, pid, truth, N_ANSWERS)
        found = sum(truth[item["external_id"]] == "anomaly" for item in served)
        # 20 anomalies in 800 items (2.5%): the most suspicious items hold many more.
        assert found >= 8
        worker.notify(pid, force=True)
        assert worker.run_pending() == [pid] and worker.last_error == {}
        why = admin.get(f"/api/projects/{pid}/next").json()["item"]["why"]
        assert why["model_version"] == 2 and why["guess"] in ("anomaly", "normal")

        stats = admin.get(f"/api/projects/{pid}/stats").json()
        headline = stats["headline"]
        assert (headline["task"], headline["metric"]) == ("anomaly", "precision_at_k")
        assert not headline["lower_is_better"] and 0 <= headline["value"] <= 1
        point = stats["learning_curve"][-1]
        assert point["estimate"] == "cross-validation" and point["n_labeled"] == N_ANSWERS
        assert point["anomalies_found"] == found and point["n_answers"] == N_ANSWERS
        assert point["found_per_label"] == pytest.approx(found / N_ANSWERS)
        assert 0 <= point["cv_average_precision"] <= 1
        assert stats["distribution"]["counts"] == {"anomaly": found,
                                                   "normal": N_ANSWERS - found}
        assert stats["strategy"]["active"] == "most-anomalous"

        exported = [json.loads(line) for line in admin.get(
            f"/api/projects/{pid}/export", params={"format": "jsonl"}).text.splitlines()]
        assert {row["external_id"]: row["label"] for row in exported} == {
            item["external_id"]: truth[item["external_id"]] for item in served}
        rows = list(csv.DictReader(io.StringIO(admin.get(
            f"/api/projects/{pid}/export", params={"format": "csv"}).text)))
        assert {r["external_id"]: r["label"] for r in rows} == {
            row["external_id"]: row["label"] for row in exported}
        studio = admin.get(f"/api/projects/{pid}/export", params={"format": "label-studio"})
        result = studio.json()[0]["annotations"][0]["result"][0]
        assert result["to_name"] == "table" and result["value"]["choices"][0] in truth.values()
        model = admin.get(f"/api/projects/{pid}/model")  # test_task_model_export.py: more
        assert model.status_code == 200 and model.headers["x-model-labels"] == str(N_ANSWERS)


def test_answers_retrain_and_reorder_the_queue(live, admin):
    pid = anomaly_project(admin, eval_fraction=0.0, strategy_name="threshold-uncertainty")["id"]
    text, truth = thyroid_csv(300)
    upload(admin, pid, "t.csv", text)
    worker = live.app.state.worker
    assert worker.run_pending() == [pid]
    before = admin.get(f"/api/projects/{pid}/stats").json()["queue"]
    answer(admin, pid, truth, 6)
    worker.notify(pid, force=True)
    assert worker.run_pending() == [pid] and worker.last_error == {}
    after = admin.get(f"/api/projects/{pid}/stats").json()["queue"]
    assert {row["model_version"] for row in after} == {2}
    assert [row["id"] for row in after] != [row["id"] for row in before]
    why = admin.get(f"/api/projects/{pid}/next").json()["item"]["why"]
    # Closest to the threshold first: the score is minus the distance to it.
    assert why["strategy"] == "threshold-uncertainty"
    assert why["score"] == pytest.approx(-abs(why["suspicion"] - why["threshold"]))


def test_unsure_is_a_skip_and_trains_nothing(live, admin):
    pid = anomaly_project(admin)["id"]
    upload(admin, pid, "t.csv", "id,x\na,1\nb,2\nc,50\n")
    item = admin.get(f"/api/projects/{pid}/next").json()["item"]
    response = admin.post(f"/api/projects/{pid}/labels", json={"item_id": item["id"],
                                                             "skip": True})
    assert response.status_code == 201 and response.json()["is_skip"]
    assert admin.get(f"/api/projects/{pid}/stats").json()["distribution"]["total"] == 0


@pytest.mark.parametrize(("value", "message"), [
    ("weird", "an anomaly answer is 'anomaly' or 'normal', got 'weird'"),
    ("unsure", "an anomaly answer is 'anomaly' or 'normal'"),
    (1, "an anomaly answer is 'anomaly' or 'normal', got 1"),
    (["anomaly"], "an anomaly answer is 'anomaly' or 'normal'"),
])
def test_a_bad_anomaly_answer_is_422_and_nothing_is_stored(live, admin, value, message):
    pid = anomaly_project(admin)["id"]
    item_id = assert_refused(live, admin, pid, "id,x\na,1\nb,2\n", value, message)
    good = admin.post(f"/api/projects/{pid}/labels", json={"item_id": item_id,
                                                         "value": "anomaly"})
    assert good.status_code == 201 and good.json()["value"] == "anomaly"


@pytest.mark.parametrize(("fields", "message"), [
    ({"labels": ["fraud", "ok"]}, "the answers of anomaly projects are fixed: anomaly, normal; "
                                   "leave labels out"),
    ({"model_name": "ridge"}, "unknown model 'ridge'; choose one of logreg, forest, none"),
    ({"strategy_name": "margin"}, "unknown strategy 'margin'"),
    ({"answer_max": 3}, "for regression projects"),
])
def test_a_bad_anomaly_project_is_422(live, admin, fields, message):
    response = admin.post("/api/projects", json={"name": "a", "task_type": "anomaly",
                                                 **fields})
    assert response.status_code == 422 and message in response.text, response.text


def test_a_non_numeric_cell_is_a_row_error_and_the_rest_is_imported(live, admin):
    pid = anomaly_project(admin)["id"]
    report = upload(admin, pid, "t.jsonl",
                    '{"id": "a", "amount": 12.5}\n{"id": "b", "amount": "lots"}\n').json()
    assert report["inserted"] == 1 and report["n_errors"] == 1
    assert "column 'amount' is not a number" in report["errors"][0]["error"]


@pytest.mark.slow
def test_the_worker_process_ranks_an_imported_anomaly_project_before_any_answer(db_url):
    users = make_users(db_url, [])
    server = ServerProcess(db_url, worker_poll_seconds=0.2).start()
    try:
        with server.client(users["boss"][1]) as admin:
            pid = anomaly_project(admin, eval_fraction=0.0)["id"]
            text, _ = thyroid_csv(300)
            assert upload(admin, pid, "t.csv", text).status_code == 200
            deadline = time.monotonic() + 240  # a loaded machine starts the worker slowly
            while not admin.get(f"/api/projects/{pid}/stats").json()["learning_curve"]:
                assert time.monotonic() < deadline, "the worker process never ranked the items"
                time.sleep(0.3)
            why = admin.get(f"/api/projects/{pid}/next").json()["item"]["why"]
            assert why["strategy"] == "most-anomalous" and why["model_version"] == 1
            assert why["guess"] == "anomaly" and len(why["unusual"]) == 3
    finally:
        server.stop()
