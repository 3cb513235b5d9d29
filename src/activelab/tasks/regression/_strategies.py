"""Query strategies for regression: committee variance, predictive std, greedy sampling."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.ensemble import BaggingRegressor
from sklearn.ensemble._forest import BaseForest
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing

from ..._random import RandomLike, as_generator
from ...exceptions import ConfigError, DataError
from ...models.committee import seed_unset_random_states
from ...strategies.base import DEFAULT_CHUNK_SIZE, QueryStrategy, iter_chunks
from ...strategies.selection import select_top_k

__all__ = ["CommitteeVariance", "PredictiveStd", "GreedySampling", "fit_regression_committee",
           "predictive_std", "GREEDY_SPACES"]

GREEDY_SPACES = ("x", "y", "xy")


def fit_regression_committee(X: Any, y: np.ndarray, *, estimator: Any = None,
                             members: Sequence[Any] | None = None, n_members: int = 5,
                             random_state: RandomLike = None) -> list[Any]:
    """Fit bagged clones of one regressor, or each of a list of regressors, on ``(X, y)``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_labeled, n_features)
    y : ndarray of float of shape (n_labeled,)
    estimator : regressor, default=None
        Bagging base model: ``n_members`` clones, each fitted on a bootstrap resample.
    members : sequence of regressors, default=None
        A heterogeneous committee, each cloned and fitted on all of ``(X, y)``.
    n_members : int, default=5
    random_state : int, Generator or None
        Seeds the resamples and every unset member ``random_state``.

    Returns
    -------
    committee : list of fitted regressors
    """
    if (estimator is None) == (members is None):
        raise ConfigError("give exactly one of estimator (bagging) or members (a committee)")
    rng = as_generator(random_state)
    if members is not None:
        members = list(members)
        if len(members) < 2:
            raise ConfigError(f"a committee needs at least two members, got {len(members)}")
        return [seed_unset_random_states(clone(m), rng).fit(X, y) for m in members]
    if isinstance(n_members, bool) or not isinstance(n_members, int | np.integer) \
            or n_members < 2:
        raise ConfigError(f"n_members must be an int of at least 2, got {n_members!r}")
    if len(y) < 2:
        raise DataError("a bagged committee needs at least two labelled items")
    fitted = []
    for _ in range(int(n_members)):
        positions = rng.integers(0, len(y), size=len(y))
        model = seed_unset_random_states(clone(estimator), rng)
        fitted.append(model.fit(_safe_indexing(X, positions), y[positions]))
    return fitted


class CommitteeVariance(QueryStrategy):
    """Query the items on which a committee of regressors disagrees most (RayChaudhuri 1995).

    The score is the variance of the members' predictions.  By default the
    queried model is bagged (``n_members`` bootstrap clones); with
    ``committee`` each given regressor is fitted on all labelled items.

    Parameters
    ----------
    committee : list of regressors, default=None
    n_members : int, default=5
    chunk_size : int, default=16384
    random_state : int, Generator or None

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from activelab.tasks.regression import RegressionPool
    >>> X = np.linspace(0, 1, 40).reshape(-1, 1)
    >>> pool = RegressionPool(X)
    >>> pool.teach([0, 10, 20], [0.0, 0.3, 0.5])
    >>> model = Ridge().fit(*pool.training_data())
    >>> CommitteeVariance(n_members=3, random_state=0).query(pool, model, 2).shape
    (2,)
    """

    def __init__(self, committee: Sequence[Any] | None = None, *, n_members: int = 5,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, random_state: RandomLike = None) -> None:
        self.committee = committee
        self.n_members = n_members
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _select(self, pool, model, candidates, k, rng):
        X, y = pool.training_data()
        if self.committee is not None:
            members = fit_regression_committee(X, y, members=self.committee, random_state=rng)
        else:
            members = fit_regression_committee(X, y, estimator=model, n_members=self.n_members,
                                               random_state=rng)
        scores = np.empty(len(candidates))
        for block, chunk in iter_chunks(candidates, self.chunk_size):
            Xc = pool.take(chunk)
            scores[block] = np.stack([np.asarray(m.predict(Xc), dtype=float).ravel()
                                      for m in members]).var(axis=0)
        chosen = select_top_k(scores, k, rng)
        return candidates[chosen], scores[chosen]


def _final_step(model: Any) -> tuple[Any, Any]:
    """``(transform, final)``: a Pipeline's preprocessing and its last step, or (None, model)."""
    if isinstance(model, Pipeline):
        return model[:-1], model[-1]
    return None, model


