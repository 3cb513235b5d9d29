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
