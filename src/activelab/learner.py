"""The active-learning loop: query, teach, retrain, repeat, stop."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

from ._random import RandomLike, as_generator
from .exceptions import (
    ActivelabWarning,
    ConfigError,
    NotFittedError,
    SingleClassError,
)
from .large_pool import PoolScorer
from .learner_base import BaseLearner, Round, resolve_strategy
from .models import (
    SemiSupervisedClassifier,
    choose_semi_supervised,
    class_probabilities,
    has_probabilities,
    seed_unset_random_states,
)
from .models.semi_supervised import UNLABELED
from .pool import Pool
from .strategies import QueryStrategy, RandomSampling, make_strategy, select_top_k
from .strategies.uncertainty import UncertaintySampling

__all__ = ["ActiveLearner", "Round", "CLASSIFICATION_METRICS", "evaluation_metrics",
           "resolve_strategy", "SEMI_SUPERVISED", "MAX_UNLABELED"]

#: What :func:`evaluation_metrics` measures, the metrics of every classification round.
CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy", "macro_f1")
#: What ``ActiveLearner(semi_supervised=...)`` may be.
SEMI_SUPERVISED = (None, "none", "self-training", "label-spreading", "auto")
#: A semi-supervised fit sees at most this many unlabelled items (a seeded sample).
MAX_UNLABELED = 10_000
#: ``semi_supervised="auto"`` chooses again once the labels have grown by this factor
#: (each choice costs a cross-validation of every candidate).
_RECHOOSE_GROWTH = 1.5


def evaluation_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Accuracy, balanced accuracy and macro-F1 of predictions."""
    with warnings.catch_warnings():
        # A young model may miss classes entirely; the metric is still defined (as 0 recall).
        warnings.simplefilter("ignore")
        return {
            "accuracy": float(accuracy_score(y_true, y_pred)),
            "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
            "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        }


class ActiveLearner(BaseLearner):
    """Pool-based active learning with any scikit-learn classifier.

    The learner keeps a :class:`Pool` (which it never copies), asks a query
    strategy which items to label, retrains a fresh ``clone`` of the estimator
    on every labelled item after each :meth:`teach`, and records every round
    in :attr:`history_`.

    Parameters
    ----------
    estimator : scikit-learn classifier
        Never fitted itself; each retrain fits ``clone(estimator)``.
    pool : Pool
    strategy : str or QueryStrategy, default="margin"
        A registered name (see :func:`activelab.strategies.available_strategies`)
        or a strategy object.
    eval_set : tuple (X, y), default=None
        Held-out labelled data; when given, every round records accuracy,
        balanced accuracy and macro-F1 in its metrics.
    cold_start : {"random", "raise"}, default="random"
        What :meth:`query` does while the labelled set holds fewer than two
        classes: sample at random (with an :class:`ActivelabWarning`) or raise
        :class:`SingleClassError`.
    random_state : int, Generator or None
        One seed for everything random: the seed set, strategy tie-breaks and
        the estimator's own ``random_state`` when unset.  The same seed gives
        the same queries, byte for byte.
    scorer : PoolScorer, default=None
        Where an uncertainty strategy (margin, entropy, least-confident) scores
        the pool: :class:`~activelab.large_pool.StreamingScorer` streams a
        memory-mapped or Parquet pool block by block,
        :class:`~activelab.distributed.DaskScorer` scores it on a Dask cluster.
        Only a shortlist of ``n + 1`` items comes back, and the strategy picks
        from it as it would from the whole pool: the same queries as
        ``scorer=None`` unless two scores tie at the ``n``-th place.  ``None``
        scores in this process, as the strategy itself does.
    semi_supervised : {None, "self-training", "label-spreading", "none", "auto"}, default=None
        Let the model learn from the unlabelled pool too (see
        :class:`~activelab.models.SemiSupervisedClassifier`): self-training on
        pseudo-labels the model is at least 95% sure of, or label spreading over
        a k-NN graph averaged with the model.  ``"auto"`` chooses among the
        model alone and the two by 3-fold cross-validation on the labels so far
        (again each time the labels have grown by half), and each round of
        :attr:`history_` names the model and the scores behind the choice.
        Pseudo-labels live in the model only: the pool's labels are the
        oracle's.  ``None``: the estimator alone, nothing recorded.

    Attributes
    ----------
    model_ : fitted estimator or None
    history_ : list of Round
    stop_reason_ : str or None
        Why :meth:`run` stopped.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from activelab import ActiveLearner, Pool
    >>> X, y = load_iris(return_X_y=True)
    >>> learner = ActiveLearner(LogisticRegression(), Pool(X), "margin", random_state=0)
    >>> seed = learner.initial_query(6, method="kmeans")
    >>> learner.teach(seed, y[seed])
    >>> batch = learner.query(5)
    >>> learner.teach(batch, y[batch])
    >>> learner.pool.n_labeled
    11
    """

    _strategy_factory = staticmethod(make_strategy)

    def __init__(self, estimator: Any, pool: Pool, strategy: str | QueryStrategy = "margin", *,
                 eval_set: tuple[Any, Sequence[Hashable]] | None = None,
                 cold_start: str = "random", random_state: RandomLike = None,
                 scorer: PoolScorer | None = None,
                 semi_supervised: str | None = None) -> None:
        if not isinstance(pool, Pool):
            raise ConfigError(f"pool must be an activelab.Pool, got {type(pool).__name__}")
        if cold_start not in ("random", "raise"):
            raise ConfigError(f"cold_start must be 'random' or 'raise', got {cold_start!r}")
        super().__init__(estimator, pool, strategy, eval_set=eval_set,
                         random_state=random_state)
        if semi_supervised not in SEMI_SUPERVISED:
            raise ConfigError(f"semi_supervised must be one of {SEMI_SUPERVISED}, got "
                              f"{semi_supervised!r}")
        if semi_supervised in ("self-training", "label-spreading") \
                and not has_probabilities(estimator):
            raise ConfigError(
                f"semi_supervised={semi_supervised!r} needs class probabilities; "
                f"{type(estimator).__name__} has no predict_proba (use 'auto', which then "
                "keeps the model alone, or e.g. LogisticRegression)")
        self.cold_start = cold_start
        self.scorer = scorer
        self.semi_supervised = semi_supervised
        self._missing_warned: tuple[int, ...] = ()
        self._choice: tuple[int, str, str] | None = None  # (labels then, method, why)

    def _query_strategy(self) -> tuple[Any, str]:
        """The strategy, or random sampling while fewer than two classes are labelled
        (``cold_start="raise"``: :class:`SingleClassError`); a declared class without a
        labelled item warns (:class:`ActivelabWarning`) once per new set of them."""
        strategy: QueryStrategy = self.strategy_
        self._warn_missing_classes()
        if self.model_ is None and strategy.requires_model:
            if self.cold_start == "raise" or self.pool.n_labeled == 0:
                self._raise_unfitted()
            warnings.warn(
                f"only {self._n_classes_labeled()} class(es) labelled so far; querying at "
                "random until a second class appears", ActivelabWarning, stacklevel=3)
            return RandomSampling(random_state=self.rng), "random (cold start)"
        if self.scorer is not None:
            return _Shortlisted(strategy, self.scorer), self.strategy_name
        return strategy, self.strategy_name

    # ------------------------------------------------------------------ model
    def _warn_missing_classes(self) -> None:
        """Warn once per new set of declared classes that still have no labelled item."""
        if not self.pool.classes_declared or self.pool.n_labeled == 0:
            return
        missing = tuple(np.flatnonzero(self.pool.class_counts() == 0).tolist())
        if missing and missing != self._missing_warned:
            names = self.pool.decode(list(missing)).tolist()
            shown = ", ".join(repr(n) for n in names[:10]) + (" ..." if len(names) > 10 else "")
            warnings.warn(
                f"{len(names)} declared class(es) have no labelled item yet ({shown}); the "
                "model cannot predict them. Label a few examples of each: search for them, "
                "or keep querying with margin or entropy, which reach rare classes sooner "
                "than random sampling.", ActivelabWarning, stacklevel=4)
        self._missing_warned = missing

    def _n_classes_labeled(self) -> int:
        codes = self.pool.codes
        return len(np.unique(codes[codes >= 0]))

    def _raise_unfitted(self) -> None:
        if self.pool.n_labeled == 0:
            raise NotFittedError("no labels yet: call initial_query() and teach() first")
        only = self.pool.labels_of(self.pool.labeled_indices[:1])[0]
        raise SingleClassError(
            f"all {self.pool.n_labeled} labelled items have the class {only!r}; a classifier "
            "needs at least two classes. Label items of another class (initial_query with "
            "method='kmeans' finds diverse items)."
        )

    def _ready_to_fit(self) -> bool:
        return self._n_classes_labeled() >= 2

    def _fit_model(self, seed: int) -> Any:
        """The estimator on the labels, or with ``semi_supervised`` on a sample of the
        unlabelled pool as well (never more than :data:`MAX_UNLABELED` of it)."""
        if self.semi_supervised is None:
            return super()._fit_model(seed)
        labeled, unlabeled = self.pool.labeled_indices, self.pool.unlabeled_indices
        if len(unlabeled) > MAX_UNLABELED:
            sampler = np.random.default_rng([seed, len(labeled)])
            unlabeled = np.sort(sampler.choice(unlabeled, MAX_UNLABELED, replace=False))
        X = self.pool.take(np.concatenate([labeled, unlabeled]))
        y = np.concatenate([self.pool.codes[labeled], np.full(len(unlabeled), UNLABELED)])
        estimator = seed_unset_random_states(clone(self.estimator), seed)
        method, why = self._semi_supervised_method(estimator, X, y, seed)
        self._model_note = (method, why)
        return SemiSupervisedClassifier(estimator, method, random_state=seed).fit(X, y)

    def _semi_supervised_method(self, estimator: Any, X: Any, y: np.ndarray,
                                seed: int) -> tuple[str, str]:
        """The method to fit and why: as set, or (``"auto"``) chosen by cross-validation,
        kept until the labels grow by half."""
        if self.semi_supervised != "auto":
            return str(self.semi_supervised), "set by semi_supervised"
        n_labeled = int(np.sum(y != UNLABELED))
        if self._choice is not None and n_labeled < _RECHOOSE_GROWTH * self._choice[0]:
            return self._choice[1], f"chosen at {self._choice[0]} labels: {self._choice[2]}"
        choice = choose_semi_supervised(estimator, X, y, random_state=seed + n_labeled)
        self._choice = (n_labeled, choice.method, choice.reason)
        return choice.method, choice.reason

    def _fitted(self) -> Any:
        if self.model_ is None:
            self._raise_unfitted()
        return self.model_

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels (decoded to the pool's classes), shape (n_samples,).

        ``X`` may be a chunked source read from disk (anything with
        ``iter_row_chunks()``, e.g. :class:`~activelab.large_pool.ParquetFeatures`):
        it is predicted block by block.
        """
        model = self._fitted()
        if hasattr(X, "iter_row_chunks"):
            return self.pool.decode(np.concatenate(
                [model.predict(block) for _, block in X.iter_row_chunks()]))
        return self.pool.decode(model.predict(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in ``pool.classes_`` order.

        For models without ``predict_proba`` these are squashed decision values.
        """
        return class_probabilities(self._fitted(), X, self.pool.n_classes)

    def score(self, X: Any, y: Sequence[Hashable]) -> float:
        """Accuracy of the current model on ``(X, y)``."""
        return float(accuracy_score(np.asarray(y), self.predict(X)))

    def _eval_metrics(self, X_eval: Any, y_eval: Any) -> dict[str, float]:
        return evaluation_metrics(np.asarray(y_eval), self.predict(X_eval))


class _Shortlisted:
    """An uncertainty strategy whose pool is scored by a :class:`PoolScorer`.

    The scorer returns the best ``k + 1`` items; the strategy's own top-k
    selector then runs over them in pool order, drawing from its generator
    exactly as it would over the whole pool.
    """

    def __init__(self, strategy: QueryStrategy, scorer: PoolScorer) -> None:
        if not isinstance(strategy, UncertaintySampling):
            raise ConfigError(
                f"a scorer serves the uncertainty strategies (margin, entropy, "
                f"least-confident), not {type(strategy).__name__}; use scorer=None")
        self.strategy = strategy
        self.scorer = scorer

    def query(self, pool: Pool, model: Any, n: int, *, return_scores: bool = True
              ) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ConfigError(f"batch_size must be a positive int, got {n!r}")
        k = min(int(n), pool.n_unlabeled)
        indices, scores = self.scorer.top_k(pool, model, k + 1, self.strategy.measure)
        order = np.argsort(indices, kind="stable")
        indices, scores = indices[order], scores[order]
        chosen = select_top_k(scores, k, as_generator(self.strategy.random_state))
        return indices[chosen].astype(np.intp), np.asarray(scores[chosen], dtype=float)