def predictive_std(model: Any, X: Any) -> np.ndarray:
    """Predictive standard deviation of a fitted regressor at ``X``, shape (n_samples,).

    Uses ``predict(X, return_std=True)`` when the model (or a Pipeline's last
    step) has it (``GaussianProcessRegressor``, ``BayesianRidge``,
    ``ARDRegression``); otherwise the spread of the members of a fitted
    forest or bagging ensemble (``RandomForestRegressor``,
    ``ExtraTreesRegressor``, ``BaggingRegressor``).

    Raises
    ------
    ConfigError
        When the model offers neither; use :class:`CommitteeVariance` instead.
    """
    transform, final = _final_step(model)
    if "return_std" in inspect.signature(final.predict).parameters:
        _, std = model.predict(X, return_std=True)
        return np.asarray(std, dtype=float).ravel()
    if isinstance(final, BaseForest | BaggingRegressor):
        Xt = transform.transform(X) if transform is not None else X
        features = getattr(final, "estimators_features_", None)
        predictions = []
        for i, member in enumerate(final.estimators_):
            Xi = Xt if features is None else _safe_indexing(Xt, features[i], axis=1)
            predictions.append(np.asarray(member.predict(Xi), dtype=float).ravel())
        return np.stack(predictions).std(axis=0)
    raise ConfigError(
        f"{type(final).__name__} gives no predictive uncertainty: use a model with "
        "predict(return_std=True) (GaussianProcessRegressor, BayesianRidge), a forest or "
        "bagging ensemble, or the committee-variance strategy"
    )


class PredictiveStd(QueryStrategy):
    """Query the items whose prediction is least certain: the largest predictive std.

    See :func:`predictive_std` for the models it supports.

    Parameters
    ----------
    chunk_size : int, default=16384
    random_state : int, Generator or None
        Breaks ties.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import BayesianRidge
    >>> from activelab.tasks.regression import RegressionPool
    >>> X = np.linspace(0, 1, 40).reshape(-1, 1)
    >>> pool = RegressionPool(X)
    >>> pool.teach([10, 11, 12], [0.2, 0.3, 0.3])
    >>> model = BayesianRidge().fit(*pool.training_data())
    >>> int(PredictiveStd(random_state=0).query(pool, model, 1)[0]) in (0, 39)
    True
    """

    def __init__(self, *, chunk_size: int = DEFAULT_CHUNK_SIZE,
                 random_state: RandomLike = None) -> None:
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _select(self, pool, model, candidates, k, rng):
        scores = np.empty(len(candidates))
        for block, chunk in iter_chunks(candidates, self.chunk_size):
            scores[block] = predictive_std(model, pool.take(chunk))
        chosen = select_top_k(scores, k, rng)
        return candidates[chosen], scores[chosen]


def _as_matrix(X: Any) -> Any:
    if hasattr(X, "iloc"):
        return X.to_numpy(dtype=float)
    if sp.issparse(X):
        return X
    array = np.asarray(X)
    if array.dtype.kind not in "iuf" or array.ndim != 2:
        raise ConfigError("greedy sampling measures distances between numeric feature rows; "
                          "this pool holds raw items")
    return array.astype(float, copy=False)


