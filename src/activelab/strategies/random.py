"""Random sampling: the passive-learning baseline."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._random import RandomLike
from ..pool import Pool
from .base import QueryStrategy

__all__ = ["RandomSampling"]


class RandomSampling(QueryStrategy):
    """Pick unlabelled items uniformly at random (passive learning).

    Parameters
    ----------
    random_state : int, Generator or None

    Examples
    --------
    >>> import numpy as np
    >>> from activelab import Pool
    >>> from activelab.strategies import RandomSampling
    >>> RandomSampling(random_state=0).query(Pool(np.zeros((10, 2))), batch_size=3).shape
    (3,)
    """

    requires_model = False

    def __init__(self, random_state: RandomLike = None) -> None:
        self.random_state = random_state

    def _select(self, pool: Pool, model: Any, candidates: np.ndarray, k: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        chosen = rng.choice(candidates, size=k, replace=False)
        return chosen, np.full(k, np.nan)
