"""The trained model out of the server: download (skops), predict endpoint, CLI, rights."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from auth_helpers import admin_client
from server_helpers import label_from_truth, make_project, png_b64, upload
from typer.testing import CliRunner

from activelab.cli import app as cli_app
from activelab.client import MODEL_TYPES
from activelab.models import class_scores

FEATURES = ("a", "b", "c")


def _tabular_csv(n: int = 60) -> str:
    rng = np.random.default_rng(0)
    lines = ["id,a,b,c"]
    for i in range(n):
        a, b, c = rng.normal(size=3) + (2.0 if i % 2 else -2.0)
        lines.append(f"r{i},{a:.4f},{'' if i % 7 == 0 else f'{b:.4f}'},{c:.4f}")
    return "\n".join(lines) + "\n"


def _class_of(item) -> str:
    return "high" if int(item["external_id"][1:]) % 2 else "low"


def _tabular_project(live, admin, model_name: str = "logreg") -> int:
    project = make_project(admin, task_type="tabular_classification", labels=["low", "high"],
                           model_name=model_name)
    assert upload(admin, project["id"], "rows.csv", _tabular_csv()).status_code == 200
    label_from_truth(admin, project["id"], 16, _class_of)
    assert live.app.state.worker.run_pending() == [project["id"]]
    return project["id"]


def _load(data: bytes):
    untrusted = sio.get_untrusted_types(data=data)
    assert set(untrusted) <= set(MODEL_TYPES), untrusted
    return sio.loads(data, trusted=untrusted)


NEW_ROWS = [{"a": -1.5, "b": -2.0, "c": -2.5}, {"a": 2.2, "b": None, "c": 1.9},
            {"a": 0.1, "b": 0.0, "c": -0.2}]


def test_downloaded_tabular_model_predicts_as_the_endpoint(live_any_db, db_url):
    with admin_client(live_any_db) as admin:
        pid = _tabular_project(live_any_db, admin)
        response = admin.get(f"/api/projects/{pid}/model")
        assert response.status_code == 200, response.text
        assert response.headers["x-model-version"] == "1"
        model = _load(response.content)
        assert list(model.feature_names_in_) == list(FEATURES)
        served = admin.post(f"/api/projects/{pid}/predict", json={"rows": NEW_ROWS})
        assert served.status_code == 200, served.text
        body = served.json()
        assert body["model_version"] == 1 and body["n_labels"] > 0
        frame = pd.DataFrame.from_records(NEW_ROWS, columns=list(FEATURES)).astype(float)
        assert body["classes"] == list(model.classes_)
        assert body["predictions"] == list(model.predict(frame))
        np.testing.assert_allclose(body["probabilities"], model.predict_proba(frame),
                                   rtol=0, atol=1e-12)
        assert body["predictions"][:2] == ["low", "high"]
        info = admin.get(f"/api/projects/{pid}/model/info").json()
        assert info["version"] == 1 and info["exportable"] is True


@pytest.mark.parametrize("model_name", ["linearsvm", "tree", "knn"])
def test_models_without_probabilities_or_with_trees_match_too(live, admin, model_name):
    pid = _tabular_project(live, admin, model_name)
    model = _load(admin.get(f"/api/projects/{pid}/model").content)
    body = admin.post(f"/api/projects/{pid}/predict", json={"rows": NEW_ROWS}).json()
    frame = pd.DataFrame.from_records(NEW_ROWS, columns=list(FEATURES)).astype(float)
    assert body["predictions"] == list(model.predict(frame))
    np.testing.assert_allclose(body["probabilities"], class_scores(model, frame), atol=1e-12)


def test_text_model_takes_raw_texts(live, admin):
    project = make_project(admin, labels=["pos", "neg"])
    words = {"pos": "great lovely wonderful", "neg": "awful horrible dreadful"}
    rows = [json.dumps({"id": f"t{i}", "text": f"{words['pos' if i % 2 else 'neg']} film {i}"})
            for i in range(30)]
    assert upload(admin, project["id"], "t.jsonl", "\n".join(rows)).status_code == 200
    label_from_truth(admin, project["id"], 10,
           lambda item: "pos" if int(item["external_id"][1:]) % 2 else "neg")
    live.app.state.worker.run_pending()
    model = _load(admin.get(f"/api/projects/{project['id']}/model").content)
    texts = ["a lovely wonderful evening", "horrible awful"]
    body = admin.post(f"/api/projects/{project['id']}/predict", json={"texts": texts}).json()
    assert body["predictions"] == list(model.predict(texts)) == ["pos", "neg"]
    np.testing.assert_allclose(body["probabilities"], model.predict_proba(texts), atol=1e-12)


def test_image_project_predicts_from_base64_images(live, admin):
    project = make_project(admin, task_type="image_classification", labels=["dark", "light"])
    rows = [json.dumps({"id": f"i{v}", "image": png_b64(v)}) for v in range(0, 250, 10)]
    assert upload(admin, project["id"], "i.jsonl", "\n".join(rows)).status_code == 200
    label_from_truth(admin, project["id"], 10,
           lambda item: "light" if int(item["external_id"][1:]) > 120 else "dark")
    live.app.state.worker.run_pending()
    body = admin.post(f"/api/projects/{project['id']}/predict",
                      json={"images": [png_b64(5), png_b64(250)]})
    assert body.status_code == 200, body.text
    assert body.json()["predictions"] == ["dark", "light"]


def test_no_model_yet_is_a_clear_conflict(live, admin):
    project = make_project(admin, task_type="tabular_classification", labels=["low", "high"])
    upload(admin, project["id"], "rows.csv", _tabular_csv(10))
    for response in (admin.get(f"/api/projects/{project['id']}/model"),
                     admin.post(f"/api/projects/{project['id']}/predict",
                                json={"rows": NEW_ROWS})):
        assert response.status_code == 409
        assert "has no model yet" in response.json()["detail"]
    info = admin.get(f"/api/projects/{project['id']}/model/info").json()
    assert info["version"] is None


def test_predict_refuses_missing_and_unknown_features(live, admin):
    pid = _tabular_project(live, admin)
    response = admin.post(f"/api/projects/{pid}/predict", json={"rows": [{"a": 1.0, "c": 2.0}]})
    assert response.status_code == 422
    assert "item 0: lacks feature(s) ['b']" in response.json()["detail"]
    response = admin.post(f"/api/projects/{pid}/predict",
                          json={"rows": [{"a": 1.0, "b": 1.0, "c": 2.0, "d": 0.0}]})
    assert response.status_code == 422 and "unknown feature(s) ['d']" in response.json()["detail"]
    response = admin.post(f"/api/projects/{pid}/predict", json={"texts": ["words"]})
    assert response.status_code == 422 and "predicts from 'rows'" in response.json()["detail"]


@pytest.mark.parametrize("body", [
    {}, {"rows": []}, {"rows": [{"a": "1"}]}, {"rows": NEW_ROWS, "texts": ["x"]},
    {"texts": ["x"] * 1001}, {"rows": NEW_ROWS, "extra": 1},
])
def test_predict_schema_is_strict(live, admin, body):
    project = make_project(admin, task_type="tabular_classification", labels=["low", "high"])
    response = admin.post(f"/api/projects/{project['id']}/predict", json=body)
    assert response.status_code == 422, response.text


def test_only_admins_download_or_predict(live, admin):
    pid = _tabular_project(live, admin)
    user_id, token = live.user("annie")
    assert admin.put(f"/api/projects/{pid}/members/{user_id}").status_code == 204
    with live.client(token) as annotator, live.client() as anonymous:
        assert annotator.get(f"/api/projects/{pid}/next").status_code == 200  # a member
        for client, status in ((annotator, 403), (anonymous, 401)):
            assert client.get(f"/api/projects/{pid}/model").status_code == status
            assert client.get(f"/api/projects/{pid}/model/info").status_code == status
            response = client.post(f"/api/projects/{pid}/predict", json={"rows": NEW_ROWS})
            assert response.status_code == status


@pytest.mark.parametrize("model_name", ["torch-mlp"])
def test_torch_model_is_exported_as_weights_and_predicts_as_the_endpoint(live, admin,
                                                                         model_name):
    pytest.importorskip("torch")
    pid = _tabular_project(live, admin, model_name)
    response = admin.get(f"/api/projects/{pid}/model")
    assert response.status_code == 200, response.text
    untrusted = sio.get_untrusted_types(data=response.content)
    assert [name for name in untrusted if "torch" in name] == [
        "activelab.models.torch_nets.TorchMLPClassifier"]  # weights as arrays, no tensor
    model = _load(response.content)
    body = admin.post(f"/api/projects/{pid}/predict", json={"rows": NEW_ROWS}).json()
    frame = pd.DataFrame.from_records(NEW_ROWS, columns=list(FEATURES)).astype(float)
    assert body["predictions"] == list(model.predict(frame))
    np.testing.assert_allclose(body["probabilities"], model.predict_proba(frame), atol=1e-12)
    assert admin.get(f"/api/projects/{pid}/model/info").json()["exportable"] is True


def test_cli_export_model_writes_the_same_model(live, admin, sqlite_url, tmp_path):
    pid = _tabular_project(live, admin)
    out = tmp_path / "model.skops"
    result = CliRunner().invoke(cli_app, ["export-model", str(pid), "--db", sqlite_url,
                                          "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "model version 1" in result.output
    exported = _load(out.read_bytes())
    served = _load(admin.get(f"/api/projects/{pid}/model").content)
    frame = io.StringIO(_tabular_csv())
    X = pd.read_csv(frame)[list(FEATURES)]
    np.testing.assert_array_equal(exported.predict_proba(X), served.predict_proba(X))


def test_cli_export_model_before_any_model_says_so(live, admin, sqlite_url, tmp_path):
    project = make_project(admin, task_type="tabular_classification", labels=["low", "high"])
    result = CliRunner().invoke(cli_app, ["export-model", str(project["id"]), "--db",
                                          sqlite_url, "--out", str(tmp_path / "m.skops")])
    assert result.exit_code != 0
    assert "has no model yet" in str(result.exception)
    assert not (tmp_path / "m.skops").exists()


def _regression_project(live, admin, model_name: str = "ridge") -> tuple[int, list[str]]:
    from test_regression_projects import answer, diabetes_csv, regression_project

    text, truth = diabetes_csv(120)
    project = regression_project(admin, model_name=model_name)
    assert upload(admin, project["id"], "diabetes.csv", text).status_code == 200
    answer(admin, project["id"], truth, 20)
    assert live.app.state.worker.run_pending() == [project["id"]]
    return project["id"], [f"x{j}" for j in range(10)]


def _diabetes_rows(columns: list[str], n: int = 5) -> list[dict[str, float | None]]:
    from sklearn.datasets import load_diabetes

    X, _ = load_diabetes(return_X_y=True)
    rows: list[dict[str, float | None]] = [dict(zip(columns, map(float, x), strict=True))
                                           for x in X[-n:]]
    rows[0]["x3"] = None  # missing: the column's mean over the project's items
    return rows


def test_downloaded_regression_model_predicts_values_as_the_endpoint(live_any_db):
    with admin_client(live_any_db) as admin:
        pid, columns = _regression_project(live_any_db, admin)
        response = admin.get(f"/api/projects/{pid}/model")
        assert response.status_code == 200, response.text
        model = _load(response.content)
        rows = _diabetes_rows(columns)
        served = admin.post(f"/api/projects/{pid}/predict", json={"rows": rows})
        assert served.status_code == 200, served.text
        body = served.json()
        frame = pd.DataFrame.from_records(rows, columns=columns).astype(float)
        np.testing.assert_allclose(body["predictions"], model.predict(frame), rtol=0,
                                   atol=1e-9)
        assert body["classes"] == [] and body["probabilities"] is None
        for value, (low, high), std in zip(body["predictions"], body["intervals"], body["std"],
                                           strict=True):
            assert std > 0 and low < value < high
            assert high - low == pytest.approx(2 * 1.959963984540054 * std)


@pytest.mark.parametrize("model_name", ["bayesridge", "rf", "knn"])
def test_every_regressor_is_exported(live, admin, model_name):
    pid, columns = _regression_project(live, admin, model_name)
    model = _load(admin.get(f"/api/projects/{pid}/model").content)
    rows = _diabetes_rows(columns, 3)
    body = admin.post(f"/api/projects/{pid}/predict", json={"rows": rows}).json()
    frame = pd.DataFrame.from_records(rows, columns=columns).astype(float)
    np.testing.assert_allclose(body["predictions"], model.predict(frame), rtol=0, atol=1e-9)
    assert all(s >= 0 for s in body["std"])
