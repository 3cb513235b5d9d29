"""Pure informativeness scores: arrays in, one score per item out.

Every function returns scores where **higher means more informative**, so one
selector (:func:`activelab.strategies.select_top_k`) serves them all.  A custom
uncertainty measure is any function ``proba -> scores`` of the same shape.
"""

from __future__ import annotations

import numpy as np
from scipy.special import entr, rel_entr

__all__ = [
    "least_confident",
    "margin",
    "entropy",
    "vote_entropy",
    "kl_to_consensus",
]


def least_confident(proba: np.ndarray) -> np.ndarray:
    """``1 - max_c p(c|x)``.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)

    Returns
    -------
    scores : ndarray of shape (n_samples,)
    """
    return 1.0 - proba.max(axis=1)


def margin(proba: np.ndarray) -> np.ndarray:
    """``1 - (p_top1 - p_top2)``: small margins between the two best classes score high.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)

    Returns
    -------
    scores : ndarray of shape (n_samples,)
    """
    if proba.shape[1] == 1:
        return np.zeros(len(proba))
    top2 = np.partition(proba, -2, axis=1)[:, -2:]
    return 1.0 - (top2[:, 1] - top2[:, 0])


def entropy(proba: np.ndarray) -> np.ndarray:
    """Shannon entropy ``-sum_c p log p`` (natural log; ``0 log 0 = 0``).

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)

    Returns
    -------
    scores : ndarray of shape (n_samples,)
    """
    return entr(proba).sum(axis=1)


def vote_entropy(votes: np.ndarray, n_classes: int) -> np.ndarray:
    """Entropy of the committee's vote distribution (Dagan & Engelson 1995).

    Parameters
    ----------
    votes : ndarray of int of shape (n_members, n_samples)
        Class code predicted by each member for each item.
    n_classes : int

    Returns
    -------
    scores : ndarray of shape (n_samples,)
    """
    n_members, n_samples = votes.shape
    counts = np.zeros((n_samples, n_classes))
    rows = np.arange(n_samples)
    for member_votes in votes:
        np.add.at(counts, (rows, member_votes), 1.0)
    return entropy(counts / n_members)


def kl_to_consensus(probas: np.ndarray) -> np.ndarray:
    """Mean KL divergence of each member from the consensus (McCallum & Nigam 1998).

    Parameters
    ----------
    probas : ndarray of shape (n_members, n_samples, n_classes)

    Returns
    -------
    scores : ndarray of shape (n_samples,)
    """
    consensus = probas.mean(axis=0)
    return rel_entr(probas, consensus[None]).sum(axis=2).mean(axis=0)
