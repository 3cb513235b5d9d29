"""activelab.client against a real server subprocess, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import io
import json
import re
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from server_helpers import PASSWORD, ServerProcess, make_users, png_b64

from activelab.client import Client, load_model
from activelab.exceptions import (
    ActivelabError,
    AuthenticationError,
    ConnectionFailed,
    DataError,
    ServerError,
    WaitTimeout,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[ServerProcess, dict]]:
    """One server for the tests of bad input (no retraining needed)."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('client') / 'server.db'}"
    users = make_users(db_url, ["annie"])
    process = ServerProcess(db_url, worker_enabled="false").start()
    try:
        yield process, users
    finally:
        process.stop()


@pytest.fixture
def client(server) -> Iterator[Client]:
    process, users = server
    with Client(process.url, token=users["boss"][1]) as connected:
        yield connected


def _frame(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    high = np.arange(n) % 2 == 1
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(n)],
                          "x1": rng.normal(size=n) + np.where(high, 2.0, -2.0),
                          "x2": rng.normal(size=n) + np.where(high, 2.0, -2.0)})
    frame.loc[3, "x2"] = np.nan  # a missing value, imputed by the server
    return frame


def _tabular_project(client: Client) -> int:
    project = client.create_project(f"t-{uuid.uuid4().hex[:6]}", "tabular_classification",
                                    ["low", "high"])
    return project["id"]


def _retrain(process: ServerProcess) -> None:
    """The shared server runs no worker: retrain its pending projects here, on its database."""
    from activelab.server import Settings
    from activelab.server.db import make_engine, make_session_factory
    from activelab.server.services.worker import TrainingWorker

    engine = make_engine(Settings(db_url=process.db_url))
    try:
        TrainingWorker(make_session_factory(engine), Settings()).run_pending()
    finally:
        engine.dispose()


def test_end_to_end(db_url, tmp_path):
    users = make_users(db_url, [])
    process = ServerProcess(db_url, worker_poll_seconds=0.2).start()
    try:
        with Client(process.url, token=users["boss"][1]) as client:
            pid = _tabular_project(client)
            assert pid in [p["id"] for p in client.projects()]
            report = client.import_items(pid, _frame())
            assert report["inserted"] == 40 and report["feature_columns"] == ["x1", "x2"]
            for _ in range(12):
                item = client.next(pid)
                assert item is not None
                row = int(item["external_id"][1:])
                client.label(pid, item["id"], "high" if row % 2 else "low")
            info = client.wait_for_model(pid, timeout=90)
            assert info["version"] >= 1
            labels = client.labels(pid)
            assert len(labels) == 12 and set(labels["label"]) == {"low", "high"}
            assert str(labels["created_at"].dtype).startswith("datetime64")
            jsonl = client.export(pid, "jsonl")
            assert len(jsonl.decode().splitlines()) == 12
            csv_path = client.export(pid, "csv", tmp_path / "labels.csv")
            assert isinstance(csv_path, Path) and len(pd.read_csv(csv_path)) == 12
            assert len(json.loads(client.export(pid, "label-studio"))) == 12
            model = load_model(client.download_model(pid, tmp_path / "m.skops"))
            assert load_model(tmp_path / "m.skops").classes_.tolist() == model.classes_.tolist()
            new = pd.DataFrame({"x1": [-2.5, 2.5, 0.3], "x2": [-1.9, np.nan, 0.1]},
                               index=["a", "b", "c"])
            served = client.predict(pid, new)
            assert list(served.index) == ["a", "b", "c"]
            assert served["prediction"].tolist() == model.predict(new).tolist()
            assert served["prediction"].tolist()[:2] == ["low", "high"]
            columns = [f"proba_{name}" for name in model.classes_]
            np.testing.assert_allclose(served[columns].to_numpy(), model.predict_proba(new),
                                       rtol=0, atol=1e-12)
    finally:
        process.stop()


def test_password_login_and_logout(server):
    process, _ = server
    with Client(process.url, username="boss", password=PASSWORD) as client:
        assert client.user["username"] == "boss"
        pid = _tabular_project(client)  # a POST with the session cookie passes the CSRF check
        assert pid in [p["id"] for p in client.projects()]


def test_texts_and_an_image_folder_are_imported(client, tmp_path):
    text = client.create_project(f"x-{uuid.uuid4().hex[:6]}", "text_classification",
                                 ["pos", "neg"])
    assert client.import_items(text["id"], ["a fine film", "a dull film"])["inserted"] == 2
    folder = tmp_path / "images"
    (folder / "sub").mkdir(parents=True)
    for i, name in enumerate(["a.png", "sub/b.png"]):
        (folder / name).write_bytes(base64.b64decode(png_b64(40 * i)))
    images = client.create_project(f"i-{uuid.uuid4().hex[:6]}", "image_classification",
                                   ["dark", "light"])
    report = client.import_items(images["id"], folder)
    assert report["inserted"] == 2 and report["n_errors"] == 0


