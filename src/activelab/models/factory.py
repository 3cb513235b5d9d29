"""Named models for the CLI and the benchmark harness: sensible pipelines per data kind."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB, MultinomialNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MaxAbsScaler, StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

from ..exceptions import ConfigError

__all__ = ["MODEL_NAMES", "make_model", "make_text_vectorizer", "check_model_name"]

MODEL_NAMES = ("logreg", "nb", "tree", "svm", "linearsvm", "knn", "mlp", "torch-mlp", "torch-cnn")
_TORCH_MODELS = ("torch-mlp", "torch-cnn")

_KINDS = ("tabular", "image", "text", "sparse")


def make_text_vectorizer() -> TfidfVectorizer:
    """The TF-IDF settings used for every text dataset."""
    return TfidfVectorizer(sublinear_tf=True, min_df=2, max_features=50_000,
                           ngram_range=(1, 2), dtype=np.float64)


def check_model_name(name: str) -> None:
    """A ConfigError naming the choices unless ``name`` is one of :data:`MODEL_NAMES`
    (callers check before loading data, so a typo fails at once)."""
    if name not in MODEL_NAMES:
        raise ConfigError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}")


def _classifier(name: str, kind: str, random_state: int | None) -> Any:
    check_model_name(name)
    sparse = kind in ("text", "sparse")
    if name == "logreg":
        return LogisticRegression(max_iter=2000, C=10.0 if sparse else 1.0)
    if name == "nb":
        return MultinomialNB(alpha=0.1) if sparse else GaussianNB()
    if name == "tree":
        return DecisionTreeClassifier(random_state=random_state)
    if name == "svm":
        # No probability=True: margins come from decision_function, without Platt's inner CV.
        return SVC(kernel="rbf", gamma="scale", random_state=random_state)
    if name == "linearsvm":
        return LinearSVC(C=1.0 if sparse else 0.1, max_iter=10_000, random_state=random_state)
    if name == "knn":
        return KNeighborsClassifier(n_neighbors=5, metric="cosine" if sparse else "minkowski")
    if name == "mlp":
        return MLPClassifier(hidden_layer_sizes=(100,), max_iter=500, random_state=random_state)
    if name in _TORCH_MODELS:
        from .torch_nets import TorchCNNClassifier, TorchMLPClassifier, import_torch

        import_torch(f"model {name!r}")  # fail at make time, not at the first fit
        if name == "torch-mlp":
            return TorchMLPClassifier(random_state=random_state)
        if kind != "image":
            raise ConfigError(f"model 'torch-cnn' needs image data, got kind {kind!r}")
        return TorchCNNClassifier(random_state=random_state)
    raise AssertionError(f"model {name!r} is in MODEL_NAMES but has no builder here")


def make_model(name: str, kind: str = "tabular", random_state: int | None = None) -> Any:
    """A ready-to-fit estimator for a data kind.

    Parameters
    ----------
    name : {"logreg", "nb", "tree", "svm", "linearsvm", "knn", "mlp", "torch-mlp", "torch-cnn"}
        The ``torch-*`` models need the ``torch`` extra and give MC-dropout samples
        (:mod:`activelab.models.torch_nets`); ``torch-cnn`` takes square images only.
    kind : {"tabular", "image", "sparse", "text"}, default="tabular"
        ``"tabular"`` and ``"image"`` standardise inside the pipeline (trees
        excepted); ``"sparse"`` expects TF-IDF features and scales by max-abs;
        ``"text"`` takes raw strings and puts a TF-IDF vectoriser first.
    random_state : int or None

    Returns
    -------
    estimator : scikit-learn classifier (often a Pipeline)

    Examples
    --------
    >>> make_model("logreg")
    Pipeline(steps=[('standardscaler', StandardScaler()),
                    ('logisticregression', LogisticRegression(max_iter=2000))])
    """
    if kind not in _KINDS:
        raise ConfigError(f"unknown data kind {kind!r}; choose one of {_KINDS}")
    classifier = _classifier(name, kind, random_state)
    if kind == "text":
        return Pipeline([("tfidf", make_text_vectorizer()), ("clf", classifier)])
    if name in ("tree", "nb", "torch-cnn"):  # the CNN needs pixels as they are, in [0, 1]
        return classifier
    if kind == "sparse":
        return make_pipeline(MaxAbsScaler(), classifier) if name == "mlp" else classifier
    return make_pipeline(StandardScaler(), classifier)
