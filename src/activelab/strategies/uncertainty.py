"""Uncertainty sampling: least confident, margin and entropy."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._random import RandomLike
from ..exceptions import ConfigError
from . import scores
from .base import DEFAULT_CHUNK_SIZE, ScoreStrategy

__all__ = ["UncertaintySampling", "UNCERTAINTY_MEASURES", "resolve_measure"]

UNCERTAINTY_MEASURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "least_confident": scores.least_confident,
    "margin": scores.margin,
    "entropy": scores.entropy,
}


def resolve_measure(measure: str | Callable[[np.ndarray], np.ndarray]
                    ) -> Callable[[np.ndarray], np.ndarray]:
    """The score function for an uncertainty measure name (or a callable, as is)."""
    if callable(measure):
        return measure
    name = str(measure).replace("-", "_")
    if name not in UNCERTAINTY_MEASURES:
        raise ConfigError(
            f"unknown uncertainty measure {measure!r}; choose one of "
            f"{sorted(UNCERTAINTY_MEASURES)} or pass a function proba -> scores"
        )
    return UNCERTAINTY_MEASURES[name]


class UncertaintySampling(ScoreStrategy):
    """Query the items the model is least sure about (Lewis & Gale 1994).

    Parameters
    ----------
    measure : {"least_confident", "margin", "entropy"} or callable, default="margin"
        A callable maps probabilities (n, n_classes) to scores (n,), higher first.
    chunk_size : int, default=16384
    random_state : int, Generator or None
        Breaks ties (frequent with trees and kNN) reproducibly.

    Examples
    --------
    >>> from activelab.examples import iris_start
    >>> from activelab.strategies import UncertaintySampling
    >>> pool, model = iris_start()
    >>> UncertaintySampling("margin", random_state=0).query(pool, model, 5).shape
    (5,)
    """

    def __init__(self, measure: str | Callable[[np.ndarray], np.ndarray] = "margin", *,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, random_state: RandomLike = None) -> None:
        self.measure = measure
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _score_function(self) -> Callable[[np.ndarray], np.ndarray]:
        return resolve_measure(self.measure)