def test_wrong_token_is_an_authentication_error(server):
    process, _ = server
    with pytest.raises(AuthenticationError, match="refused the credentials") as caught:
        Client(process.url, token="not-a-token")
    assert caught.value.status_code == 401


def test_wrong_password_is_an_authentication_error(server):
    process, _ = server
    with pytest.raises(AuthenticationError) as caught:
        Client(process.url, username="boss", password="wrong password")
    assert caught.value.status_code == 401 and "password" in str(caught.value)


def test_server_down_is_a_connection_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free, and nothing listens once the socket closes
    with pytest.raises(ConnectionFailed, match=f"127.0.0.1:{port} cannot be reached"):
        Client(f"http://127.0.0.1:{port}", token="t", timeout=5)


def test_credentials_are_required():
    with pytest.raises(ActivelabError, match="token= .* or username= and password="):
        Client("http://127.0.0.1:1")


@pytest.mark.parametrize("column, message", [
    ([{"a": 1}] * 3, "column 'meta' holds a dict value"),
    ([1 + 2j] * 3, "column 'meta' has dtype complex128"),
    (pd.to_datetime(["2024-01-01"] * 3), "column 'meta' has dtype datetime64"),
    ([b"x"] * 3, "column 'meta' holds a bytes value"),
])
def test_unsupported_dtypes_fail_before_sending(client, column, message):
    pid = _tabular_project(client)
    frame = pd.DataFrame({"x1": [1.0, 2.0, 3.0], "meta": column})
    with pytest.raises(DataError, match=message):
        client.import_items(pid, frame)
    with pytest.raises(DataError, match=message):
        client.predict(pid, frame)
    assert client.next(pid) is None  # nothing was imported


def test_import_errors_carry_the_servers_message(client):
    pid = _tabular_project(client)
    frame = pd.DataFrame({"x1": ["one", "two"]})
    with pytest.raises(ServerError, match="not a number") as caught:
        client.import_items(pid, frame, all_or_nothing=True)
    assert caught.value.status_code == 422 and caught.value.body["errors"]


def test_model_download_before_any_model(client):
    pid = _tabular_project(client)
    client.import_items(pid, _frame(10))
    with pytest.raises(ServerError, match="has no model yet") as caught:
        client.download_model(pid)
    assert caught.value.status_code == 409 and caught.value.error == "ConflictError"
    with pytest.raises(WaitTimeout, match="no model after"):
        client.wait_for_model(pid, timeout=0.3, poll=0.1)


def test_predict_with_missing_features(server, tmp_path):
    process, users = server
    with Client(process.url, token=users["boss"][1]) as client:
        pid = _tabular_project(client)
        client.import_items(pid, _frame(20))
        for _ in range(8):
            item = client.next(pid)
            client.label(pid, item["id"], "high" if int(item["external_id"][1:]) % 2 else "low")
        _retrain(process)
        with pytest.raises(ServerError, match=r"lacks feature\(s\) \['x2'\]") as caught:
            client.predict(pid, pd.DataFrame({"x1": [0.5]}))
        assert caught.value.status_code == 422


def test_a_regression_project_predicts_values_with_intervals(server, tmp_path):
    process, users = server
    with Client(process.url, token=users["boss"][1]) as client:
        pid = client.create_project(f"r-{uuid.uuid4().hex[:6]}", "tabular_regression")["id"]
        frame = _frame(30).assign(y=lambda f: 3.0 * f["x1"] - f["x2"].fillna(0.0))
        client.import_items(pid, frame.drop(columns="y"))
        truth = dict(zip(frame["id"], frame["y"], strict=True))
        for _ in range(10):
            item = client.next(pid)
            client.label(pid, item["id"], float(truth[item["external_id"]]))
        _retrain(process)
        model = load_model(client.download_model(pid))
        new = pd.DataFrame({"x1": [-2.0, 2.0], "x2": [-1.0, 1.5]})
        served = client.predict(pid, new)
        assert list(served.columns) == ["prediction", "low", "high", "std"]
        np.testing.assert_allclose(served["prediction"], model.predict(new), rtol=0, atol=1e-9)
        assert (served["low"] < served["prediction"]).all()
        assert (served["prediction"] < served["high"]).all()


