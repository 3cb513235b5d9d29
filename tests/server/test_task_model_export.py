"""The exported models of anomaly and matching projects: download, predict, CLI, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from auth_helpers import admin_client
from server_helpers import make_project, retrain, upload
from test_matching_projects import answer as answer_pairs
from test_matching_projects import import_tables, people_tables
from test_model_export import _load
from typer.testing import CliRunner

from activelab.cli import app as cli_app

FEATURES = ["a", "b", "c"]
N_OUTLIERS = 12


def _anomaly_csv(n: int = 150) -> tuple[str, dict[str, str]]:
    """Normal rows around 0 and ``N_OUTLIERS`` far out on ``a`` and ``c``; some ``b`` missing."""
    rng = np.random.default_rng(0)
    lines, truth = ["id,a,b,c"], {}
    for i in range(n):
        outlier = i % (n // N_OUTLIERS) == 0
        a, b, c = rng.normal(size=3) + (np.array([6.0, 0.0, -5.0]) if outlier else 0.0)
        lines.append(f"r{i},{a:.4f},{'' if i % 9 == 4 else f'{b:.4f}'},{c:.4f}")
        truth[f"r{i}"] = "anomaly" if outlier else "normal"
    return "\n".join(lines) + "\n", truth


def _answer(client, pid: int, truth: dict[str, str], n: int) -> None:
    for _ in range(n):
        item = client.get(f"/api/projects/{pid}/next").json()["item"]
        response = client.post(f"/api/projects/{pid}/labels",
                               json={"item_id": item["id"], "value": truth[item["external_id"]]})
        assert response.status_code == 201, response.text


def _anomaly_project(live, admin, n_answers: int = 16) -> int:
    pid = make_project(admin, task_type="anomaly", labels=[], eval_fraction=0.0)["id"]
    text, truth = _anomaly_csv()
    assert upload(admin, pid, "rows.csv", text).status_code == 200
    retrain(live, pid)  # the detector ranks the items before any answer
    _answer(admin, pid, truth, n_answers)
    retrain(live, pid)
    return pid


def _matching_project(live, admin, n_answers: int = 14) -> int:
    left, right, matches = people_tables(40, 40)
    pid = make_project(admin, task_type="matching", labels=[], eval_fraction=0.0)["id"]
    assert import_tables(admin, pid, left, right).status_code == 200
    answer_pairs(admin, pid, matches, n_answers)
    retrain(live, pid)
    return pid


def _download(admin, pid: int) -> bytes:
    response = admin.get(f"/api/projects/{pid}/model")
    assert response.status_code == 200, response.text
    return response.content


def _exported(admin, pid: int, own_type: str):
    """The project's model, loaded after checking that it holds ``own_type``."""
    data = _download(admin, pid)
    assert own_type in sio.get_untrusted_types(data=data)
    return _load(data)


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows, columns=FEATURES).astype(float)


NEW_ROWS = [{"a": 6.5, "b": 0.1, "c": -5.2}, {"a": 0.1, "b": None, "c": -0.3},
            {"a": 0.0, "b": 9.0, "c": 0.0}]
NEW_PAIRS = [{"left": {"name": "Ada Lovelace", "city": "London", "born": 1915},
              "right": {"name": "Ada Lovelase", "city": "London", "born": 1915}},
             {"left": {"name": "Alan Turing", "city": "Boston", "born": 1950},
              "right": {"name": "Grace Hopper", "city": "Oslo", "born": None}}]


