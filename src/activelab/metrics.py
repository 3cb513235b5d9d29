"""Learning-curve summaries: area under the curve, labels needed to reach a target."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["normalized_aulc", "labels_to_reach"]


def normalized_aulc(n_labels: Sequence[int], values: Sequence[float],
                    budget: int | None = None) -> float:
    """Area under a learning curve divided by its width: the curve's mean height.

    The curve is integrated by the trapezoid rule from the first point to
    ``budget`` (default: the last point); a curve that stops early is held
    flat at its last value up to ``budget``, so runs of different lengths
    compare fairly.  For accuracy the result lies in [0, 1].

    Parameters
    ----------
    n_labels : sequence of int, increasing
    values : sequence of float, same length
    budget : int, optional

    Examples
    --------
    >>> normalized_aulc([10, 20, 30], [0.5, 0.7, 0.9])
    0.7
    """
    x = np.asarray(n_labels, dtype=float)
    y = np.asarray(values, dtype=float)
    if len(x) == 0:
        return float("nan")
    if budget is not None and budget > x[-1]:
        x, y = np.append(x, budget), np.append(y, y[-1])
    if len(x) == 1 or x[-1] == x[0]:
        return float(y[-1])
    return float(np.trapezoid(y, x) / (x[-1] - x[0]))


def labels_to_reach(n_labels: Sequence[int], values: Sequence[float],
                    target: float) -> int | None:
    """The first label count whose value reaches ``target``, or None if never.

    Examples
    --------
    >>> labels_to_reach([10, 20, 30], [0.5, 0.7, 0.9], 0.7)
    20
    """
    for n, value in zip(n_labels, values, strict=True):
        if value >= target:
            return int(n)
    return None
