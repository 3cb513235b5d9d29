"""How far an item's features lie from the usual: robust z-scores against the training items."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["UNUSUAL_FEATURES", "deviation_scale", "scaled_deviations", "unusual_features"]

#: Features listed per item as the ones that make it unusual (largest deviations).
UNUSUAL_FEATURES = 3
#: Scale of the median absolute deviation that estimates a normal standard deviation.
_MAD_TO_STD = 1.4826


def deviation_scale(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column's median and spread, shapes (n_features,) and (n_features,).

    The spread is the median absolute deviation (scaled to a normal's standard
    deviation), or the standard deviation where more than half a column is one value;
    0 for a constant column.
    """
    median = np.median(X, axis=0)
    spread = _MAD_TO_STD * np.median(np.abs(X - median), axis=0)
    return median, np.where(spread > 0, spread, X.std(axis=0))


def scaled_deviations(X: np.ndarray, median: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """``(X - median) / spread`` per column, 0 where the spread is 0; shape of ``X``."""
    safe = np.where(spread > 0, spread, 1.0)
    return np.where(spread > 0, (X - median) / safe, 0.0)


def unusual_features(X: np.ndarray, deviation: np.ndarray, names: Sequence[str],
                     k: int = UNUSUAL_FEATURES) -> list[list[dict[str, Any]]]:
    """Per row, the ``k`` features that deviate most (the furthest first).

    Parameters
    ----------
    X, deviation : ndarray of shape (n_rows, n_features)
        The rows' values and their deviations (:func:`scaled_deviations`).
    names : sequence of str
        The features' names.

    Returns
    -------
    list of list of dict
        ``{"feature": name, "value": value, "deviation": z}`` per listed feature.
    """
    top = np.argsort(-np.abs(deviation), axis=1, kind="stable")[:, :k]
    return [[{"feature": names[j], "value": float(X[i, j]),
              "deviation": float(deviation[i, j])} for j in top[i].tolist()]
            for i in range(len(top))]