def test_downloaded_anomaly_model_scores_as_the_endpoint_and_the_queue(live_any_db, db_url):
    with admin_client(live_any_db) as admin:
        pid = _anomaly_project(live_any_db, admin)
        model = _exported(admin, pid, "activelab.tasks.anomaly._detector.SemiSupervisedDetector")
        assert list(model.feature_names_in_) == FEATURES
        detector = model[-1]
        assert detector.classifier_ is not None and sum(detector.n_labels_) == 16

        served = admin.post(f"/api/projects/{pid}/predict", json={"rows": NEW_ROWS})
        assert served.status_code == 200, served.text
        body = served.json()
        frame = _frame(NEW_ROWS)
        np.testing.assert_allclose(body["scores"], model.score_samples(frame), rtol=0,
                                   atol=1e-12)
        assert body["threshold"] == detector.threshold_
        assert body["predictions"] == ["anomaly" if v else "normal"
                                       for v in model.predict(frame)]
        assert body["predictions"][:2] == ["anomaly", "normal"]
        assert body["probabilities"] is None and body["n_labels"] == 16
        deviations = detector.feature_deviations(model[:-1].transform(frame))
        for unusual, row in zip(body["unusual"], deviations, strict=True):
            assert [u["feature"] for u in unusual] == [
                FEATURES[j] for j in np.argsort(-np.abs(row), kind="stable")]
            np.testing.assert_allclose([u["deviation"] for u in unusual],
                                       row[np.argsort(-np.abs(row), kind="stable")])
        assert body["unusual"][2][0]["feature"] == "b" and body["unusual"][2][0]["value"] == 9.0

        # The queue's verdict on an item is the exported model's on its raw columns.
        item = admin.get(f"/api/projects/{pid}/next").json()["item"]
        why = item["why"]
        again = admin.post(f"/api/projects/{pid}/predict",
                           json={"rows": [item["data"]["columns"]]}).json()
        assert again["scores"][0] == pytest.approx(why["suspicion"], rel=1e-9)
        assert again["threshold"] == pytest.approx(why["threshold"], rel=1e-12)
        assert again["predictions"][0] == why["guess"]
        assert [u["feature"] for u in again["unusual"][0]] == [
            u["feature"] for u in why["unusual"]]
        info = admin.get(f"/api/projects/{pid}/model/info").json()
        assert info["exportable"] is True and info["version"] == 2


def test_downloaded_matching_model_compares_pairs_as_the_endpoint_and_the_queue(live_any_db,
                                                                              db_url):
    with admin_client(live_any_db) as admin:
        pid = _matching_project(live_any_db, admin)
        model = _exported(admin, pid, "activelab.tasks.matching._featurizer.PairFeaturizer")
        assert model[0].fields_ == {"name": "string", "city": "string", "born": "numeric"}
        served = admin.post(f"/api/projects/{pid}/predict", json={"pairs": NEW_PAIRS})
        assert served.status_code == 200, served.text
        body = served.json()
        assert body["classes"] == list(model.classes_) == ["different", "same"]
        assert body["predictions"] == list(model.predict(NEW_PAIRS))
        proba = model.predict_proba(NEW_PAIRS)
        np.testing.assert_allclose(body["probabilities"], proba, rtol=0, atol=1e-12)
        np.testing.assert_allclose(body["match_probability"], proba[:, 1], rtol=0, atol=1e-12)
        # (The answers depend on the queue's random order before the first model.)
        assert body["match_probability"][0] > body["match_probability"][1]

        # An open pair of the queue: the same features, so the queue's match probability.
        item = admin.get(f"/api/projects/{pid}/next").json()["item"]
        pair = {side: item["data"][side]["fields"] for side in ("left", "right")}
        again = admin.post(f"/api/projects/{pid}/predict", json={"pairs": [pair]}).json()
        assert again["match_probability"][0] == pytest.approx(
            item["why"]["match_probability"], abs=1e-6)