def test_a_multilabel_project_predicts_label_sets(server):
    process, users = server
    topics = {"sport": "goal match team", "food": "bread cheese soup"}
    with Client(process.url, token=users["boss"][1]) as client:
        pid = client.create_project(f"m-{uuid.uuid4().hex[:6]}", "multilabel_text",
                                    ["sport", "food"])["id"]
        given = {f"day {i}": [name for j, name in enumerate(topics) if (i % 3 + 1) >> j & 1]
                 for i in range(30)}
        client.import_items(pid, [" ".join(topics[t] for t in names) + f" {text}"
                                  for text, names in given.items()])
        for _ in range(12):
            item = client.next(pid)
            client.label(pid, item["id"], given[" ".join(item["data"]["text"].split()[-2:])])
        _retrain(process)
        model = load_model(client.download_model(pid))
        new = ["match and team", "cheese soup", "goal then bread soup"]
        served = client.predict(pid, new)
        assert list(served.columns) == ["prediction", "proba_sport", "proba_food"]
        assert served["prediction"].tolist() == [
            [name for name, yes in zip(model.classes_, row, strict=True) if yes]
            for row in model.predict(new)]
        assert "sport" in served["prediction"][0]
        np.testing.assert_allclose(served[["proba_sport", "proba_food"]].to_numpy(),
                                   model.predict_proba(new), rtol=0, atol=1e-12)


def test_annotator_cannot_download_the_model(server, client):
    process, users = server
    pid = _tabular_project(client)
    with process.client(users["boss"][1]) as http:
        assert http.put(f"/api/projects/{pid}/members/by-name/annie").status_code == 204
    with Client(process.url, token=users["annie"][1]) as annotator:
        assert annotator.next(pid) is None  # a member, who may annotate
        for call in (annotator.download_model, annotator.model_info,
                     lambda p: annotator.predict(p, [{"x1": 0.0, "x2": 0.0}])):
            with pytest.raises(ServerError, match="only admins") as caught:
                call(pid)
            assert caught.value.status_code == 403


@pytest.mark.slow
def test_the_client_guide_example_runs(sqlite_url, tmp_path, monkeypatch, capsys):
    guide = (Path(__file__).resolve().parents[2] / "docs" / "client.md").read_text()
    example = re.findall(r"```python\n(.*?)```", guide, flags=re.S)[0]
    users = make_users(sqlite_url, [])
    process = ServerProcess(sqlite_url, worker_poll_seconds=0.2).start()
    try:
        monkeypatch.setenv("ACTIVELAB_URL", process.url)
        monkeypatch.setenv("ACTIVELAB_TOKEN", users["boss"][1])
        monkeypatch.chdir(tmp_path)
        exec(compile(example, "docs/client.md", "exec"), {})
    finally:
        process.stop()
    printed = capsys.readouterr().out
    assert "60 items, features: ['width', 'height']" in printed
    assert "['small' 'large']" in printed
    assert len(pd.read_csv(tmp_path / "labels.csv")) == 12


@pytest.mark.slow  # about 15 s on an idle machine: two models fitted by a server subprocess
def test_anomaly_and_matching_projects_predict_through_the_client(server):
    import httpx
    from test_matching_projects import people_tables, truth_of
    from test_task_model_export import NEW_PAIRS, NEW_ROWS, _anomaly_csv

    process, users = server
    token = users["boss"][1]
    with Client(process.url, token=token) as client:
        anomaly = client.create_project(f"a-{uuid.uuid4().hex[:6]}", "anomaly")["id"]
        text, truth = _anomaly_csv()
        client.import_items(anomaly, pd.read_csv(io.StringIO(text)))
        matching = client.create_project(f"p-{uuid.uuid4().hex[:6]}", "matching")["id"]
        left, right, matches = people_tables(30, 30)
        imported = httpx.post(f"{process.url}/api/projects/{matching}/import-tables",
                              headers={"Authorization": f"Bearer {token}"},
                              files={"left": ("l.csv", left.encode()),
                                     "right": ("r.csv", right.encode())}, timeout=60)
        assert imported.status_code == 200, imported.text
        given = {"same": 0, "different": 0}
        while min(given.values()) < 2:
            item = client.next(matching)
            value = truth_of(item, matches)
            client.label(matching, item["id"], value)
            given[value] += 1
        for _ in range(6):
            item = client.next(anomaly)
            client.label(anomaly, item["id"], truth[item["external_id"]])
        _retrain(process)

        scored = client.predict(anomaly, pd.DataFrame(NEW_ROWS))
        assert list(scored.columns) == ["prediction", "score", "threshold", "unusual"]
        model = load_model(client.download_model(anomaly))
        frame = pd.DataFrame(NEW_ROWS).astype(float)
        np.testing.assert_allclose(scored["score"], model.score_samples(frame), atol=1e-12)
        assert scored["prediction"].tolist()[:2] == ["anomaly", "normal"]
        assert len(scored["unusual"][0]) == 3

        paired = client.predict(matching, NEW_PAIRS)
        assert list(paired.columns) == ["prediction", "proba_different", "proba_same",
                                        "match_probability"]
        model = load_model(client.download_model(matching))
        np.testing.assert_allclose(paired["match_probability"],
                                   model.predict_proba(NEW_PAIRS)[:, 1], atol=1e-12)
        with pytest.raises(DataError, match=r"pairs\[1\] is not"):
            client.predict(matching, [NEW_PAIRS[0], {"left": {"name": "Ada"}, "right": "Ada"}])
