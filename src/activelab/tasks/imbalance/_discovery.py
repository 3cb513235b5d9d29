"""The labelling loop of class discovery, shared by the simulation and the bench cell."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ...exceptions import ActivelabWarning
from ...learner import ActiveLearner

__all__ = ["discovery_rounds"]


def discovery_rounds(learner: ActiveLearner, y: np.ndarray, seed_set: np.ndarray, *,
                     batch: int, budget: int) -> Iterator[np.ndarray]:
    """Teach ``seed_set``, then one queried batch after another until ``budget`` labels
    or an empty pool; yields each round's answers (the consumer may stop early)."""
    with warnings.catch_warnings():
        # Missing classes and cold starts are exactly what is being measured.
        warnings.simplefilter("ignore", ActivelabWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        indices: Any = seed_set
        pool = learner.pool
        while True:
            answers = y[indices]
            learner.teach(indices, answers.tolist())
            yield answers
            if pool.n_labeled >= budget or pool.n_unlabeled == 0:
                return
            indices = learner.query(min(batch, budget - pool.n_labeled))
