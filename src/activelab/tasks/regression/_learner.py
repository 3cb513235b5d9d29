"""The active-learning loop for real-valued targets."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from sklearn.linear_model import BayesianRidge, Ridge
from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..._random import RandomLike
from ...exceptions import (
    ActivelabWarning,
    ConfigError,
    NotFittedError,
)
from ...learner_base import BaseLearner
from ...strategies import (
    QueryStrategy,
    RandomSampling,
    make_strategy,
    register_strategy,
    strategy_names,
)
from ._pool import RegressionPool, check_targets
from ._strategies import CommitteeVariance, GreedySampling, PredictiveStd

__all__ = ["RegressionLearner", "regression_metrics", "make_regressor", "REGRESSOR_NAMES",
           "SPARSE_REGRESSORS",
           "REGRESSION_STRATEGIES", "make_regression_strategy"]

REGRESSOR_NAMES = ("ridge", "bayesridge", "rf", "gp", "knn")

register_strategy("committee", lambda **kw: CommitteeVariance(**kw), tasks=("regression",))
register_strategy("std", lambda **kw: PredictiveStd(**kw), tasks=("regression",))
register_strategy("gsx", lambda **kw: GreedySampling("x", **kw), tasks=("regression",))
register_strategy("gsy", lambda **kw: GreedySampling("y", **kw), tasks=("regression",))
register_strategy("igs", lambda **kw: GreedySampling("xy", **kw), tasks=("regression",))

#: Strategy names understood by :func:`make_regression_strategy`.
REGRESSION_STRATEGIES = strategy_names("regression")


def make_regression_strategy(name: str, *, random_state: RandomLike = None) -> QueryStrategy:
    """The regression strategy called ``name`` (see :data:`REGRESSION_STRATEGIES`)."""
    strategy: QueryStrategy = make_strategy(name, task="regression", random_state=random_state)
    return strategy


#: Regressors that fit sparse features (TF-IDF of texts) as they are.
SPARSE_REGRESSORS = ("ridge", "rf", "knn")


def make_regressor(name: str, random_state: int | None = None, kind: str = "tabular") -> Any:
    """A ready-to-fit regressor (scaled inside a pipeline for tabular features).

    Parameters
    ----------
    name : {"ridge", "bayesridge", "rf", "gp", "knn"}
    random_state : int or None
    kind : {"tabular", "sparse"}, default="tabular"
        ``"sparse"`` (TF-IDF rows, already on one scale) takes no scaler and only the
        :data:`SPARSE_REGRESSORS`.

    Examples
    --------
    >>> make_regressor("ridge", kind="sparse")
    Ridge()
    """
    if kind == "sparse":
        if name not in SPARSE_REGRESSORS:
            raise ConfigError(f"regressor {name!r} needs dense features; for text choose "
                              f"one of {', '.join(SPARSE_REGRESSORS)}")
        if name == "ridge":
            return Ridge(alpha=1.0)
        if name == "knn":
            return KNeighborsRegressor(n_neighbors=5)
    if name == "ridge":
        return make_pipeline(StandardScaler(), Ridge(alpha=1.0))
    if name == "bayesridge":
        return make_pipeline(StandardScaler(), BayesianRidge())
    if name == "rf":
        return RandomForestRegressor(n_estimators=100, min_samples_leaf=2, n_jobs=1,
                                     random_state=random_state)
    if name == "gp":
        kernel = ConstantKernel() * RBF(length_scale=1.0) + WhiteKernel(noise_level=0.1)
        return make_pipeline(StandardScaler(), GaussianProcessRegressor(
            kernel=kernel, normalize_y=True, random_state=random_state))
    if name == "knn":
        return make_pipeline(StandardScaler(), KNeighborsRegressor(n_neighbors=5))
    raise ConfigError(f"unknown regressor {name!r}; choose one of {', '.join(REGRESSOR_NAMES)}")


def regression_metrics(y_true: Any, y_pred: Any) -> dict[str, float]:
    """RMSE, MAE and R² of predictions.

    Examples
    --------
    >>> regression_metrics([0.0, 2.0], [1.0, 2.0])["mae"]
    0.5
    """
    y_true = check_targets(y_true, where="y_true")
    y_pred = np.asarray(y_pred, dtype=float)
    return {"rmse": float(root_mean_squared_error(y_true, y_pred)),
            "mae": float(mean_absolute_error(y_true, y_pred)),
            "r2": float(r2_score(y_true, y_pred)) if len(y_true) > 1 else float("nan")}


class RegressionLearner(BaseLearner):
    """Pool-based active learning with any scikit-learn regressor.

    Mirrors :class:`activelab.ActiveLearner`: a :class:`RegressionPool` that is
    never copied, a query strategy, a fresh ``clone`` of the estimator fitted
    after every :meth:`teach`, and a :attr:`history_` of :class:`~activelab.Round`
    whose metrics are RMSE, MAE and R² on ``eval_set``.

    Parameters
    ----------
    estimator : scikit-learn regressor
    pool : RegressionPool
    strategy : str or QueryStrategy, default="igs"
        One of :data:`REGRESSION_STRATEGIES` or a strategy object.
    eval_set : tuple (X, y), default=None
    min_labels : int, default=2
        Labels needed before the first fit; until then model-based strategies
        fall back to random sampling (with an :class:`ActivelabWarning`).
    random_state : int, Generator or None

    Attributes
    ----------
    model_ : fitted regressor or None
    history_ : list of Round
    stop_reason_ : str or None

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import Ridge
    >>> X, y = load_diabetes(return_X_y=True)
    >>> learner = RegressionLearner(Ridge(), RegressionPool(X), "igs", random_state=0)
    >>> seed = learner.initial_query(10)
    >>> learner.teach(seed, y[seed])
    >>> batch = learner.query(5)
    >>> learner.teach(batch, y[batch])
    >>> learner.pool.n_labeled
    15
    """

    _strategy_factory = staticmethod(make_regression_strategy)

    def __init__(self, estimator: Any, pool: RegressionPool,
                 strategy: str | QueryStrategy = "igs", *,
                 eval_set: tuple[Any, Any] | None = None, min_labels: int = 2,
                 random_state: RandomLike = None) -> None:
        if not isinstance(pool, RegressionPool):
            raise ConfigError(f"pool must be a RegressionPool, got {type(pool).__name__}")
        if isinstance(min_labels, bool) or not isinstance(min_labels, int) or min_labels < 1:
            raise ConfigError(f"min_labels must be a positive int, got {min_labels!r}")
        super().__init__(estimator, pool, strategy, eval_set=eval_set,
                         random_state=random_state)
        self.min_labels = min_labels

    def _initial_indices(self, n: int, method: str) -> np.ndarray:
        """``"random"``, ``"kmeans"`` or ``"gsx"`` (greedy input-space coverage)."""
        if method == "gsx":
            return GreedySampling("x", random_state=self.rng).query(self.pool, None, n)
        return super()._initial_indices(n, method)

    def _query_strategy(self) -> tuple[Any, str]:
        strategy = self.strategy_
        if self.model_ is None and strategy.requires_model:
            if self.pool.n_labeled == 0:
                raise NotFittedError("no labels yet: call initial_query() and teach() first")
            warnings.warn(f"only {self.pool.n_labeled} label(s) so far (min_labels="
                          f"{self.min_labels}); querying at random until the model is fitted",
                          ActivelabWarning, stacklevel=3)
            return RandomSampling(random_state=self.rng), "random (cold start)"
        return strategy, self.strategy_name

    def _ready_to_fit(self) -> bool:
        return self.pool.n_labeled >= self.min_labels

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets, shape (n_samples,)."""
        if self.model_ is None:
            raise NotFittedError(f"the model needs at least {self.min_labels} labels; "
                                 f"{self.pool.n_labeled} given so far")
        return np.asarray(self.model_.predict(X), dtype=float).ravel()

    def score(self, X: Any, y: Any) -> float:
        """R² of the current model on ``(X, y)`` (scikit-learn's regressor convention)."""
        return regression_metrics(y, self.predict(X))["r2"]

    def _eval_metrics(self, X_eval: Any, y_eval: Any) -> dict[str, float]:
        return regression_metrics(y_eval, self.predict(X_eval))
