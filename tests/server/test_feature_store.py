"""The worker's feature store: features written once, memory-mapped at each retrain, rebuilt
when items change; the same matrix as decoding every item from the database."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from server_helpers import label_from_truth, make_project, upload

from activelab.server import Settings
from activelab.server.models import Project, Role
from activelab.server.services.feature_store import FeatureStore, store_folder
from activelab.server.services.features import load_features, signature_of
from activelab.server.services.training import FeatureCache, retrain_project


def test_a_tabular_store_is_the_decoded_matrix_and_is_memory_mapped(live_any_db, tmp_path):
    _, token = live_any_db.user("boss", Role.admin)
    rows = "id,b,a,c\n1,1.5,2,\n2,,4,1\n3,3.5,6,2\n"  # missing values: column means
    with live_any_db.client(token) as admin:
        project = make_project(admin, task_type="tabular_classification", labels=["x", "y"])
        upload(admin, project["id"], "t.csv", rows)
        upload(admin, project["id"], "u.jsonl", '{"id": "4", "a": 1, "d": 9}\n')
    store = FeatureStore(tmp_path / "store")
    with live_any_db.factory() as session:
        decoded = load_features(session, project["id"], "tabular_classification")
        built = store.build(session, project["id"], "tabular_classification", "auto")
        signature = (*signature_of(session, project["id"]), "auto")
    assert isinstance(built.X, np.memmap)
    np.testing.assert_array_equal(built.X, decoded.X)
    np.testing.assert_array_equal(built.item_ids, decoded.item_ids)
    again = store.load(project["id"], signature)
    assert again is not None and isinstance(again.X, np.memmap)
    np.testing.assert_array_equal(again.X, decoded.X)
    assert store.load(project["id"], (signature[0] + 1, *signature[1:])) is None


def test_a_text_store_keeps_the_sparse_matrix(live, tmp_path):
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        project = make_project(admin)
        upload(admin, project["id"], "t.csv", "text\n" + "".join(
            f"word{i % 7} other{i % 3} text\n" for i in range(60)))
    store = FeatureStore(tmp_path / "store")
    with live.factory() as session:
        decoded = load_features(session, project["id"], "text_classification")
        built = store.build(session, project["id"], "text_classification", "auto")
        signature = (*signature_of(session, project["id"]), "auto")
    loaded = store.load(project["id"], signature)
    assert loaded is not None and sp.issparse(loaded.X)
    assert (loaded.X != decoded.X).nnz == 0 and (built.X != decoded.X).nnz == 0


def test_a_half_written_store_is_rebuilt_not_read(live, tmp_path):
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        project = make_project(admin, task_type="tabular_classification", labels=["x", "y"])
        upload(admin, project["id"], "t.csv", "a,b\n1,2\n3,4\n")
    store = FeatureStore(tmp_path / "store")
    with live.factory() as session:
        store.build(session, project["id"], "tabular_classification", "auto")
        signature = (*signature_of(session, project["id"]), "auto")
    (tmp_path / "store" / f"project-{project['id']}.json").write_text('{"signat')
    assert store.load(project["id"], signature) is None


def test_retrains_read_the_store_written_by_the_first(live, tmp_path):
    _, token = live.user("boss", Role.admin)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    truth = {str(i): "x" if X[i, 0] > 0 else "y" for i in range(len(X))}
    with live.client(token) as admin:
        project = make_project(admin, task_type="tabular_classification", labels=["x", "y"])
        upload(admin, project["id"], "t.csv", "id,a,b,c,d\n" + "".join(
            f"{i}," + ",".join(map(str, row)) + "\n" for i, row in enumerate(X.tolist())))
        label_from_truth(admin, project["id"], 20, lambda item: truth[item["external_id"]])
    store = FeatureStore(tmp_path / "store")
    assert retrain_project(live.factory, project["id"], FeatureCache(store)) is not None
    written = (tmp_path / "store" / f"project-{project['id']}.npy").stat().st_mtime_ns
    cache = FeatureCache(store)  # a new worker process: nothing in memory
    assert retrain_project(live.factory, project["id"], cache) is not None
    features = cache.get_cached(project["id"])
    assert features is not None and isinstance(features.X, np.memmap)
    assert (tmp_path / "store" / f"project-{project['id']}.npy").stat().st_mtime_ns == written
    with live.factory() as session:
        assert session.get(Project, project["id"]).train_error is None


@pytest.mark.parametrize(("settings", "expected"), [
    ({"db_url": "sqlite:////data/al.db"}, "/data/al.db.features"),
    ({"db_url": "postgresql+psycopg://u@h/db"}, None),
    ({"db_url": "postgresql+psycopg://u@h/db", "feature_store_dir": "/srv/f"}, "/srv/f"),
    ({"db_url": "sqlite://"}, None),
])
def test_where_the_store_lives(settings, expected):
    folder = store_folder(Settings(**settings))
    assert (str(folder) if folder is not None else None) == expected