def test_no_model_yet_is_a_clear_conflict_for_both(live, admin):
    anomaly = make_project(admin, task_type="anomaly", labels=[])["id"]
    matching = make_project(admin, task_type="matching", labels=[])["id"]
    left, right, _ = people_tables(10, 10)
    assert import_tables(admin, matching, left, right).status_code == 200
    for pid, body in ((anomaly, {"rows": NEW_ROWS}), (matching, {"pairs": NEW_PAIRS})):
        for response in (admin.get(f"/api/projects/{pid}/model"),
                         admin.post(f"/api/projects/{pid}/predict", json=body)):
            assert response.status_code == 409, response.text
            assert "has no model yet" in response.json()["detail"]
        info = admin.get(f"/api/projects/{pid}/model/info").json()
        assert info["version"] is None and info["exportable"] is True


def test_anomaly_predict_refuses_missing_features_and_other_items(live, admin):
    pid = _anomaly_project(live, admin, n_answers=4)
    response = admin.post(f"/api/projects/{pid}/predict", json={"rows": [{"a": 1.0, "c": 2.0}]})
    assert response.status_code == 422
    assert "item 0: lacks feature(s) ['b']" in response.json()["detail"]
    response = admin.post(f"/api/projects/{pid}/predict", json={"pairs": NEW_PAIRS})
    assert response.status_code == 422 and "predicts from 'rows'" in response.json()["detail"]


@pytest.mark.parametrize(("pairs", "message"), [
    ([{"left": {"name": "Ada", "city": "London"}, "right": NEW_PAIRS[0]["right"]}],
     "pair 0: the left record lacks field(s) ['born']"),
    ([{"left": NEW_PAIRS[0]["left"], "right": {**NEW_PAIRS[0]["right"], "born": "soon"}}],
     "pair 0: right 'born' is 'soon', not a number"),
])
def test_matching_predict_refuses_incomplete_or_mistyped_records(live, admin, pairs, message):
    pid = _matching_project(live, admin, n_answers=4)
    response = admin.post(f"/api/projects/{pid}/predict", json={"pairs": pairs})
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    response = admin.post(f"/api/projects/{pid}/predict", json={"rows": NEW_ROWS})
    assert response.status_code == 422 and "predicts from 'pairs'" in response.json()["detail"]


@pytest.mark.parametrize("body", [
    {"pairs": []}, {"pairs": [{"left": {"name": "Ada"}}]},
    {"pairs": [{"left": ["Ada"], "right": {"name": "Ada"}}]},
    {"pairs": [{"left": {"name": "Ada"}, "right": {"name": "Ada"}, "score": 1}]},
    {"pairs": [{"left": {"name": {"first": "Ada"}}, "right": {"name": "Ada"}}]},
    {"pairs": [{"left": {"name": True}, "right": {"name": "Ada"}}]},
    {"pairs": NEW_PAIRS, "rows": NEW_ROWS},
])
def test_malformed_pairs_break_the_schema(live, admin, body):
    pid = make_project(admin, task_type="matching", labels=[])["id"]
    response = admin.post(f"/api/projects/{pid}/predict", json=body)
    assert response.status_code == 422, response.text


def test_pairs_sent_to_a_project_of_single_items_are_refused(live, admin):
    from test_model_export import _tabular_project

    pid = _tabular_project(live, admin)
    response = admin.post(f"/api/projects/{pid}/predict", json={"pairs": NEW_PAIRS})
    assert response.status_code == 422
    assert "does not compare pairs of records" in response.json()["detail"]


def test_cli_export_model_writes_both_models(live, admin, sqlite_url, tmp_path):
    for pid, items, predict in (
            (_anomaly_project(live, admin, n_answers=6), _frame(NEW_ROWS),
             lambda model, X: model.score_samples(X)),
            (_matching_project(live, admin, n_answers=4), NEW_PAIRS,
             lambda model, X: model.predict_proba(X))):
        out = tmp_path / f"model-{pid}.skops"
        result = CliRunner().invoke(cli_app, ["export-model", str(pid), "--db", sqlite_url,
                                              "--out", str(out)])
        assert result.exit_code == 0, result.output
        exported = _load(out.read_bytes())
        served = _load(_download(admin, pid))
        np.testing.assert_array_equal(predict(exported, items), predict(served, items))
