"""``auto``: the strategy to use when you do not want to choose one.

Margin sampling is the strongest simple default across benchmarks of
pool-based active learning with classical models; its known weakness is
batches: the ``k`` smallest margins are often near-duplicates from one
stretch of the decision boundary.  ``auto`` keeps margin's choice for a batch
of one and spreads larger batches over the boundary by clustering.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline

from .._random import RandomLike, derive_seed
from ..exceptions import ConfigError
from ..pool import Pool
from .base import DEFAULT_CHUNK_SIZE, QueryStrategy
from .selection import select_top_k
from .uncertainty import UncertaintySampling

__all__ = ["AutoStrategy"]

#: Above this many pre-filtered items, MiniBatchKMeans replaces KMeans.
_MINIBATCH_ABOVE = 5_000


def _model_features(pool: Pool, model: Any, indices: np.ndarray) -> Any:
    """Rows as the classifier sees them: through every step of a Pipeline but the last."""
    rows = pool.take(indices)
    if isinstance(model, Pipeline) and len(model.steps) > 1:
        rows = model[:-1].transform(rows)
    if sp.issparse(rows):
        return rows.tocsr()
    if hasattr(rows, "to_numpy"):
        rows = rows.to_numpy()
    rows = np.asarray(rows)
    if rows.ndim != 2 or rows.dtype.kind not in "biuf":
        raise ConfigError(
            "auto clusters batches in the model's feature space, but the pool holds raw items "
            f"(dtype {rows.dtype}) and the model ({type(model).__name__}) is not a Pipeline "
            "that turns them into numbers; use e.g. make_pipeline(TfidfVectorizer(), "
            "LogisticRegression())")
    return rows.astype(float, copy=False)


class AutoStrategy(QueryStrategy):
    """Margin sampling with a diversity step for batches; needs no choices.

    1. Score every candidate by margin (``1 - (p_top1 - p_top2)``).
    2. For a batch of one, return the smallest margin: plain margin sampling.
    3. Otherwise keep the ``candidate_factor * batch_size`` smallest margins
       (at most ``max_candidates``), cluster them into ``batch_size`` groups by
       k-means in the model's own feature space (after the Pipeline's scaler
       or TF-IDF step, so units and raw texts are handled), and take the
       smallest-margin item of each group.
    4. From 10 items on, a tenth of the batch (``random_fraction``) is drawn
       at random from all candidates and step 3 fills the rest.

    Parameters
    ----------
    candidate_factor : int, default=10
        Pre-filter size as a multiple of the batch size.
    max_candidates : int, default=10000
        Upper bound of the pre-filter, so clustering cost stays bounded.
    random_fraction : float, default=0.1
        Share of each batch drawn at random from all candidates
        (``floor(random_fraction * batch_size)`` items; none below 10 items at
        the default). Exploration: uncertainty-only label sets can make a
        poorly calibrated model (Gaussian naive Bayes) collapse.
    chunk_size : int, default=16384
        Items scored at once.
    random_state : int, Generator or None
        Seeds k-means and tie breaking.

    Notes
    -----
    This is the "margin + k-means diversity" design of Zhdanov (2019) with two
    changes: clusters live in the model's feature space rather than the raw
    pool, and each cluster contributes its most uncertain item rather than the
    one nearest its centre.  Results of the benchmark that chose it are in
    ``docs/benchmarks.md``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from activelab import Pool
    >>> from activelab.strategies.auto import AutoStrategy
    >>> X, y = load_iris(return_X_y=True)
    >>> pool = Pool(X)
    >>> pool.teach([0, 50, 100], y[[0, 50, 100]])
    >>> model = LogisticRegression().fit(*pool.training_data())
    >>> AutoStrategy(random_state=0).query(pool, model, 5).shape
    (5,)
    """

    def __init__(self, *, candidate_factor: int = 10, max_candidates: int = 10_000,
                 random_fraction: float = 0.1, chunk_size: int = DEFAULT_CHUNK_SIZE,
                 random_state: RandomLike = None) -> None:
        self.candidate_factor = candidate_factor
        self.max_candidates = max_candidates
        self.random_fraction = random_fraction
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _check_params(self) -> None:
        for name in ("candidate_factor", "max_candidates"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ConfigError(f"{name} must be an int of at least 1, got {value!r}")
        fraction = self.random_fraction
        if isinstance(fraction, bool) or not isinstance(fraction, int | float) \
                or not 0 <= fraction < 1:
            raise ConfigError(f"random_fraction must be in [0, 1), got {fraction!r}")

    def _select(self, pool, model, candidates, k, rng):
        self._check_params()
        n_random = min(int(self.random_fraction * k), len(candidates) - k) if k > 1 else 0
        margins = UncertaintySampling("margin", chunk_size=self.chunk_size).score(
            pool, model, candidates)
        if n_random > 0:
            picked = self._diverse(pool, model, candidates, margins, k - n_random, rng)
            rest = np.setdiff1d(np.arange(len(candidates)), picked, assume_unique=True)
            explore = rng.choice(rest, size=n_random, replace=False)
            picked = np.concatenate([picked, explore])
        else:
            picked = self._diverse(pool, model, candidates, margins, k, rng)
        return candidates[picked], margins[picked]

    def _diverse(self, pool, model, candidates, margins, k, rng) -> np.ndarray:
        """Positions into ``candidates`` of the margin + k-means batch of ``k``."""
        n_top = min(len(candidates), max(k, min(int(self.candidate_factor) * k,
                                                int(self.max_candidates))))
        top = select_top_k(margins, n_top, rng)  # most uncertain first, ties at random
        seed = derive_seed(rng)
        if k == 1 or len(top) <= k:
            return top[:k]
        features = _model_features(pool, model, candidates[top])
        kmeans = (MiniBatchKMeans if len(top) > _MINIBATCH_ABOVE else KMeans)(
            n_clusters=k, n_init=1, random_state=seed)
        with warnings.catch_warnings():
            # Duplicate rows give fewer distinct clusters than k; the gap is filled below.
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = kmeans.fit_predict(features)
        _, firsts = np.unique(labels, return_index=True)  # each cluster's most uncertain
        chosen = np.sort(firsts)
        if len(chosen) < k:
            rest = np.setdiff1d(np.arange(len(top)), chosen)
            chosen = np.sort(np.concatenate([chosen, rest[:k - len(chosen)]]))
        return top[chosen]