class GreedySampling(QueryStrategy):
    """Greedy sampling in input, output, or both spaces (Wu, Lin & Huang 2019).

    Each chosen item is the candidate farthest from every reference item,
    the references being the labelled items plus the items already picked for
    this batch:

    * ``space="x"`` (GSx): distance ``min_m ||x_n - x_m||``; needs no model,
      so it also picks a seed set (starting from the item nearest the mean).
    * ``space="y"`` (GSy): ``min_m |f(x_n) - y_m|``.
    * ``space="xy"`` (iGS): ``min_m ||x_n - x_m|| * |f(x_n) - y_m|``.

    Items picked earlier in the batch enter the references with their
    predicted target.  Distances are computed in blocks of
    ``chunk_size x chunk_size`` and each pick updates the running minima with
    one column, so no N x N matrix is ever built.

    Parameters
    ----------
    space : {"x", "y", "xy"}, default="xy"
    standardize : bool, default=True
        Scale dense features to zero mean and unit variance (statistics of the
        whole pool) before measuring input distances; sparse features are used as given.
    chunk_size : int, default=2048
    random_state : int, Generator or None
        Breaks ties.

    Examples
    --------
    >>> import numpy as np
    >>> from activelab.tasks.regression import RegressionPool
    >>> pool = RegressionPool(np.linspace(0, 1, 11).reshape(-1, 1))
    >>> pool.teach([5], [0.0])
    >>> GreedySampling("x", random_state=0).query(pool, None, 2).tolist() in ([0, 10], [10, 0])
    True
    """

    def __init__(self, space: str = "xy", *, standardize: bool = True, chunk_size: int = 2048,
                 random_state: RandomLike = None) -> None:
        self.space = space
        self.standardize = standardize
        self.chunk_size = chunk_size
        self.random_state = random_state

    @property
    def requires_model(self) -> bool:  # type: ignore[override]
        return self._check_space() != "x"

    def _check_space(self) -> str:
        if self.space not in GREEDY_SPACES:
            raise ConfigError(f"space must be one of {GREEDY_SPACES}, got {self.space!r}")
        return self.space

    def _scaler(self, pool: Any) -> tuple[Any, Any]:
        X = pool.X
        if not self.standardize or sp.issparse(X):
            return 0.0, 1.0
        total, squares, n = 0.0, 0.0, 0
        for _, chunk in iter_chunks(np.arange(pool.n_samples), 1 << 16):
            block = _as_matrix(pool.take(chunk))
            total = total + block.sum(axis=0)
            squares = squares + (block ** 2).sum(axis=0)
            n += len(block)
        mean = total / n
        std = np.sqrt(np.maximum(squares / n - mean ** 2, 0.0))
        return mean, np.where(std > 0, std, 1.0)

    def _centre(self, pool: Any, scale: tuple[Any, Any]) -> np.ndarray:
        total: Any = 0.0  # becomes the column sums
        n = 0
        for _, chunk in iter_chunks(np.arange(pool.n_samples), 1 << 16):
            rows = self._rows(pool, chunk, scale)
            total = total + np.asarray(rows.sum(axis=0)).ravel()
            n += rows.shape[0]
        return (total / n).reshape(1, -1)

    def _rows(self, pool: Any, indices: np.ndarray, scale: tuple[Any, Any]) -> Any:
        X = _as_matrix(pool.take(indices))
        return X if sp.issparse(X) else (X - scale[0]) / scale[1]

    def _predict(self, model: Any, pool: Any, indices: np.ndarray) -> np.ndarray:
        out = np.empty(len(indices))
        for block, chunk in iter_chunks(indices, self.chunk_size):
            out[block] = np.asarray(model.predict(pool.take(chunk)), dtype=float).ravel()
        return out

    def _select(self, pool, model, candidates, k, rng):
        space = self._check_space()
        scale = self._scaler(pool) if space != "y" else (0.0, 1.0)
        labeled = pool.labeled_indices
        f_cand = self._predict(model, pool, candidates) if space != "x" else None
        y_ref = pool.training_data()[1] if space != "x" else None
        minima = np.full(len(candidates), np.inf)
        # Running minimum over the labelled references, block by block (never N x N).
        for block, chunk in iter_chunks(candidates, self.chunk_size):
            Xc = self._rows(pool, chunk, scale) if space != "y" else None
            for ref_block, ref_chunk in iter_chunks(labeled, self.chunk_size):
                d = self._pair_distance(
                    Xc, None if space == "y" else self._rows(pool, ref_chunk, scale),
                    None if f_cand is None else f_cand[block],
                    None if y_ref is None else y_ref[ref_block], space)
                minima[block] = np.minimum(minima[block], d.min(axis=1))
        chosen: list[int] = []
        scores: list[float] = []
        available = np.ones(len(candidates), dtype=bool)
        if labeled.size == 0:  # GSx cold start: begin at the item nearest the centre
            centre = self._centre(pool, scale)
            distances = np.empty(len(candidates))
            for block, chunk in iter_chunks(candidates, self.chunk_size):
                distances[block] = euclidean_distances(self._rows(pool, chunk, scale),
                                                       centre).ravel()
            first = int(select_top_k(-distances, 1, rng)[0])
            self._add(pool, candidates, first, minima, f_cand, scale, space)
            available[first] = False
            chosen.append(first)
            scores.append(float("nan"))
        while len(chosen) < k:
            values = np.where(available, minima, -np.inf)
            best = int(select_top_k(values, 1, rng)[0])
            chosen.append(best)
            scores.append(float(minima[best]))
            available[best] = False
            if len(chosen) < k:
                self._add(pool, candidates, best, minima, f_cand, scale, space)
        positions = np.asarray(chosen, dtype=np.intp)
        return candidates[positions], np.asarray(scores)

    def _add(self, pool, candidates, position, minima, f_cand, scale, space) -> None:
        """Update the running minima with one new reference: candidate ``position``."""
        x_new = self._rows(pool, candidates[[position]], scale) if space != "y" else None
        y_new = None if f_cand is None else f_cand[[position]]
        for block, chunk in iter_chunks(candidates, self.chunk_size):
            Xc = self._rows(pool, chunk, scale) if space != "y" else None
            d = self._pair_distance(Xc, x_new, None if f_cand is None else f_cand[block],
                                    y_new, space)
            minima[block] = np.minimum(minima[block], d[:, 0])

    @staticmethod
    def _pair_distance(Xc, Xr, fc, yr, space) -> np.ndarray:
        if space == "y":
            return np.abs(fc[:, None] - yr[None, :])
        dx = euclidean_distances(Xc, Xr)
        if space == "x":
            return dx
        return dx * np.abs(fc[:, None] - yr[None, :])
