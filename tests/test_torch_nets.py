"""PyTorch classifiers with MC dropout: sklearn contract, seeding, samples, bad input."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris
from sklearn.pipeline import Pipeline

from activelab import Pool
from activelab.exceptions import (
    ConfigError,
    DataError,
    EmptyPoolError,
    InvalidFeaturesError,
    MissingDependencyError,
    NotFittedError,
    SingleClassError,
)
from activelab.models import MODEL_NAMES, make_model
from activelab.models.torch_nets import TorchCNNClassifier, TorchMLPClassifier
from activelab.strategies import make_strategy

torch = pytest.importorskip("torch")


def test_model_names_do_not_need_torch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # as if the extra were not installed
    assert {"torch-mlp", "torch-cnn"} <= set(MODEL_NAMES)
    with pytest.raises(MissingDependencyError, match=r"pip install 'activelab\[torch\]'"):
        make_model("torch-mlp")
    X, y = load_iris(return_X_y=True)
    with pytest.raises(MissingDependencyError, match="TorchMLPClassifier"):
        TorchMLPClassifier(n_epochs=1).fit(X, y)


def small_mlp(**params) -> TorchMLPClassifier:
    defaults = {"hidden_layer_sizes": (32,), "n_epochs": 15, "random_state": 0}
    return TorchMLPClassifier(**{**defaults, **params})


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32), y


def test_mlp_learns_and_follows_the_sklearn_contract(digits):
    X, y = digits
    labels = np.array([f"d{v}" for v in y])  # any label type, not only codes
    model = small_mlp().fit(X[:600], labels[:600])
    assert model.classes_.tolist() == sorted(set(labels))
    proba = model.predict_proba(X[600:900])
    assert proba.shape == (300, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert (model.predict(X[600:900]) == labels[600:900]).mean() > 0.75
    assert model.n_features_in_ == 64


def test_same_seed_same_model_and_clone_refits_identically(digits):
    X, y = digits
    first = small_mlp(random_state=3).fit(X[:200], y[:200])
    again = clone(first).fit(X[:200], y[:200])
    np.testing.assert_array_equal(first.predict_proba(X[:50]), again.predict_proba(X[:50]))
    other = small_mlp(random_state=4).fit(X[:200], y[:200])
    assert not np.allclose(first.predict_proba(X[:50]), other.predict_proba(X[:50]))


def test_mc_dropout_samples(digits):
    X, y = digits
    model = small_mlp(hidden_layer_sizes=(32, 16)).fit(X[:300], y[:300])
    samples = model.predict_proba_samples(X[300:340], n_samples=7, random_state=1)
    assert samples.shape == (7, 40, 10)
    np.testing.assert_allclose(samples.sum(axis=2), 1.0, rtol=1e-5)
    assert samples.std(axis=0).max() > 1e-3, "dropout must make the samples differ"
    # Seeded: the same masks again; None uses the seed fixed at fit time.
    np.testing.assert_array_equal(samples, model.predict_proba_samples(X[300:340], 7, 1))
    np.testing.assert_array_equal(model.predict_proba_samples(X[300:340], 3),
                                  model.predict_proba_samples(X[300:340], 3))
    # Consistent MC dropout: sample s is one network, whatever the other items are.
    subset = model.predict_proba_samples(X[300:305], n_samples=7, random_state=1)
    np.testing.assert_allclose(subset, samples[:, :5], rtol=1e-6)


def test_no_dropout_makes_every_sample_the_deterministic_prediction(digits):
    X, y = digits
    model = small_mlp(dropout=0.0).fit(X[:200], y[:200])
    samples = model.predict_proba_samples(X[:20], n_samples=3)
    for draw in samples:
        np.testing.assert_allclose(draw, model.predict_proba(X[:20]), rtol=1e-6)


def test_cnn_on_8x8_digits(digits):
    X, y = digits
    model = TorchCNNClassifier(n_epochs=10, random_state=0)
    model.fit(X[:400], y[:400])
    assert (model.predict(X[400:700]) == y[400:700]).mean() > 0.6
    assert model.predict_proba_samples(X[:6], n_samples=4).shape == (4, 6, 10)
    np.testing.assert_array_equal(clone(model).fit(X[:400], y[:400]).predict(X[:30]),
                                  model.predict(X[:30]))


def test_cnn_rejects_images_it_cannot_shape(digits):
    X, y = digits
    with pytest.raises(ConfigError, match="not a square image"):
        TorchCNNClassifier(n_epochs=1).fit(X[:50, :60], y[:50])
    with pytest.raises(ConfigError, match="does not match 64 features"):
        TorchCNNClassifier(image_shape=(4, 8), n_epochs=1).fit(X[:50], y[:50])
    assert TorchCNNClassifier(image_shape=(4, 16), channels=(2, 2), n_epochs=1).fit(
        X[:50], y[:50]).predict(X[:3]).shape == (3,)


def test_factory_builds_the_torch_models():
    mlp = make_model("torch-mlp", "image", random_state=5)
    assert isinstance(mlp, Pipeline) and isinstance(mlp[-1], TorchMLPClassifier)
    assert mlp[-1].random_state == 5
    assert isinstance(make_model("torch-cnn", "image"), TorchCNNClassifier)
    with pytest.raises(ConfigError, match="needs image data"):
        make_model("torch-cnn", "tabular")


def test_sparse_features_are_accepted(digits):
    import scipy.sparse as sp

    X, y = digits
    dense = small_mlp(n_epochs=3).fit(X[:100], y[:100]).predict_proba(X[:10])
    sparse = small_mlp(n_epochs=3).fit(sp.csr_matrix(X[:100]), y[:100]).predict_proba(
        sp.csr_matrix(X[:10]))
    np.testing.assert_allclose(dense, sparse, rtol=1e-5)


@pytest.mark.parametrize("name", ["bald", "batchbald", "mean-std"])
def test_bayesian_strategies_use_mc_dropout_of_a_pipeline(name, digits):
    X, y = digits
    pool = Pool(X[:400])
    start = np.arange(0, 400, 20)
    pool.teach(start, y[start])
    model = make_model("torch-mlp", "image", random_state=0)
    model.set_params(torchmlpclassifier__n_epochs=5, torchmlpclassifier__hidden_layer_sizes=(32,))
    model.fit(*pool.training_data())
    strategy = make_strategy(name, random_state=0, samples="mc_dropout", n_samples=8)
    indices, scores = strategy.query(pool, model, 6, return_scores=True)
    assert len(set(indices.tolist())) == 6 and pool.unlabeled_mask[indices].all()
    assert np.all(np.diff(scores) <= 1e-9) and np.all(scores >= 0)
    again = make_strategy(name, random_state=0, samples="mc_dropout", n_samples=8)
    np.testing.assert_array_equal(indices, again.query(pool, model, 6))


# -- bad input ---------------------------------------------------------------------------
@pytest.mark.parametrize("X, y, error, message", [
    (np.ones((4, 2)), [0.1, 0.5, 0.7, 0.9], DataError, "continuous target"),
    (np.ones((4, 2)), ["a", "a", "a", "a"], SingleClassError, "single class"),
    (np.array([[np.nan, 1.0], [np.nan, 2.0], [np.nan, 3.0]]), [0, 1, 0], InvalidFeaturesError,
     "NaN or infinite"),
    (np.array([[1.0, np.inf], [2.0, 0.0]]), [0, 1], InvalidFeaturesError, "NaN or infinite"),
    (np.empty((0, 3)), [], EmptyPoolError, "0 rows"),
    (np.array([["a", "b"], ["c", "d"]]), [0, 1], InvalidFeaturesError, "must be numeric"),
    (np.ones(4), [0, 1, 0, 1], DataError, "must be 2-D"),
    (np.ones((4, 2)), [0, 1, 0], DataError, "4 rows but y has 3"),
    (np.ones((4, 2)), [[0, 1]] * 4, DataError, "1-D"),
    (np.ones((3, 2)), [0.0, 1.0, np.nan], DataError, "cannot be used as class labels"),
    (np.ones((3, 2)), ["a", None, "b"], DataError, "cannot be used as class labels"),
])
def test_fit_rejects_bad_input(X, y, error, message):
    with pytest.raises(error, match=message):
        small_mlp(n_epochs=1).fit(X, y)


@pytest.mark.parametrize("params, message", [
    ({"dropout": 1.0}, "dropout must be in"),
    ({"n_epochs": 0}, "n_epochs must be a positive int"),
    ({"batch_size": 2.5}, "batch_size must be a positive int"),
    ({"learning_rate": -1.0}, "learning_rate must be a positive float"),
    ({"hidden_layer_sizes": ()}, "at least one layer"),
    ({"hidden_layer_sizes": (8, 0)}, "every hidden layer size"),
    ({"weight_decay": -0.1}, "weight_decay"),
])
def test_bad_parameters_fail_at_fit(params, message):
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ConfigError, match=message):
        small_mlp(**params).fit(X, y)


def test_prediction_errors(digits):
    X, y = digits
    with pytest.raises(NotFittedError, match="call fit first"):
        small_mlp().predict(X[:3])
    with pytest.raises(NotFittedError, match="call fit first"):
        small_mlp().predict_proba_samples(X[:3])
    model = small_mlp(n_epochs=1).fit(X[:50], y[:50])
    with pytest.raises(DataError, match="fitted on 64"):
        model.predict(X[:3, :10])
    with pytest.raises(ConfigError, match="n_samples must be a positive int"):
        model.predict_proba_samples(X[:3], n_samples=0)
    with pytest.raises(InvalidFeaturesError):
        model.predict_proba(np.full((2, 64), np.nan))


@pytest.mark.parametrize("model", [TorchMLPClassifier(n_epochs=5, random_state=0),
                                   TorchCNNClassifier(n_epochs=2, random_state=0)])
def test_a_saved_network_is_weights_and_predicts_the_same(model):
    skops_io = pytest.importorskip("skops.io")
    import pickle

    X, y = load_digits(n_class=3, return_X_y=True)
    X = X[:90] / 16.0
    fitted = model.fit(X, y[:90])
    data = skops_io.dumps(fitted)
    untrusted = skops_io.get_untrusted_types(data=data)
    assert untrusted == [f"activelab.models.torch_nets.{type(model).__name__}"]  # no tensor
    for loaded in (skops_io.loads(data, trusted=untrusted), pickle.loads(pickle.dumps(fitted))):
        np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
        np.testing.assert_array_equal(loaded.predict_proba_samples(X[:5], n_samples=3),
                                      fitted.predict_proba_samples(X[:5], n_samples=3))
    assert hasattr(fitted, "network_")  # saving leaves the live model whole
