"""BADGE: k-means++ seeding on gradient embeddings, never materialised (Ash et al. 2020)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import Pipeline

from .._random import RandomLike
from ..exceptions import ConfigError
from ..models import class_probabilities
from ..pool import Pool
from ._diversity import (
    PREFILTERS,
    check_max_candidates,
    dot_rows,
    prefilter_candidates,
    row_sq_norms,
    single_threaded_blas,
)
from ._features import uses_model_features
from .base import DEFAULT_CHUNK_SIZE, QueryStrategy, iter_chunks

__all__ = ["BADGE", "last_layer_features", "gradient_embedding_parts"]


def _final_estimator(model: Any) -> Any:
    return model[-1] if isinstance(model, Pipeline) else model


def last_layer_features(model: Any, rows: Any) -> tuple[Any, bool]:
    """The input of the model's last layer and whether that layer has a bias.

    * ``Pipeline``: ``rows`` go through every step but the last first.
    * ``MLPClassifier``: activations of the last hidden layer.
    * Linear models (``coef_``): the features themselves, bias = ``fit_intercept``.
    * Anything else (trees, kNN, kernel SVMs, naive Bayes): the features, no bias,
      as the issue's fallback for models without a last layer.

    Returns
    -------
    H : {ndarray, csr_matrix} of shape (n, n_hidden)
    bias : bool
    """
    if isinstance(model, Pipeline) and len(model.steps) > 1:
        rows = model[:-1].transform(rows)
    estimator = _final_estimator(model)
    if sp.issparse(rows):
        H: Any = rows.tocsr()
    else:
        H = np.asarray(rows.to_numpy() if hasattr(rows, "iloc") else rows, dtype=float)
    if hasattr(estimator, "coefs_") and hasattr(estimator, "intercepts_"):
        from sklearn.neural_network._base import ACTIVATIONS

        activation = ACTIVATIONS[estimator.activation]
        for coef, intercept in zip(estimator.coefs_[:-1], estimator.intercepts_[:-1],
                                   strict=True):
            H = np.asarray(H @ coef) + intercept
            activation(H)  # in place, as scikit-learn does
        return H, True
    if hasattr(estimator, "coef_"):
        return H, bool(getattr(estimator, "fit_intercept", True))
    return H, False


def gradient_embedding_parts(model: Any, rows: Any, n_classes: int
                             ) -> tuple[np.ndarray, Any, bool]:
    """Factors of the BADGE embedding ``g = (p - onehot(argmax p)) (x) [h, 1]``.

    Returns
    -------
    R : ndarray of float32 of shape (n, n_classes)
        ``p - onehot(argmax p)``.
    H : float32 {ndarray, csr_matrix} of shape (n, n_hidden)
    bias : bool
        Whether the constant 1 is appended to ``h`` (the output layer's bias).
    """
    proba = class_probabilities(model, rows, n_classes)
    R = proba.astype(np.float32)
    R[np.arange(len(R)), proba.argmax(axis=1)] -= 1.0
    H, bias = last_layer_features(model, rows)
    H = H.astype(np.float32) if sp.issparse(H) else np.ascontiguousarray(H, dtype=np.float32)
    return R, H, bias


class BADGE(QueryStrategy):
    """Uncertain and diverse batches by k-means++ seeding on gradient embeddings.

    For a softmax output layer the gradient of the loss (with the predicted
    label as target) w.r.t. the last layer's weights is
    ``g(x) = (p(x) - e_yhat) (x) h(x)``, where ``h`` is the input of that layer
    (the features for linear models, the last hidden activations for an
    ``MLPClassifier``; the features for any other model).  Its norm grows with
    uncertainty and its direction encodes the item.  Because
    ``<g_i, g_j> = <p_i - e_i, p_j - e_j> <h_i, h_j>``, every squared distance
    of k-means++ seeding is computed from two small products and the
    n x (C d) embedding matrix is never built.

    **Exact mode** seeds over every candidate; **fast mode** (more candidates
    than ``max_candidates``) seeds over ``max_candidates`` of them chosen by
    ``prefilter`` (see :class:`CoreSet`).

    Parameters
    ----------
    max_candidates : int or None, default=20000
        Candidate budget of fast mode (20,000 keeps a 1,000 batch near 2 s: each
        seed costs one pass over the candidates); None always runs exact mode.
    prefilter : {"random", "margin", "entropy", "least_confident"}, default="random"
    chunk_size : int, default=16384
    random_state : int, Generator or None
        Seeds the D^2 sampling of k-means++ and the sample of fast mode.

    Notes
    -----
    As in the paper, the first center is the item with the largest gradient
    norm and each next one is drawn with probability proportional to its
    squared distance to the centers so far.  The batch is returned sorted by
    gradient-embedding norm (the returned score), largest first: the chosen
    set is the k-means++ seed set, its order a ranking for annotators who
    stop early.

    Examples
    --------
    >>> from activelab.examples import iris_start
    >>> from activelab.strategies import BADGE
    >>> pool, model = iris_start()
    >>> BADGE(random_state=0).query(pool, model, 5).shape
    (5,)
    """

    def __init__(self, *, max_candidates: int | None = 20_000, prefilter: str = "random",
                 chunk_size: int = DEFAULT_CHUNK_SIZE, random_state: RandomLike = None) -> None:
        self.max_candidates = max_candidates
        self.prefilter = prefilter
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _select(self, pool: Pool, model: Any, candidates: np.ndarray, k: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        if self.prefilter not in PREFILTERS:
            raise ConfigError(f"prefilter must be one of {PREFILTERS}, got {self.prefilter!r}")
        limit = check_max_candidates(self.max_candidates)
        kept = prefilter_candidates(pool, model, candidates, None if limit is None
                                    else max(limit, k), self.prefilter, self.chunk_size, rng)
        R, H, bias = self._embedding_parts(pool, model, kept)
        positions = kmeans_pp_gradient(R, H, bias, k, rng)
        norms = np.sqrt(row_sq_norms(R[positions]) * (row_sq_norms(H[positions]) + bias))
        order = np.argsort(-norms, kind="stable")
        return kept[positions[order]], norms[order]

    def _embedding_parts(self, pool: Pool, model: Any, kept: np.ndarray
                         ) -> tuple[np.ndarray, Any, bool]:
        if uses_model_features(pool) and not isinstance(model, Pipeline):
            raise ConfigError(
                "BADGE needs numeric features: the pool holds raw items and the model is "
                "not a Pipeline that turns them into numbers")
        R_blocks, H_blocks, bias = [], [], False
        for _, chunk in iter_chunks(kept, self.chunk_size):
            R, H, bias = gradient_embedding_parts(model, pool.take(chunk), pool.n_classes)
            R_blocks.append(R)
            H_blocks.append(H)
        R = np.concatenate(R_blocks)
        if sp.issparse(H_blocks[0]):
            H = sp.vstack(H_blocks, format="csr")
        else:
            H = np.concatenate(H_blocks) if len(H_blocks) > 1 else H_blocks[0]
        return R, H, bias


def kmeans_pp_gradient(R: np.ndarray, H: Any, bias: bool, k: int,
                       rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding on the implicit embeddings ``g_i = R_i (x) [H_i, 1 if bias]``.

    Parameters
    ----------
    R : ndarray of shape (m, C)
    H : {ndarray, csr_matrix} of shape (m, d)
    bias : bool
    k : int
        Seeds to choose, at most ``m``.
    rng : Generator

    Returns
    -------
    positions : ndarray of int of shape (k,), in seeding order.
    """
    m = R.shape[0]
    r_norms = row_sq_norms(R)
    h_norms = row_sq_norms(H) + float(bias)
    g_norms = r_norms * h_norms
    positions = np.empty(k, dtype=np.intp)
    min_dist = np.full(m, np.inf)
    taken = np.zeros(m, dtype=bool)
    with single_threaded_blas():
        _seed_loop(R, H, bias, g_norms, k, rng, positions, min_dist, taken)
    return positions


def _seed_loop(R: np.ndarray, H: np.ndarray, bias: float, g_norms: np.ndarray, k: int,
               rng: np.random.Generator, positions: np.ndarray, min_dist: np.ndarray,
               taken: np.ndarray) -> None:
    m = R.shape[0]
    for step in range(k):
        if step == 0:
            pick = int(np.argmax(g_norms))
        else:
            weights = np.where(taken, 0.0, min_dist)
            total = weights.sum()
            if total > 0 and np.isfinite(total):
                cumulative = np.cumsum(weights)
                pick = int(np.searchsorted(cumulative, rng.random() * cumulative[-1],
                                           side="right"))
                pick = min(pick, m - 1)
                if taken[pick]:  # only when the draw lands on a zero-weight tail
                    pick = int(np.flatnonzero(~taken)[-1])
            else:  # every remaining item coincides with a center
                pick = int(rng.choice(np.flatnonzero(~taken)))
        positions[step] = pick
        taken[pick] = True
        inner = (R @ R[pick]).astype(np.float64)
        inner *= dot_rows(H, H[pick]).ravel() + float(bias)
        d2 = g_norms + g_norms[pick] - 2.0 * inner
        np.maximum(d2, 0.0, out=d2)
        np.minimum(min_dist, d2, out=min_dist)
