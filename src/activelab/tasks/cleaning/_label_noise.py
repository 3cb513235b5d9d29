"""Simulated annotators who err: label noise, uniform or class-dependent."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from ..._random import RandomLike, as_generator
from ...exceptions import ConfigError, DataError, SingleClassError
from ...oracles import SimulatedOracle
from ...pool import Pool

__all__ = ["noise_transition_matrix", "inject_label_noise", "NoisyOracle", "NOISE_KINDS"]

NOISE_KINDS = ("uniform", "class")


def noise_transition_matrix(n_classes: int, rate: float, kind: str = "uniform",
                            random_state: RandomLike = None) -> np.ndarray:
    """``T[j, k]`` = probability that true class ``j`` is reported as ``k``.

    ``"uniform"`` spreads ``rate`` evenly over the other classes; ``"class"``
    (class-dependent) sends all of it to one other class per true class, drawn
    as a random derangement, so errors are systematic (``cat`` → ``dog``).

    Returns
    -------
    T : ndarray of shape (n_classes, n_classes), rows summing to 1
    """
    if n_classes < 2:
        raise SingleClassError("label noise needs at least two classes")
    if not 0.0 <= rate < 1.0:
        raise ConfigError(f"rate must be in [0, 1), got {rate}")
    if kind not in NOISE_KINDS:
        raise ConfigError(f"kind must be one of {NOISE_KINDS}, got {kind!r}")
    T = np.eye(n_classes) * (1.0 - rate)
    if kind == "uniform":
        T += (1.0 - np.eye(n_classes)) * rate / (n_classes - 1)
        return T
    rng = as_generator(random_state)
    while True:  # a derangement: no class is confused with itself
        target = rng.permutation(n_classes)
        if not np.any(target == np.arange(n_classes)):
            break
    T[np.arange(n_classes), target] += rate
    return T


def _flip(codes: np.ndarray, T: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cumulative = np.cumsum(T[codes], axis=1)
    draws = rng.random(len(codes))[:, None]
    return np.minimum((draws > cumulative).sum(axis=1), T.shape[0] - 1)


def inject_label_noise(y: Sequence[Hashable] | np.ndarray, rate: float, *,
                       kind: str = "uniform", random_state: RandomLike = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """A copy of ``y`` with about ``rate`` of the labels replaced by wrong ones.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
    rate : float in [0, 1)
    kind : {"uniform", "class"}
        See :func:`noise_transition_matrix`.
    random_state : int, Generator or None

    Returns
    -------
    y_noisy : ndarray of shape (n_samples,)
    flipped : ndarray of bool of shape (n_samples,)
        Which labels were changed.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"y must be 1-D, got shape {y.shape}")
    classes, codes = np.unique(y, return_inverse=True)
    rng = as_generator(random_state)
    T = noise_transition_matrix(len(classes), rate, kind, rng)
    noisy = _flip(codes, T, rng)
    return classes[noisy], noisy != codes


class NoisyOracle(SimulatedOracle):
    """A :class:`~activelab.SimulatedOracle` whose mistakes can be class-dependent.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        True labels.
    noise_rate : float in [0, 1), default=0
    kind : {"uniform", "class"}, default="uniform"
        ``"uniform"`` behaves exactly as :class:`~activelab.SimulatedOracle`;
        ``"class"`` confuses each class with one fixed other class.
    classes : sequence, default=None
    random_state : int, Generator or None

    Attributes
    ----------
    flipped_indices_ : list of int
        Items whose answer was wrong on purpose (in the order asked).

    Examples
    --------
    >>> oracle = NoisyOracle(["a", "b"] * 50, noise_rate=0.3, kind="class", random_state=0)
    >>> answers = oracle.label(None, range(100))
    >>> sum(a != t for a, t in zip(answers, ["a", "b"] * 50)) == oracle.n_flipped_
    True
    """

    def __init__(self, y: Sequence[Hashable] | np.ndarray, *, noise_rate: float = 0.0,
                 kind: str = "uniform", classes: Sequence[Hashable] | None = None,
                 random_state: RandomLike = None) -> None:
        super().__init__(y, noise_rate=noise_rate, classes=classes, random_state=random_state)
        if kind not in NOISE_KINDS:
            raise ConfigError(f"kind must be one of {NOISE_KINDS}, got {kind!r}")
        self.kind = kind
        self.flipped_indices_: list[int] = []
        self._T: np.ndarray | None = None

    def label(self, pool: Pool | None, indices: Sequence[int] | np.ndarray) -> list[Any]:
        idx = np.asarray(indices, dtype=np.intp)
        if self.kind == "uniform" or self.noise_rate == 0:
            before = self.n_flipped_
            answers = super().label(pool, idx)
            if self.n_flipped_ > before:
                truth = self.y[idx].tolist()
                self.flipped_indices_ += [int(i) for i, a, t in zip(idx, answers, truth,
                                                                    strict=True) if a != t]
            return answers
        if idx.size and (idx.min() < 0 or idx.max() >= len(self.y)):
            raise DataError(f"the oracle knows {len(self.y)} labels; indices out of range")
        classes = np.asarray(list(self.classes) if self.classes is not None
                             else np.unique(self.y))
        if self._rng is None:
            self._rng = as_generator(self.random_state)
        if self._T is None:
            self._T = noise_transition_matrix(len(classes), self.noise_rate, "class", self._rng)
        lookup = {c: j for j, c in enumerate(classes.tolist())}
        try:
            codes = np.array([lookup[v] for v in self.y[idx].tolist()], dtype=np.intp)
        except KeyError as error:
            raise DataError(f"label {error.args[0]!r} is not among the oracle's classes"
                            ) from None
        answered = _flip(codes, self._T, self._rng)
        wrong = answered != codes
        self.n_flipped_ += int(wrong.sum())
        self.flipped_indices_ += idx[wrong].tolist()
        self.n_queries_ += len(idx)
        return classes[answered].tolist()
