"""Stream-based selective sampling under a label budget (Žliobaitė et al. 2014)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .._random import RandomLike
from ..exceptions import ConfigError, DataError
from ..models import class_probabilities
from ..pool import Pool
from .base import DEFAULT_CHUNK_SIZE, QueryStrategy, iter_chunks
from .scores import entropy
from .selection import select_top_k

__all__ = ["StreamSelectiveSampler", "STREAM_MEASURES", "confidence"]

STREAM_MEASURES = ("least_confident", "margin", "entropy")


def confidence(proba: np.ndarray, measure: str = "least_confident") -> np.ndarray:
    """Confidence in [0, 1] of each prediction; 1 minus it is the uncertainty.

    ``"least_confident"``: ``max_c p(c|x)`` (the paper's rule);
    ``"margin"``: ``p_top1 - p_top2``; ``"entropy"``: ``1 - H(p) / log(n_classes)``.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
    measure : {"least_confident", "margin", "entropy"}

    Returns
    -------
    confidence : ndarray of shape (n_samples,)
    """
    if measure == "least_confident":
        return proba.max(axis=1)
    n_classes = proba.shape[1]
    if n_classes < 2:
        return np.ones(len(proba))
    if measure == "margin":
        top2 = np.partition(proba, -2, axis=1)[:, -2:]
        return top2[:, 1] - top2[:, 0]
    return 1.0 - entropy(proba) / np.log(n_classes)


def _as_single_row(x_row: Any) -> Any:
    """``x_row`` as a batch of one item, in the form a model's ``predict_proba`` takes."""
    if isinstance(x_row, str):
        return np.array([x_row], dtype=object)
    if sp.issparse(x_row) or (hasattr(x_row, "iloc") and hasattr(x_row, "columns")):
        if x_row.shape[0] != 1:
            raise DataError(f"decide() takes one item, got {x_row.shape[0]} rows")
        return x_row
    row = np.asarray(x_row)
    if row.dtype.kind in "OUS":  # a raw item, e.g. pool.take([i]) of a text pool
        if row.size != 1:
            raise DataError(f"decide() takes one raw item, got {row.size}")
        return row.reshape(1).astype(object)
    if row.ndim == 1:
        return row.reshape(1, -1)
    if row.ndim == 2 and row.shape[0] == 1:
        return row
    raise DataError(f"decide() takes one item (a 1-D vector or one row), got shape {row.shape}")


class StreamSelectiveSampler(QueryStrategy):
    """Ask or skip each item of a stream, spending at most a fraction of labels.

    The *variable uncertainty* rule of Žliobaitė et al. (2014, Algorithm 3),
    stated on the confidence ``conf(x)`` (the maximum posterior
    ``max_c P(c|x)`` for the default ``"least_confident"``, as in the paper):
    for the ``t``-th item with ``u`` labels spent so far,

    * if ``u / t >= budget``: skip (the budget is spent);
    * else if ``conf(x) < theta``: ask, and narrow the region:
      ``theta *= 1 - step``;
    * else: skip, and widen the region: ``theta *= 1 + step``.

    So the threshold falls while items get asked and rises through confident
    stretches, keeping the asked fraction near ``budget`` whatever the
    model's confidence level.  Use :meth:`decide` for a real stream.

    As a pool strategy (:meth:`query`) the candidates are walked in a random
    order as a simulated stream, starting from a fresh state
    (``theta = threshold``; the state of :meth:`decide` is not touched), until
    ``batch_size`` items are asked.  If the stream ends first, the batch is
    filled with the most uncertain items that were seen and not asked.  The
    batch comes in stream order, then fill order; scores are uncertainties
    ``1 - conf(x)``.

    Parameters
    ----------
    budget : float in (0, 1], default=0.1
        Largest fraction of items whose label may be asked.
    threshold : float > 0, default=1.0
        Initial confidence threshold ``theta`` (the paper starts at 1).
    step : float in (0, 1), default=0.01
        Adjusting step ``s`` of the threshold.
    measure : {"least_confident", "margin", "entropy"}, default="least_confident"
    random_state : int, Generator or None
        Orders the simulated stream of :meth:`query`.

    Attributes
    ----------
    n_seen_ : int
        Items passed to :meth:`decide` since the last :meth:`reset`.
    n_asked_ : int
        Of those, items whose label was asked.
    threshold_ : float
        Current threshold ``theta``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> model = LogisticRegression(max_iter=1000).fit(X[::10], y[::10])
    >>> sampler = StreamSelectiveSampler(budget=0.2)
    >>> asked = [sampler.decide(model, x, n_classes=3) for x in X]
    >>> sampler.n_seen_, sampler.n_asked_ <= 0.2 * 150 + 1
    (150, True)
    """

    def __init__(self, budget: float = 0.1, *, threshold: float = 1.0, step: float = 0.01,
                 measure: str = "least_confident", random_state: RandomLike = None) -> None:
        self.budget = budget
        self.threshold = threshold
        self.step = step
        self.measure = measure
        self.random_state = random_state

    def _check_params(self) -> str:
        def number(name: str, value: Any) -> float:
            if isinstance(value, bool) or not isinstance(value, int | float | np.number) \
                    or not np.isfinite(value):
                raise ConfigError(f"{name} must be a finite number, got {value!r}")
            return float(value)

        if not 0 < number("budget", self.budget) <= 1:
            raise ConfigError(f"budget must be in (0, 1], got {self.budget!r}")
        if not number("threshold", self.threshold) > 0:
            raise ConfigError(f"threshold must be > 0, got {self.threshold!r}")
        if not 0 < number("step", self.step) < 1:
            raise ConfigError(f"step must be in (0, 1), got {self.step!r}")
        measure = str(self.measure).replace("-", "_")
        if measure not in STREAM_MEASURES:
            raise ConfigError(
                f"unknown stream measure {self.measure!r}; choose one of {STREAM_MEASURES}")
        return measure

    def reset(self) -> StreamSelectiveSampler:
        """Forget the stream: no item seen, ``threshold_`` back to ``threshold``."""
        self._check_params()
        self.n_seen_ = 0
        self.n_asked_ = 0
        self.threshold_ = float(self.threshold)
        return self

    def _rule(self, conf: float, state: list[Any]) -> bool:
        """One step of variable uncertainty; ``state = [n_seen, n_asked, theta]``, updated."""
        state[0] += 1
        if state[1] / state[0] >= self.budget:
            return False
        if conf < state[2]:
            state[1] += 1
            state[2] *= 1.0 - self.step
            return True
        state[2] *= 1.0 + self.step
        return False

    def decide(self, model: Any, x_row: Any, n_classes: int) -> bool:
        """Whether to ask for the label of one incoming item (updates the learned state).

        Parameters
        ----------
        model : fitted classifier trained on class codes
        x_row : one item: a feature vector of shape (n_features,), a row of
            shape (1, n_features) (dense, sparse or DataFrame) or a raw item
        n_classes : int
            Number of classes of the task.

        Returns
        -------
        ask : bool
        """
        measure = self._check_params()
        proba = class_probabilities(model, _as_single_row(x_row), n_classes)
        return self.decide_confidence(float(confidence(proba, measure)[0]))

    def decide_confidence(self, conf: float) -> bool:
        """Whether to ask for the label of one item whose confidence is ``conf``.

        :meth:`decide` for a confidence measured elsewhere (a served model, or 0 when
        there is no model yet: every item is then uncertain and only the budget
        decides).  Updates the learned state.

        Parameters
        ----------
        conf : float in [0, 1]
            The model's confidence in the item, by the sampler's ``measure``.

        Returns
        -------
        ask : bool

        Examples
        --------
        >>> sampler = StreamSelectiveSampler(budget=0.5)
        >>> [sampler.decide_confidence(c) for c in (0.2, 0.3, 0.99, 0.1)]
        [True, False, False, True]
        >>> sampler.n_seen_, sampler.n_asked_
        (4, 2)
        """
        self._check_params()
        if not hasattr(self, "n_seen_"):
            self.reset()
        state: list[Any] = [self.n_seen_, self.n_asked_, self.threshold_]
        ask = self._rule(float(conf), state)
        self.n_seen_, self.n_asked_, self.threshold_ = state
        return ask

    def _select(self, pool: Pool, model: Any, candidates: np.ndarray, k: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        measure = self._check_params()
        order = candidates[rng.permutation(len(candidates))]
        state = [0, 0, float(self.threshold)]
        asked: list[int] = []
        seen_conf = np.empty(len(order))
        n_seen = 0
        for block, chunk in iter_chunks(order, DEFAULT_CHUNK_SIZE):
            conf = confidence(class_probabilities(model, pool.take(chunk), pool.n_classes),
                              measure)
            seen_conf[block] = conf
            for position, value in zip(range(block.start, block.start + len(chunk)), conf,
                                       strict=True):
                n_seen = position + 1
                if self._rule(float(value), state):
                    asked.append(position)
                    if len(asked) == k:
                        break
            if len(asked) == k:
                break
        chosen = np.asarray(asked, dtype=np.intp)
        if len(chosen) < k:
            rest = np.setdiff1d(np.arange(n_seen), chosen)
            fill = rest[select_top_k(1.0 - seen_conf[rest], k - len(chosen), rng)]
            chosen = np.concatenate([chosen, fill])
        return order[chosen], 1.0 - seen_conf[chosen]
