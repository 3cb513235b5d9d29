"""load_model trusts only the types the server's models are made of."""

from __future__ import annotations

import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from activelab.client import load_model
from activelab.exceptions import DataError


def _double(X):
    return 2 * X


def test_a_model_of_trusted_types_loads_from_bytes_and_paths(tmp_path):
    X, y = np.arange(20.0).reshape(10, 2), np.array(["a", "b"] * 5)
    model = Pipeline([("model", LogisticRegression().fit(X, y))])
    data = sio.dumps(model)
    (tmp_path / "m.skops").write_bytes(data)
    for source in (data, tmp_path / "m.skops", str(tmp_path / "m.skops")):
        np.testing.assert_array_equal(load_model(source).predict(X), model.predict(X))


def test_a_file_with_a_function_of_its_own_is_refused():
    X, y = np.arange(20.0).reshape(10, 2), np.array(["a", "b"] * 5)
    model = Pipeline([("double", FunctionTransformer(_double)),
                      ("model", LogisticRegression().fit(X, y))])
    with pytest.raises(DataError, match=r"not trusted: \[.*_double'\]"):
        load_model(sio.dumps(model))


@pytest.mark.parametrize("classifier", ["logreg", "forest", "none"])
def test_every_anomaly_detector_loads_and_scores_as_fitted(classifier):
    from activelab.tasks.anomaly import SemiSupervisedDetector

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(100, 3)), rng.normal(5, 1, size=(4, 3))])
    y = np.full(104, -1)
    y[[0, 1, 2, 100, 101]] = [0, 0, 0, 1, 1]
    detector = SemiSupervisedDetector(classifier, random_state=0).fit(X, y)
    loaded = load_model(sio.dumps(detector))
    np.testing.assert_array_equal(loaded.score_samples(X), detector.score_samples(X))
    np.testing.assert_array_equal(loaded.feature_deviations(X), detector.feature_deviations(X))
    assert loaded.threshold_ == detector.threshold_


@pytest.mark.parametrize("model_name", ["logreg", "rf", "knn"])
def test_every_pair_model_loads_and_compares_as_fitted(model_name):
    pytest.importorskip("rapidfuzz")
    from activelab.tasks.matching import PairFeaturizer, make_matching_model

    pairs = [{"left": {"name": f"name {i}", "born": 1900 + i},
              "right": {"name": f"name {i if i % 2 else i + 3}", "born": 1900 + i % 4}}
             for i in range(20)]
    answers = ["same" if i % 2 else "different" for i in range(20)]
    model = Pipeline([("pairs", PairFeaturizer({"name": "string", "born": "numeric"})),
                      ("model", make_matching_model(model_name, random_state=0))])
    model.fit(pairs, answers)
    loaded = load_model(sio.dumps(model))
    np.testing.assert_array_equal(loaded.predict_proba(pairs), model.predict_proba(pairs))
