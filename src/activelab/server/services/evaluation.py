"""Evaluation items: an unbiased accuracy for the dashboard.

Active learning labels the items its strategy picks: the hard ones near the
decision boundary.  Cross-validation over those labels measures the model on
that biased sample, not on the data it will meet.  So a share
``project.eval_fraction`` of the items, drawn uniformly at random, are
*evaluation items*: annotators label them like any other item, their labels
never train the model, and each retrain's accuracy on them is the dashboard's
estimate, shown with a Wilson 95% interval.

Drawing.  An unlabelled item is an evaluation item when its ``random_key``
(uniform, set at import) is at least ``1 - eval_fraction``, so ``/next`` pays
nothing for the draw.  The top of the range, not the bottom: before the first
model ``/next`` serves items in ascending ``random_key``, and those first labels
must train it.  The worker writes the flag (:func:`mark_eval_items`) for
unlabelled items only, so a labelled item keeps its role when the fraction
changes.

Serving.  The worker interleaves the open evaluation items into the head of the
queue (:func:`interleave`): one after every ``(1 - f) / f`` strategy picks,
from a random offset so that frequent retrains do not keep pushing them out of
reach.  They are served with the model's guess and score like any other item.
"""

from __future__ import annotations

import math

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Item

__all__ = ["MIN_EVAL_LABELS", "wilson_interval", "mark_eval_items", "eval_item_ids",
           "interleave", "accuracy_estimate"]

#: Below this many labelled evaluation items the dashboard shows no estimate.
MIN_EVAL_LABELS = 10
_Z95 = 1.959963984540054


def wilson_interval(correct: int, n: int, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (95% by default).

    Unlike the normal approximation it stays inside [0, 1] and is sensible at
    0 or ``n`` successes, which a good model on a few dozen items often has.

    Examples
    --------
    >>> low, high = wilson_interval(45, 50)
    >>> round(low, 3), round(high, 3)
    (0.786, 0.957)
    """
    if n <= 0:
        return 0.0, 1.0
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def accuracy_estimate(correct: int | None, n: int | None) -> dict[str, float | int | None]:
    """The dashboard's figure: accuracy on the evaluation items with its interval.

    ``accuracy``, ``low`` and ``high`` are None below :data:`MIN_EVAL_LABELS` labels.
    """
    n = int(n or 0)
    if n < MIN_EVAL_LABELS or correct is None:
        return {"accuracy": None, "low": None, "high": None, "n_eval": n}
    low, high = wilson_interval(int(correct), n)
    return {"accuracy": correct / n, "low": low, "high": high, "n_eval": n}


def mark_eval_items(session: Session, project_id: int, fraction: float) -> None:
    """Flag the project's unlabelled items by the draw ``random_key >= 1 - fraction``.

    Labelled items keep their flag: an item the strategy picked never becomes
    an evaluation item, and an evaluation label never starts training.
    """
    drawn = Item.random_key >= 1.0 - fraction
    session.execute(update(Item).where(Item.project_id == project_id, Item.n_labels == 0,
                                       Item.is_eval != drawn).values(is_eval=drawn))


def eval_item_ids(session: Session, project_id: int) -> set[int]:
    """Ids of the project's evaluation items (labelled or not)."""
    return set(session.scalars(select(Item.id).where(Item.project_id == project_id,
                                                     Item.is_eval.is_(True))))


def interleave(priority: np.ndarray, is_eval: np.ndarray, fraction: float,
               rng: np.random.Generator) -> np.ndarray:
    """Queue priorities with the evaluation items spread through the strategy's order.

    Parameters
    ----------
    priority : ndarray of shape (n_items,)
        The strategy's priorities (higher first; NaN: unranked).
    is_eval : ndarray of bool of shape (n_items,)
        Open evaluation items; their own priorities are ignored.
    fraction : float
        The project's ``eval_fraction``; 0 leaves evaluation items unranked.
    rng : numpy.random.Generator
        Draws the evaluation items' order and the first one's offset.

    Returns
    -------
    ndarray of shape (n_items,)
        ``priority`` with each evaluation item placed after every ``gap``
        ranked items (``gap = round((1 - fraction) / fraction)``), in random
        order, starting after ``0..gap`` of them.  The training items' own
        priorities and order are unchanged.
    """
    out = np.asarray(priority, dtype=float).copy()
    eval_pos = np.flatnonzero(is_eval)
    out[eval_pos] = np.nan
    if eval_pos.size == 0 or fraction <= 0:
        return out
    ranked_pos = np.flatnonzero(~np.asarray(is_eval) & np.isfinite(out))
    ranked = np.sort(out[ranked_pos])[::-1]
    gap = max(1, round((1 - fraction) / fraction))
    order = rng.permutation(eval_pos)
    after = int(rng.integers(0, gap + 1)) + gap * np.arange(len(order))
    if ranked.size == 0:  # nothing ranked: the evaluation items in random order
        out[order] = -np.arange(len(order), dtype=float)
        return out
    inside = (after > 0) & (after < ranked.size)
    out[order[inside]] = (ranked[after[inside] - 1] + ranked[after[inside]]) / 2
    out[order[after == 0]] = ranked[0] + 1.0
    beyond = order[after >= ranked.size]
    out[beyond] = ranked[-1] - 1.0 - np.arange(len(beyond), dtype=float)
    return out
