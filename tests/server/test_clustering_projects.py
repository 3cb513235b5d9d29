"""Clustering projects end to end: rows imported as points, candidate pairs built by the
server, same/different answers, PCKMeans retrains, uncertain pairs, the clusters export,
deleted points, and bad input."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import httpx
import numpy as np
import pytest
from server_helpers import Live, make_project, refuse_answer, retrain, upload
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sqlalchemy import func, select

from activelab.client import Client
from activelab.server import Settings
from activelab.server.db import (
    make_engine,
    make_session_factory,
    upgrade_database,
    write_transaction,
)
from activelab.server.models import ClusterPoint, Item, Role
from activelab.server.services.projects import create_project


def blobs_csv(n: int = 60, k: int = 3) -> tuple[str, dict[str, int]]:
    """``n`` rows in ``k`` well-separated blobs; the true class by row id. The ``label``
    column holds the class and must never become a feature."""
    X, y = make_blobs(n_samples=n, centers=k, n_features=3, cluster_std=0.6, random_state=3)
    out = io.StringIO()
    out.write("id,a,b,c,label\n")
    for i, (row, cls) in enumerate(zip(X, y, strict=True)):
        out.write(f"r{i},{row[0]:.4f},{row[1]:.4f},{row[2]:.4f},{cls}\n")
    return out.getvalue(), {f"r{i}": int(c) for i, c in enumerate(y)}


def truth(item: dict, classes: dict[str, int]) -> str:
    data = item["data"]
    return "same" if classes[data["left"]["id"]] == classes[data["right"]["id"]] \
        else "different"


def clustering_project(client: httpx.Client, **fields) -> dict:
    return make_project(client, **{"task_type": "clustering", "labels": [], "n_clusters": 3,
                                   **fields})


def exported_clusters(client: httpx.Client, pid: int) -> list[dict[str, str]]:
    response = client.get(f"/api/projects/{pid}/export", params={"format": "clusters"})
    assert response.status_code == 200, response.text
    assert 'filename="project-' in response.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(response.text)))


def test_a_clustering_project_end_to_end(live_any_db: Live):
    _, token = live_any_db.user("cluster-admin", Role.admin)
    with live_any_db.client(token) as admin:
        project = clustering_project(admin)
        pid = project["id"]
        assert project["n_clusters"] == 3 and project["labels"] == ["same", "different"]
        assert (project["model_name"], project["strategy_name"]) == ("pckmeans",
                                                                     "uncertain-pairs")
        text, classes = blobs_csv()
        report = upload(admin, pid, "points.csv", text).json()
        assert report["inserted"] == 60 and report["n_errors"] == 0
        assert report["feature_columns"] == ["a", "b", "c"]  # not the label column
        # Nearest neighbours plus random pairs: far fewer than all 1,770 pairs.
        assert 60 <= report["candidate_pairs"] <= 4 * 60
        first = admin.get(f"/api/projects/{pid}/next").json()
        assert first["progress"]["total"] == report["candidate_pairs"]
        assert first["item"]["why"]["strategy"] == "random"  # no clustering yet
        assert set(first["item"]["data"]) >= {"left", "right", "kinds"}
        assert admin.post(f"/api/projects/{pid}/labels", json={
            "item_id": first["item"]["id"], "value": truth(first["item"], classes)}
        ).status_code == 201
        # The same file again adds no point and no pair.
        again = upload(admin, pid, "points.csv", text).json()
        assert (again["inserted"], again["duplicates"], again["candidate_pairs"]) == (0, 60, 0)

        retrain(live_any_db, pid)  # k-means before any answer: the first clustering
        curve = admin.get(f"/api/projects/{pid}/stats").json()["learning_curve"]
        assert sum(curve[-1]["cluster_sizes"]) == 60 and curve[-1]["ari"] is None

        answered = 1
        for _ in range(12):
            item = admin.get(f"/api/projects/{pid}/next").json()["item"]
            why = item["why"]
            assert why["strategy"] == "uncertain-pairs"
            assert {why["left_cluster"], why["right_cluster"]} <= {0, 1, 2}
            assert why["distance"] >= 0 and why["guess"] in ("same", "different")
            response = admin.post(f"/api/projects/{pid}/labels",
                                  json={"item_id": item["id"], "value": truth(item, classes)})
            assert response.status_code == 201, response.text
            answered += 1
        unsure = admin.get(f"/api/projects/{pid}/next").json()["item"]
        response = admin.post(f"/api/projects/{pid}/labels",
                              json={"item_id": unsure["id"], "skip": True})
        assert response.status_code == 201 and response.json()["is_skip"] is True
        retrain(live_any_db, pid)
        last = admin.get(f"/api/projects/{pid}/stats").json()["learning_curve"][-1]
        assert last["must_links"] + last["cannot_links"] == answered  # the skip is no answer
        assert 0.0 <= last["moved_fraction"] <= 1.0 and -1.0 <= last["ari"] <= 1.0
        assert last["headline"] == "ari" and sorted(last["cluster_sizes"]) != [0, 0, 60]

        rows = exported_clusters(admin, pid)
        assert [r["external_id"] for r in rows] == [f"r{i}" for i in range(60)]
        model = admin.get(f"/api/projects/{pid}/model")
        assert model.status_code == 409 and "format=clusters" in model.text
        with Client(live_any_db.url, token=token) as client:  # the Python client reads it too
            assert client.export(pid, "clusters").decode() == admin.get(
                f"/api/projects/{pid}/export", params={"format": "clusters"}).text
        found = [int(r["cluster"]) for r in rows]
        assert set(found) <= {0, 1, 2}
        assert adjusted_rand_score([classes[r["external_id"]] for r in rows], found) > 0.8

        # A point is deleted while an annotator holds a pair that shows it.
        held = admin.get(f"/api/projects/{pid}/next").json()["item"]
        point_id = held["data"]["points"][0]
        gone = admin.delete(f"/api/projects/{pid}/points/{point_id}")
        assert gone.status_code == 200 and gone.json()["pairs_deleted"] >= 1
        late = admin.post(f"/api/projects/{pid}/labels",
                          json={"item_id": held["id"], "value": "same"})
        assert late.status_code == 409 and "the item was deleted" in late.text, late.text
        for _ in range(5):
            item = admin.get(f"/api/projects/{pid}/next").json()["item"]
            assert point_id not in item["data"]["points"]
            admin.post(f"/api/projects/{pid}/labels",
                       json={"item_id": item["id"], "value": truth(item, classes)})
        assert admin.delete(f"/api/projects/{pid}/points/{point_id}").status_code == 404
        retrain(live_any_db, pid)
        assert len(exported_clusters(admin, pid)) == 59


def test_text_points_are_clustered(live: Live, admin: httpx.Client):
    pid = clustering_project(admin, n_clusters=2)["id"]
    lines = ["id,text"] + [f"c{i},the cat sat on the mat with cat food {i}" for i in range(8)] \
        + [f"s{i},stock markets fell as bond yields rose {i}" for i in range(8)]
    report = upload(admin, pid, "texts.csv", "\n".join(lines) + "\n").json()
    assert report["inserted"] == 16 and report["candidate_pairs"] > 0
    retrain(live, pid)
    rows = exported_clusters(admin, pid)
    found = {r["external_id"]: int(r["cluster"]) for r in rows}
    assert len({found[f"c{i}"] for i in range(8)}) == 1
    assert len({found[f"s{i}"] for i in range(8)}) == 1
    assert found["c0"] != found["s0"]
    item = admin.get(f"/api/projects/{pid}/next").json()["item"]
    assert item["data"]["kinds"] == {"text": "string"}


def test_bad_clustering_settings_are_refused(live: Live, admin: httpx.Client):
    base = {"name": "bad-clusters", "task_type": "clustering"}
    for n_clusters, message in ((None, "needs n_clusters"), (1, "at least 2"),
                                (0, "at least 2"), ("three", "integer"), (2.5, "integer")):
        body = {**base, **({} if n_clusters is None else {"n_clusters": n_clusters})}
        response = admin.post("/api/projects", json=body)
        assert response.status_code == 422, (n_clusters, response.text)
        assert message in response.text, (n_clusters, response.text)
    other = admin.post("/api/projects", json={"name": "not-clusters", "n_clusters": 3,
                                              "task_type": "text_classification",
                                              "labels": ["a", "b"]})
    assert other.status_code == 422 and "for clustering projects" in other.text
    pid = clustering_project(admin, n_clusters=2)["id"]
    upload(admin, pid, "points.csv", blobs_csv(n=6)[0])
    too_many = admin.patch(f"/api/projects/{pid}", json={"n_clusters": 7})
    assert too_many.status_code == 422 and "more than the project's 6" in too_many.text
    assert admin.patch(f"/api/projects/{pid}", json={"n_clusters": 4}).json()["n_clusters"] == 4


def test_bad_answers_rows_and_exports_are_refused(live: Live, admin: httpx.Client):
    pid = clustering_project(admin)["id"]
    before = admin.get(f"/api/projects/{pid}/export", params={"format": "clusters"})
    assert before.status_code == 409 and "no clustering yet" in before.text
    bad_rows = upload(admin, pid, "points.csv", "id,a\nx1,1\nx2,oops\nx3,2\n").json()
    assert bad_rows["inserted"] == 2 and bad_rows["errors"][0]["line"] == 3
    item = admin.get(f"/api/projects/{pid}/next").json()["item"]
    for value in ("maybe", "unsure", 1, ["same"]):
        refuse_answer(live, admin, pid, item["id"], value, "'same' or 'different'")
    refuse_answer(live, admin, pid, item["id"], None, "skip=true")  # unsure is a skip

    # Too few items to cluster: the retrain says so, on the dashboard too.
    worker = live.app.state.worker
    worker.notify(pid, force=True)
    worker.run_pending()
    assert "2 item(s) cannot form 3 clusters" in worker.last_error[pid]
    stats = admin.get(f"/api/projects/{pid}/stats").json()
    assert "cannot form 3 clusters" in stats["last_error"]

    text_project = make_project(admin)["id"]
    wrong = admin.get(f"/api/projects/{text_project}/export", params={"format": "clusters"})
    assert wrong.status_code == 422 and "clustering projects" in wrong.text
    assert admin.delete(f"/api/projects/{text_project}/points/1").status_code == 422
    assert admin.delete(f"/api/projects/{pid}/points/999999").status_code == 404
    update = upload(admin, pid, "points.csv", "id,a\nx1,5\n", on_duplicate="update")
    assert update.status_code == 422 and "never rewritten" in update.text
    image = upload(admin, pid, "points.zip", b"PK\x05\x06" + b"\0" * 18)
    assert image.status_code == 422 and "CSV or JSONL" in image.text


def test_candidate_pairs_never_cover_every_pair():
    from activelab.tasks.clustering import candidate_pairs

    X = np.random.default_rng(0).normal(size=(500, 4))
    pairs = candidate_pairs(X, neighbours=2, random_state=0)
    assert len(pairs) <= 3 * 500 and (pairs[:, 0] < pairs[:, 1]).all()
    assert len(np.unique(pairs, axis=0)) == len(pairs)
    assert len(candidate_pairs(X[:1])) == 0


def _cli_project(tmp_path) -> tuple[str, object, object]:
    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(Settings(db_url=db_url))
    upgrade_database(engine)
    factory = make_session_factory(engine)
    with write_transaction(factory) as session:
        create_project(session, name="shapes", task_type="clustering", n_clusters=2)
    source = tmp_path / "points.csv"
    source.write_text(blobs_csv(n=10, k=2)[0])
    return db_url, engine, factory


def _counts(factory) -> tuple[int, int]:
    with factory() as session:
        return (session.scalar(select(func.count()).select_from(ClusterPoint)),
                session.scalar(select(func.count()).select_from(Item)))


def test_the_import_command_imports_points_and_builds_pairs(tmp_path):
    """What ``activelab import`` runs, in this process."""
    from activelab.server.runner import import_source

    db_url, engine, factory = _cli_project(tmp_path)
    try:
        report = import_source("shapes", tmp_path / "points.csv", db_url)
        points, pairs = _counts(factory)
        assert (report["inserted"], points) == (10, 10)
        assert report["candidate_pairs"] == pairs and 10 <= pairs < 45
    finally:
        engine.dispose()


@pytest.mark.slow
def test_the_cli_imports_points_and_builds_pairs(tmp_path):
    db_url, engine, factory = _cli_project(tmp_path)
    try:
        done = subprocess.run([sys.executable, "-m", "activelab.cli", "import", "shapes",
                               str(tmp_path / "points.csv"), "--db", db_url],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "imported 10 item(s); 0 bad" in done.stdout
        points, pairs = _counts(factory)
        assert points == 10 and f"pair questions added: {pairs}" in done.stdout
    finally:
        engine.dispose()
