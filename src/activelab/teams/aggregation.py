"""Aggregating several annotators' labels into one label per item, with a confidence.

Ratings are a matrix of shape ``(n_items, n_annotators)`` of class codes with
``-1`` where an annotator did not label the item (as in :mod:`.agreement`).

* :func:`majority_vote`: the most frequent label; confidence is its share of votes.
* :class:`DawidSkene`: expectation-maximisation over per-annotator confusion
  matrices and class priors (Dawid & Skene 1979), started from the vote shares.
* :func:`model_consensus`: the annotators' labels, each weighted by the
  annotator's estimated accuracy, averaged with a classifier's predicted
  probabilities weighted by the classifier's estimated accuracy (the idea of
  CROWDLAB, Goh et al. 2022), refined for a few rounds.

Examples
--------
>>> import numpy as np
>>> ratings = np.array([[0, 0, 1], [1, 1, -1], [2, 2, 2], [1, 1, 0]])
>>> DawidSkene(n_classes=3).fit(ratings).consensus().labels.tolist()
[0, 1, 2, 1]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._random import RandomLike, as_generator
from ..exceptions import DataError
from .agreement import MISSING, _check_nominal, _counts

__all__ = ["Consensus", "majority_vote", "DawidSkene", "model_consensus",
           "AGGREGATIONS"]

#: Names of the aggregation methods, as the server's projects name them.
AGGREGATIONS = ("majority", "dawid-skene", "model-consensus")


@dataclass
class Consensus:
    """One label per item with its confidence.

    labels : ndarray of shape (n_items,)  class codes (-1 where no one labelled the item)
    confidence : ndarray of shape (n_items,)  in [0, 1]
    posterior : ndarray of shape (n_items, n_classes)
    annotator_accuracy : ndarray of shape (n_annotators,)  estimated, in [0, 1]
    """

    labels: np.ndarray
    confidence: np.ndarray
    posterior: np.ndarray
    annotator_accuracy: np.ndarray


def _one_hot(ratings: np.ndarray, n_classes: int) -> np.ndarray:
    return (ratings[:, :, None] == np.arange(n_classes)).astype(float)


def _decide(posterior: np.ndarray, labelled: np.ndarray, accuracy: np.ndarray,
            rng: np.random.Generator | None = None) -> Consensus:
    if rng is None:
        labels = posterior.argmax(axis=1)
    else:  # ties at random (seeded), not always the first class
        top = posterior >= posterior.max(axis=1, keepdims=True) - 1e-12
        labels = (top * rng.random(posterior.shape)).argmax(axis=1)
    confidence = posterior[np.arange(len(labels)), labels]
    return Consensus(labels=np.where(labelled, labels, MISSING),
                     confidence=np.where(labelled, confidence, 0.0), posterior=posterior,
                     annotator_accuracy=accuracy)


def _accuracy_against(ratings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each annotator's share of labels equal to ``labels`` (NaN without any label)."""
    answered = ratings != MISSING
    agree = (ratings == labels[:, None]) & answered
    with np.errstate(divide="ignore", invalid="ignore"):
        return agree.sum(axis=0) / answered.sum(axis=0)


def _vote_shares(counts: np.ndarray) -> np.ndarray:
    """Each class's share of an item's labels (uniform for an item without labels)."""
    m = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, m, out=np.full_like(counts, 1.0 / counts.shape[1]), where=m > 0)


def majority_vote(ratings: Any, n_classes: int | None = None,
                  random_state: RandomLike = None) -> Consensus:
    """The most frequent label of each item; ties broken at random with ``random_state``.

    Parameters
    ----------
    ratings : array-like of shape (n_items, n_annotators)
        Class codes, ``-1`` for missing.
    n_classes : int, optional
        Number of classes (default: the largest code + 1).
    random_state : int, Generator or None
        Seeds the tie-breaks.
    """
    ratings, n_classes = _check_nominal(ratings, n_classes)
    counts = _counts(ratings, n_classes).astype(float)
    rng = as_generator(random_state)
    consensus = _decide(_vote_shares(counts), counts.sum(axis=1) > 0, np.empty(0), rng)
    consensus.annotator_accuracy = _accuracy_against(ratings, consensus.labels)
    return consensus


