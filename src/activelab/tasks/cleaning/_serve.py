"""What the annotation server asks of label cleaning: rank given labels, describe suspicions.

The server hands over every item's current label (the given one, or a reviewer's
correction); :func:`train` returns the confident-learning review of those labels,
one entry per item, and :func:`describe_guess` says for each what the model believes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...exceptions import ConfigError
from ...models import make_model
from ._cell import CLEANING_STRATEGIES
from ._confident_learning import confident_learning, out_of_sample_probabilities

__all__ = ["LabelReview", "train", "describe_guess"]


@dataclass(frozen=True)
class LabelReview:
    """The confident-learning review of labelled items, in the order they were given.

    Attributes
    ----------
    rows : ndarray of int of shape (n_items,)
        The rows of the feature matrix reviewed.
    given : ndarray of shape (n_items,)
        The label each item had when it was reviewed.
    quality : ndarray of float of shape (n_items,)
        Label quality (low: likely wrong), by the review's ranking method.
    flagged : ndarray of bool of shape (n_items,)
        Whether confident learning counts the label as an error.
    suggested : ndarray of shape (n_items,)
        The label the model believes in.
    p_suggested, p_given : ndarray of float of shape (n_items,)
        Out-of-sample probability of the suggested and of the given label.
    priority : ndarray of float of shape (n_items,)
        Review order, highest first: flagged labels first, each group by ascending
        quality (``strategy="random"``: a seeded random order).
    """

    rows: np.ndarray
    given: np.ndarray
    quality: np.ndarray
    flagged: np.ndarray
    suggested: np.ndarray
    p_suggested: np.ndarray
    p_given: np.ndarray
    priority: np.ndarray

    @property
    def n_flagged(self) -> int:
        return int(self.flagged.sum())


def train(X: Any, rows: np.ndarray, answers: Sequence[Any], *, labels: Sequence[str] = (),
          model: str, kind: str = "tabular", strategy: str = "normalized_margin",
          random_state: int = 0) -> LabelReview:
    """Review the labels ``answers`` of the items at ``rows`` of ``X`` by confident learning.

    Out-of-sample probabilities come from a seeded 5-fold cross-validation of the
    ``model`` (see :func:`out_of_sample_probabilities`).

    Parameters
    ----------
    X : {array-like, sparse matrix}
        Features of every item.
    rows : ndarray of int
        The rows of ``X`` whose labels are reviewed.
    answers : sequence
        The current label of each of ``rows``.
    labels : sequence of str
        The project's label names (unused: the review takes the classes it sees).
    model : str
        A :func:`activelab.models.make_model` name.
    kind : str
        The model's data kind (``"tabular"``, ``"sparse"``, ...).
    strategy : {"normalized_margin", "self_confidence", "random"}
        The label-quality score that orders the review, or a random order.
    random_state : int

    Returns
    -------
    LabelReview

    Raises
    ------
    SingleClassError
        Fewer than two classes among ``answers``.
    DataError
        A class with a single item: cross-validation cannot hold it out.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> y = y.astype(str)
    >>> y[:5] = "2"                      # five setosas labelled virginica
    >>> review = train(X, np.arange(150), y.tolist(), model="logreg")
    >>> first = np.argsort(-review.priority)[:5]         # the first five to review
    >>> len(set(first.tolist()) & {0, 1, 2, 3, 4}) >= 4, set(review.suggested[:5].tolist())
    (True, {'0'})
    """
    del labels
    if strategy not in CLEANING_STRATEGIES:
        raise ConfigError(f"unknown cleaning strategy {strategy!r}; choose one of "
                          f"{', '.join(CLEANING_STRATEGIES)}")
    rows = np.asarray(rows, dtype=np.intp)
    given = np.asarray([str(answer) for answer in answers])
    estimator = make_model(model, kind, random_state=random_state)
    X_rows = X[rows]
    proba, classes = out_of_sample_probabilities(X_rows, given, estimator,
                                                 random_state=random_state)
    codes = np.searchsorted(classes, given)
    method = "normalized_margin" if strategy == "random" else strategy
    queue = confident_learning(proba, codes, method=method)
    # The queue comes in review order; put every field back in the order of ``rows``.
    position = np.empty(len(rows), dtype=np.intp)
    position[queue.order] = np.arange(len(rows))
    suggested = queue.suggested[position]
    flagged = queue.flagged[position]
    quality = queue.quality[position]
    if strategy == "random":
        priority = np.random.default_rng(random_state).random(len(rows))
    else:
        priority = 2.0 * flagged - quality  # quality lies in [-1, 1]: flagged come first
    every = np.arange(len(rows))
    return LabelReview(rows=rows, given=given, quality=quality, flagged=flagged,
                       suggested=classes[suggested], p_suggested=proba[every, suggested],
                       p_given=proba[every, codes], priority=priority)


def describe_guess(review: LabelReview, positions: np.ndarray
                   ) -> tuple[list[dict[str, Any]], np.ndarray]:
    """What the model believes about the labels at ``positions`` of ``review``.

    Parameters
    ----------
    review : LabelReview
    positions : ndarray of int
        Positions into the review's arrays.

    Returns
    -------
    guesses : list of dict
        ``{"guess": suggested label, "given": label, "flagged": bool, "quality": q,
        "p_given": p}`` per position.
    confidence : ndarray of float
        Probability of the suggested label.

    Examples
    --------
    >>> review = LabelReview(np.arange(2), np.array(["a", "b"]), np.array([0.8, -0.6]),
    ...                      np.array([False, True]), np.array(["a", "a"]),
    ...                      np.array([0.9, 0.8]), np.array([0.9, 0.2]), np.array([-0.8, 2.6]))
    >>> guesses, confidence = describe_guess(review, np.array([1]))
    >>> guesses[0]["guess"], guesses[0]["given"], guesses[0]["flagged"]
    ('a', 'b', True)
    """
    positions = np.asarray(positions, dtype=np.intp)
    guesses = [{"guess": str(review.suggested[i]), "given": str(review.given[i]),
                "flagged": bool(review.flagged[i]), "quality": float(review.quality[i]),
                "p_given": float(review.p_given[i])} for i in positions.tolist()]
    return guesses, review.p_suggested[positions]
