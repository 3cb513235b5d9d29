"""A semi-supervised anomaly detector: an isolation forest re-weighted by the labels."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.ensemble import IsolationForest, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..._random import RandomLike, as_generator, derive_seed
from ...exceptions import (
    ConfigError,
    DataError,
    EmptyPoolError,
    NotFittedError,
    SingleClassError,
)
from ...models.committee import seed_unset_random_states
from ...pool import check_dense_features
from ._deviations import deviation_scale, scaled_deviations

__all__ = ["SemiSupervisedDetector", "DETECTOR_NAMES", "check_anomaly_features",
           "check_anomaly_targets", "make_classifier"]

#: Classifier names :class:`SemiSupervisedDetector` accepts; "none" ignores every label.
DETECTOR_NAMES = ("logreg", "forest", "none")

UNLABELED = -1


def make_classifier(name: str, random_state: RandomLike = None) -> Any:
    """The label model behind a :data:`DETECTOR_NAMES` name (None for ``"none"``).

    Both weigh the rare anomalies up (``class_weight``), since a handful of them
    would otherwise be drowned by the normals an analyst rejects.
    """
    if name == "logreg":
        return make_pipeline(StandardScaler(), LogisticRegression(
            class_weight="balanced", max_iter=2000))
    if name == "forest":
        return RandomForestClassifier(n_estimators=100, min_samples_leaf=2, n_jobs=1,
                                      class_weight="balanced_subsample",
                                      random_state=derive_seed(as_generator(random_state)))
    if name == "none":
        return None
    raise ConfigError(f"unknown anomaly detector {name!r}; choose one of "
                      f"{', '.join(DETECTOR_NAMES)} or pass a scikit-learn classifier")


def check_anomaly_features(X: Any) -> np.ndarray:
    """``X`` as a finite float matrix of shape (n_samples, n_features), or a clear error."""
    return check_dense_features(X, task="anomaly detection")


def _as_int_labels(y: Any, allowed: tuple[int, ...], what: str) -> np.ndarray:
    values = np.asarray(y)
    if values.ndim != 1:
        raise DataError(f"{what} must be 1-D, got shape {values.shape}")
    if values.dtype == bool:
        return values.astype(np.int64)
    if not np.issubdtype(values.dtype, np.number):
        raise DataError(f"{what} must be 0 (normal) or 1 (anomaly), got values of type "
                        f"{values.dtype} such as {values[:3].tolist()!r}")
    bad = ~np.isin(values, allowed)
    if bad.any():
        raise DataError(f"{what} must be 0 (normal) or 1 (anomaly)"
                        f"{' or -1 (unlabelled)' if UNLABELED in allowed else ''}; got "
                        f"{np.unique(values[bad])[:5].tolist()}")
    return values.astype(np.int64)


def check_anomaly_targets(y: Any) -> np.ndarray:
    """``y`` as int64 0/1 (1 = anomaly) with both kinds present, or a clear error.

    Raises
    ------
    DataError
        Not 1-D, not numeric/boolean, or values other than 0 and 1.
    SingleClassError
        No anomalies at all, or nothing but anomalies.
    """
    labels = _as_int_labels(y, (0, 1), "anomaly targets")
    if len(labels) == 0:
        raise EmptyPoolError("no items: the target is empty")
    n_anomalies = int(labels.sum())
    if n_anomalies == 0 or n_anomalies == len(labels):
        kind = "no anomalies (no 1s)" if n_anomalies == 0 else "only anomalies (no 0s)"
        raise SingleClassError(f"the target holds {kind}; precision@k and anomalies found "
                               f"need both normal items (0) and anomalies (1)")
    return labels


class SemiSupervisedDetector(BaseEstimator):
    """Isolation forest scores, re-weighted by a classifier trained on confirmed labels.

    The unsupervised score of an item is its isolation-forest anomaly score turned
    into a percentile of the training items' scores (0 = most normal, 1 = most
    anomalous).  Once the labelled items hold at least one normal item and one
    anomaly, a classifier learns ``p(anomaly)`` from the features plus that
    percentile, and the anomaly score becomes ``(1 - w) * percentile + w * p`` with
    ``w = m / (m + prior_strength)``, ``m`` the count of the rarer labelled kind:
    a few labels nudge the forest's ranking, many labels take it over.  With no
    labels, only normals or only anomalies, the score is the percentile alone.

    Parameters
    ----------
    classifier : {"logreg", "forest", "none"} or scikit-learn classifier, default="logreg"
        The label model; it needs ``predict_proba``. ``"none"`` ignores the labels
        (the unsupervised baseline).
    n_estimators : int, default=100
        Trees of the isolation forest.
    contamination : float in (0, 0.5], default=0.1
        Expected share of anomalies: the unsupervised decision threshold is the
        ``1 - contamination`` percentile; the classifier's is ``p = 0.5``.
    prior_strength : float, default=5.0
        Labels of the rarer kind at which the classifier gets half the weight.
    random_state : int, Generator or None

    Attributes
    ----------
    forest_ : IsolationForest
    classifier_ : fitted classifier or None (no labels of both kinds yet)
    weight_ : float
        ``w`` above, 0 without a classifier.
    threshold_ : float
        Scores above it are predicted anomalies.
    scores_ : ndarray of shape (n_samples,)
        The anomaly score of every training item (like LOF's ``negative_outlier_factor_``).
    unsupervised_scores_ : ndarray of shape (n_samples,)
        The forest's percentile score of every training item.
    n_labels_ : tuple of (int, int)
        Labelled normals and anomalies used.
    feature_median_, feature_spread_ : ndarray of shape (n_features,)
        Each feature's median and robust spread over the training items, the scale of
        :meth:`feature_deviations`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(size=(200, 2)), rng.normal(6, 1, size=(5, 2))])
    >>> y = np.full(205, -1); y[[0, 1, 2, 200, 201]] = [0, 0, 0, 1, 1]
    >>> detector = SemiSupervisedDetector(random_state=0).fit(X, y)
    >>> bool(detector.scores_[200:].min() > np.median(detector.scores_[:200]))
    True
    """

    def __init__(self, classifier: str | Any = "logreg", *, n_estimators: int = 100,
                 contamination: float = 0.1, prior_strength: float = 5.0,
                 random_state: RandomLike = None) -> None:
        self.classifier = classifier
        self.n_estimators = n_estimators
        self.contamination = contamination
        self.prior_strength = prior_strength
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> SemiSupervisedDetector:
        """Fit the forest on every row of ``X``, then the classifier on the labelled rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            1 = confirmed anomaly, 0 = rejected (normal), -1 = unlabelled
            (scikit-learn's semi-supervised convention). None: all unlabelled.

        Returns
        -------
        self
        """
        self._check_params()
        X = check_anomaly_features(X)
        rng = as_generator(self.random_state)
        self.forest_ = IsolationForest(n_estimators=self.n_estimators,
                                       random_state=derive_seed(rng)).fit(X)
        # Sorted training scores turn any raw score into a percentile.
        raw = -self.forest_.score_samples(X)
        self._reference = np.sort(raw)
        self.unsupervised_scores_ = self._percentile(raw)
        self.feature_median_, self.feature_spread_ = deviation_scale(X)
        self._classifier_seed = derive_seed(rng)
        return self._fit_labels(X, y)

    def update(self, X: Any, y: Any) -> SemiSupervisedDetector:
        """Refit only the classifier on new labels of the same ``X`` given to :meth:`fit`.

        The forest does not depend on labels, so an active-learning loop calls
        this after every round instead of growing the forest again.
        """
        self._check_fitted()
        X = check_anomaly_features(X)
        if len(X) != len(self.unsupervised_scores_):
            raise DataError(f"update() needs the {len(self.unsupervised_scores_)} rows given to "
                            f"fit(), got {len(X)}; call fit() for new data")
        return self._fit_labels(X, y)

    def unsupervised_score(self, X: Any) -> np.ndarray:
        """The forest's percentile score in [0, 1] (higher = more anomalous), shape (n,)."""
        self._check_fitted()
        X = check_anomaly_features(X)
        return self._percentile(-self.forest_.score_samples(X))

    def score_samples(self, X: Any, *, unsupervised: np.ndarray | None = None) -> np.ndarray:
        """Anomaly score in [0, 1] of each row (higher = more anomalous), shape (n,).

        ``unsupervised`` is :meth:`unsupervised_score` of ``X`` if already known:
        the forest, the costly part, then is not run again.
        """
        self._check_fitted()
        X = check_anomaly_features(X)
        if unsupervised is None:
            unsupervised = self._percentile(-self.forest_.score_samples(X))
        return self._combine(X, np.asarray(unsupervised, dtype=float))

    def feature_deviations(self, X: Any) -> np.ndarray:
        """How far each value of ``X`` lies from its feature's median over the training
        items, in robust standard deviations; shape (n_samples, n_features).

        A training item's deviations are those the annotation server shows as the
        features that make it unusual (0 for a feature constant in training).
        """
        self._check_fitted()
        X = check_anomaly_features(X)
        return scaled_deviations(X, self.feature_median_, self.feature_spread_)

    def decision_function(self, X: Any) -> np.ndarray:
        """``score_samples(X) - threshold_``: positive for predicted anomalies."""
        return self.score_samples(X) - self.threshold_

    def predict(self, X: Any) -> np.ndarray:
        """1 for predicted anomalies, 0 for normal items (the labels' coding)."""
        return (self.decision_function(X) > 0).astype(np.int64)

    # ---------------------------------------------------------------- internals
    def _check_params(self) -> None:
        if not 0 < self.contamination <= 0.5:
            raise ConfigError(f"contamination must be in (0, 0.5], got {self.contamination}")
        if self.prior_strength < 0:
            raise ConfigError(f"prior_strength must be >= 0, got {self.prior_strength}")
        if isinstance(self.n_estimators, bool) or int(self.n_estimators) < 1:
            raise ConfigError(f"n_estimators must be a positive int, got {self.n_estimators}")
        if isinstance(self.classifier, str):
            make_classifier(self.classifier)  # an unknown name fails before any fitting
        elif not hasattr(self.classifier, "predict_proba"):
            raise ConfigError(f"{type(self.classifier).__name__} has no predict_proba; "
                              "the detector needs class probabilities")

    def _check_fitted(self) -> None:
        if not hasattr(self, "forest_"):
            raise NotFittedError("SemiSupervisedDetector is not fitted; call fit(X) first")

    def _percentile(self, raw: np.ndarray) -> np.ndarray:
        return np.searchsorted(self._reference, raw, side="right") / len(self._reference)

    def _label_model(self) -> Any:
        if isinstance(self.classifier, str):
            model = make_classifier(self.classifier, self._classifier_seed)
        else:
            model = seed_unset_random_states(clone(self.classifier), self._classifier_seed)
        return model

    def _fit_labels(self, X: np.ndarray, y: Any) -> SemiSupervisedDetector:
        y = (np.full(len(X), UNLABELED, dtype=np.int64) if y is None
             else _as_int_labels(y, (UNLABELED, 0, 1), "labels y"))
        if len(y) != len(X):
            raise DataError(f"X has {len(X)} rows but y has {len(y)} labels")
        labelled = y != UNLABELED
        n_normal = int(np.count_nonzero(y == 0))
        n_anomaly = int(np.count_nonzero(y == 1))
        self.n_labels_ = (n_normal, n_anomaly)
        model = self._label_model()
        rarer = min(n_normal, n_anomaly)
        if model is None or rarer == 0:
            self.classifier_, self.weight_ = None, 0.0
        else:
            features = self._features(X[labelled], self.unsupervised_scores_[labelled])
            self.classifier_ = model.fit(features, y[labelled])
            self._anomaly_column = int(np.flatnonzero(self.classifier_.classes_ == 1)[0])
            self.weight_ = rarer / (rarer + self.prior_strength) if rarer else 0.0
        self.threshold_ = (1 - self.weight_) * (1 - self.contamination) + self.weight_ * 0.5
        self.scores_ = self._combine(X, self.unsupervised_scores_)
        return self

    @staticmethod
    def _features(X: np.ndarray, unsupervised: np.ndarray) -> np.ndarray:
        return np.column_stack([X, unsupervised])

    def _combine(self, X: np.ndarray, unsupervised: np.ndarray) -> np.ndarray:
        if self.classifier_ is None:
            return unsupervised.copy()
        proba = self.classifier_.predict_proba(self._features(X, unsupervised))
        return (1 - self.weight_) * unsupervised + self.weight_ * proba[:, self._anomaly_column]