class DawidSkene:
    """Dawid–Skene: per-annotator confusion matrices and class priors fitted by EM.

    Parameters
    ----------
    n_classes : int, optional
        Number of classes (default: the largest code in the ratings + 1).
    max_iter : int
        Most EM rounds.
    tol : float
        Stops when one round raises the log-likelihood of the labels by less than
        this share of it.
    smoothing : float
        Pseudo-count added to every confusion-matrix cell and prior (keeps
        annotators seen on few items from getting probabilities of exactly 0).

    Attributes
    ----------
    posterior_ : ndarray of shape (n_items, n_classes)
    prior_ : ndarray of shape (n_classes,)
    confusion_ : ndarray of shape (n_annotators, n_classes, n_classes)
        ``confusion_[a, k, l]``: probability that annotator ``a`` answers ``l`` when
        the truth is ``k``.
    n_iter_ : int
    log_likelihood_ : float
        Log-likelihood of the labels under the fitted model (EM never lowers it).
    """

    def __init__(self, n_classes: int | None = None, max_iter: int = 100, tol: float = 1e-6,
                 smoothing: float = 0.01) -> None:
        self.n_classes = n_classes
        self.max_iter = max_iter
        self.tol = tol
        self.smoothing = smoothing

    def fit(self, ratings: Any, known: Any = None) -> DawidSkene:
        """Fit to ``ratings`` of shape (n_items, n_annotators), ``-1`` for missing.

        ``known``, of shape (n_items,), gives the true class of items whose label
        was settled (by a reviewer), ``-1`` elsewhere: their posterior is held at
        that class, so they teach the confusion matrices.
        """
        if self.max_iter < 1 or self.tol < 0 or self.smoothing < 0:
            raise DataError("max_iter must be >= 1, tol and smoothing >= 0")
        ratings, n_classes = _check_nominal(ratings, self.n_classes)
        observed = _one_hot(ratings, n_classes)
        counts = observed.sum(axis=1)
        m = counts.sum(axis=1, keepdims=True)
        known_codes = _known(known, ratings.shape[0], n_classes)
        settled = known_codes != MISSING
        self._labelled = (m[:, 0] > 0) | settled
        # Start from the vote shares: the deterministic version of a majority-vote start.
        posterior = _vote_shares(counts)
        clamp = np.eye(n_classes)[known_codes[settled]]
        posterior[settled] = clamp
        self.n_iter_, log_likelihood = 0, -np.inf
        while self.n_iter_ < self.max_iter:
            self.n_iter_ += 1
            prior, confusion = self._m_step(posterior[self._labelled],
                                            observed[self._labelled])
            posterior, updated = self._e_step(observed, prior, confusion)
            posterior[settled] = clamp
            converged = updated - log_likelihood <= self.tol * abs(updated)
            log_likelihood = updated
            if converged:
                break
        self.log_likelihood_ = float(log_likelihood)
        self.prior_, self.confusion_, self.posterior_ = prior, confusion, posterior
        return self

    def _m_step(self, posterior: np.ndarray, observed: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        prior = posterior.sum(axis=0) + self.smoothing
        prior /= prior.sum()
        # (A, K, L): sum_i posterior[i, k] observed[i, a, l], as one batched matmul.
        confusion = posterior.T[None] @ observed.transpose(1, 0, 2) + self.smoothing
        confusion /= confusion.sum(axis=2, keepdims=True)
        return prior, confusion

    @staticmethod
    def _e_step(observed: np.ndarray, prior: np.ndarray, confusion: np.ndarray
                ) -> tuple[np.ndarray, float]:
        """(posterior, log-likelihood of the labels)."""
        n_items, n_annotators, n_classes = observed.shape
        # sum_{a,l} observed[i, a, l] log confusion[a, k, l], as one matmul.
        log_post = np.log(prior) + observed.reshape(n_items, -1) @ np.log(confusion).transpose(
            0, 2, 1).reshape(n_annotators * n_classes, n_classes)
        top = log_post.max(axis=1, keepdims=True)
        posterior = np.exp(log_post - top)
        total = posterior.sum(axis=1, keepdims=True)
        return posterior / total, float((np.log(total) + top).sum())

    def consensus(self) -> Consensus:
        """The most probable class of each item, its posterior and each annotator's accuracy."""
        # An annotator's accuracy: the chance of a right answer under the fitted prior.
        accuracy = np.einsum("k,akk->a", self.prior_, self.confusion_)
        return _decide(self.posterior_, self._labelled, accuracy)


def _known(known: Any, n_items: int, n_classes: int) -> np.ndarray:
    """Settled classes as codes, ``-1`` where unknown (all unknown when ``known`` is None)."""
    if known is None:
        return np.full(n_items, MISSING, dtype=np.intp)
    codes = np.asarray(known)
    if codes.shape != (n_items,) or (codes.size and not np.issubdtype(codes.dtype, np.integer)):
        raise DataError(f"known must be integer class codes of shape ({n_items},)")
    if codes.size and (codes.min() < MISSING or codes.max() >= n_classes):
        raise DataError(f"known holds a code outside -1..{n_classes - 1}")
    return codes.astype(np.intp)


def _quality_weight(accuracy: np.ndarray, baseline: float) -> np.ndarray:
    """How much better than the baseline, in (0, 1]: worse-than-baseline sources weigh little."""
    return np.clip((accuracy - baseline) / max(1.0 - baseline, 1e-9), 1e-3, 1.0)


def model_consensus(ratings: Any, proba: Any, n_classes: int | None = None,
                    n_rounds: int = 3, known: Any = None) -> Consensus:
    """Annotators' labels and a model's probabilities, each weighted by estimated quality.

    Every annotator's label is read as a distribution: their estimated accuracy on
    the label given, the rest shared by the other classes.  The consensus of an item
    is the average of those distributions and the model's probabilities, weighted
    by how much better than the most-frequent-class baseline each source agrees
    with the current consensus.  It starts from the majority vote (ties go to the
    model's more probable class) and is refined ``n_rounds`` times.

    Parameters
    ----------
    ratings : array-like of shape (n_items, n_annotators)
        Class codes, ``-1`` for missing.
    proba : array-like of shape (n_items, n_classes)
        The model's predicted probabilities (ideally out-of-sample, for instance
        cross-validated, so that the model does not simply echo the labels).
    n_rounds : int
        Refinements of the weights.
    known : array-like of shape (n_items,), optional
        Settled classes (a reviewer's), ``-1`` elsewhere: they are the consensus of
        their items, and the qualities are measured against them.
    """
    ratings, n_classes = _check_nominal(ratings, n_classes)
    proba = np.asarray(proba, dtype=float)
    if proba.shape != (ratings.shape[0], n_classes):
        raise DataError(f"proba must have shape {(ratings.shape[0], n_classes)}, "
                        f"got {proba.shape}")
    if n_rounds < 1:
        raise DataError("n_rounds must be >= 1")
    proba = proba / np.clip(proba.sum(axis=1, keepdims=True), 1e-12, None)
    observed = _one_hot(ratings, n_classes)
    known_codes = _known(known, ratings.shape[0], n_classes)
    settled = known_codes != MISSING
    labelled = (observed.sum(axis=(1, 2)) > 0) | settled
    # The vote, its ties to the model's more probable class: deterministic, so that the same
    # labels always give the same consensus (a random tie-break would not).
    vote = (_vote_shares(_counts(ratings, n_classes).astype(float)) + 1e-6 * proba
            ).argmax(axis=1)
    consensus = np.where(settled, known_codes, np.where(labelled, vote, MISSING))
    for _ in range(n_rounds):
        counts = np.bincount(consensus[labelled], minlength=n_classes)
        baseline = float(counts.max() / max(counts.sum(), 1))
        accuracy = np.nan_to_num(_accuracy_against(ratings, consensus), nan=baseline)
        accuracy = np.clip(accuracy, 1e-3, 1 - 1e-3)
        model_accuracy = float((proba[labelled].argmax(axis=1) == consensus[labelled]).mean()
                               ) if labelled.any() else baseline
        w_annotators = _quality_weight(accuracy, baseline)
        w_model = float(_quality_weight(np.array([model_accuracy]), baseline)[0])
        # Annotator a's label l as a distribution: accuracy_a on l, the rest spread evenly.
        off = (1 - accuracy) / max(n_classes - 1, 1)
        as_dist = off[None, :, None] + observed * (accuracy - off)[None, :, None]
        answered = observed.sum(axis=2)
        weighted = np.einsum("iak,a->ik", as_dist * answered[:, :, None], w_annotators)
        total = answered @ w_annotators + w_model
        posterior = (weighted + w_model * proba) / total[:, None]
        posterior[settled] = np.eye(n_classes)[known_codes[settled]]
        consensus = np.where(labelled, posterior.argmax(axis=1), MISSING)
    return _decide(posterior, labelled, accuracy)
