"""Seeded randomness: every random choice flows from one ``random_state``."""

from __future__ import annotations

import numpy as np

__all__ = ["RandomLike", "as_generator", "derive_seed"]

RandomLike = int | np.random.Generator | np.random.SeedSequence | None


def as_generator(random_state: RandomLike) -> np.random.Generator:
    """A ``Generator`` from an int, a ``SeedSequence``, a ``Generator`` (used as is) or None."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def derive_seed(random_state: RandomLike) -> int:
    """A 32-bit int seed drawn from ``random_state``, for estimators that take ints."""
    return int(as_generator(random_state).integers(0, 2**31 - 1))
