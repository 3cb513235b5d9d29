"""Turning a vote matrix into labels: majority vote, and a small generative label model.

Why not :func:`activelab.tasks.cleaning.annotators.dawid_skene`: it models only the
answers an annotator gave. A keyword rule only ever votes one class, so given
that it voted, its "confusion matrix" is the same for every true class and it
carries no information. Here abstaining is an outcome like any other: "free"
firing on 30 % of spam and 1 % of ham is exactly what tells the two apart.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse, stats

from ...exceptions import ConfigError, DataError, NotFittedError
from ._lfs import ABSTAIN, check_votes

__all__ = ["lf_majority_vote", "LabelModel"]


_FLOOR = 1e-9


def _check_n_classes(n_classes: Any) -> int:
    if isinstance(n_classes, bool) or not isinstance(n_classes, int | np.integer):
        raise ConfigError(f"n_classes must be an int, got {n_classes!r}")
    if n_classes < 2:
        raise ConfigError(f"n_classes must be at least 2, got {n_classes}")
    return int(n_classes)


def _vote_counts(votes: np.ndarray, n_classes: int) -> np.ndarray:
    counts = np.zeros((votes.shape[0], n_classes))
    rows, cols = np.nonzero(votes != ABSTAIN)
    np.add.at(counts, (rows, votes[rows, cols]), 1.0)
    return counts


def _outcome_onehot(votes: np.ndarray, n_classes: int) -> sparse.csr_matrix:
    """(n_items, n_lfs * (n_classes + 1)) indicator of each LF's outcome; abstain is last."""
    n_items, n_lfs = votes.shape
    outcome = np.where(votes == ABSTAIN, n_classes, votes)
    columns = (np.arange(n_lfs)[None, :] * (n_classes + 1) + outcome).ravel()
    rows = np.repeat(np.arange(n_items), n_lfs)
    return sparse.csr_matrix((np.ones(rows.size), (rows, columns)),
                             shape=(n_items, n_lfs * (n_classes + 1)))


def _e_step(prior: np.ndarray, tables: np.ndarray, onehot: sparse.csr_matrix) -> np.ndarray:
    """Posteriors ``P(class | outcomes)``: log prior plus each LF's log-likelihood."""
    # Unseen outcomes have probability _FLOOR, never 0, so the logs stay finite.
    n_lfs, n_classes, n_outputs = tables.shape
    log_tables = np.log(tables).transpose(0, 2, 1).reshape(n_lfs * n_outputs, n_classes)
    log_post = np.log(prior)[None, :] + np.asarray(onehot @ log_tables)
    log_post -= log_post.max(axis=1, keepdims=True)
    post = np.exp(log_post)
    return post / post.sum(axis=1, keepdims=True)


def lf_majority_vote(votes: Any, *, n_classes: int) -> np.ndarray:
    """The class most LFs voted for; ``ABSTAIN`` (-1) where none voted or the top tied.

    Parameters
    ----------
    votes : array-like of int of shape (n_items, n_lfs)
        Class positions, -1 for abstain.
    n_classes : int

    Returns
    -------
    labels : ndarray of int of shape (n_items,)

    Examples
    --------
    >>> lf_majority_vote([[1, 1, 0], [0, -1, 1], [-1, -1, -1]], n_classes=2).tolist()
    [1, -1, -1]
    """
    n_classes = _check_n_classes(n_classes)
    votes = check_votes(votes, n_classes)
    counts = _vote_counts(votes, n_classes)
    top = counts.max(axis=1)
    winners = counts.argmax(axis=1)
    unique = (counts == top[:, None]).sum(axis=1) == 1
    return np.where((top > 0) & unique, winners, ABSTAIN).astype(np.intp)


class LabelModel:
    """Class-conditional LF behaviour learned by EM, abstentions included.

    Each LF ``j`` has a table ``P(output o | true class k)`` over the
    ``n_classes`` votes plus "abstain"; LFs are independent given the class
    (a naive-Bayes latent-class model, Dawid & Skene 1979, with abstention as
    an outcome). Each vote ``o`` has two rates: how often the LF votes ``o`` on
    items of class ``o`` and how often on items of any other class - the full
    table, with a rate per (class, output) pair, let EM wander off to
    explain who-abstains-when and labelled worse than majority vote on trec.
    An LF that fits worse than chance at its own class is treated as
    uninformative. EM starts from the vote fractions (majority vote, softly)
    and alternates: M-step - class prior and rates from the current
    posteriors (``smoothing`` pseudo-counts pull each rate toward the LF's
    overall firing rate); E-step - posteriors from prior and tables. Items
    whose class is known (``y`` in :meth:`fit`) stay clamped to it, so a few
    gold labels anchor which latent class is which.

    Parameters
    ----------
    max_iter : int, default=100
    tol : float, default=1e-5
        Stop when no posterior moves by more than this.
    smoothing : float, default=1.0
        Pseudo-count added to the prior and to every rate's evidence.
    prior_from_gold : bool, default=True
        When :meth:`fit` gets known labels ``y`` (a random sample), keep each
        class's prior inside the 95 % Beta interval of its gold frequency. EM
        can trade the prior off against the firing rates: with one spam rule,
        on sms_spam with 20 labels, it let the spam prior run to 0.58 and
        labelled most messages spam. Fixing the prior to the gold frequency
        instead was worse: 8 spam among 37 gold labels (true rate 13 %) made
        it label too much spam.

    Attributes
    ----------
    n_classes_ : int
    class_prior_ : ndarray of shape (n_classes,)
    lf_tables_ : ndarray of shape (n_lfs, n_classes, n_classes + 1)
        ``P(output | true class)``; the last column is abstain.
    n_iter_ : int

    Examples
    --------
    >>> votes = [[1, -1], [1, 1], [-1, 0], [0, 0], [-1, -1], [1, -1]]
    >>> model = LabelModel().fit(votes, n_classes=2)
    >>> model.predict(votes).tolist()
    [1, 1, 0, 0, -1, 1]
    """

    def __init__(self, max_iter: int = 100, tol: float = 1e-5, smoothing: float = 1.0,
                 prior_from_gold: bool = True):
        self.max_iter = max_iter
        self.tol = tol
        self.smoothing = smoothing
        self.prior_from_gold = prior_from_gold

    def _check_params(self) -> None:
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, int) \
                or self.max_iter < 1:
            raise ConfigError(f"max_iter must be a positive int, got {self.max_iter!r}")
        if not self.tol > 0:
            raise ConfigError(f"tol must be positive, got {self.tol!r}")
        if not self.smoothing > 0:
            raise ConfigError(f"smoothing must be positive, got {self.smoothing!r}")
        if not isinstance(self.prior_from_gold, bool | np.bool_):
            raise ConfigError(f"prior_from_gold must be True or False, got "
                              f"{self.prior_from_gold!r}")

    def fit(self, votes: Any, *, n_classes: int, y: Any = None) -> LabelModel:
        """Learn the class prior and every LF's table from ``votes``.

        Parameters
        ----------
        votes : array-like of int of shape (n_items, n_lfs)
        n_classes : int
        y : array-like of int of shape (n_items,), optional
            Known class positions (-1 = unknown), clamped during EM.
        """
        self._check_params()
        n_classes = _check_n_classes(n_classes)
        votes = check_votes(votes, n_classes)
        n_items = votes.shape[0]
        known = np.zeros(n_items, dtype=bool)
        if y is not None:
            y = check_votes(np.asarray(y).reshape(-1, 1), n_classes).ravel()
            if y.shape[0] != n_items:
                raise DataError(f"y has {y.shape[0]} entries for {n_items} items")
            known = y != ABSTAIN
        onehot = _outcome_onehot(votes, n_classes)
        gold = np.zeros((n_items, n_classes))
        if y is not None:
            gold[np.flatnonzero(known), y[known]] = 1.0
        counts = _vote_counts(votes, n_classes)
        base = gold[known].sum(axis=0) + 1.0 if known.any() else np.ones(n_classes)
        base /= base.sum()
        covered = counts.sum(axis=1) > 0
        soft = counts + 0.1 * base
        posterior = np.where(covered[:, None], soft / soft.sum(axis=1, keepdims=True), base)
        posterior[known] = gold[known]
        n_lfs = votes.shape[1]
        bounds = None
        if self.prior_from_gold and known.any():
            # Each class's share lies, with 95 % credibility, in the Beta interval of its
            # gold count; EM's prior is held inside it.
            hits = gold[known].sum(axis=0)
            bounds = stats.beta.ppf([[0.025], [0.975]], hits + self.smoothing,
                                    known.sum() - hits + self.smoothing)
        self.n_iter_ = 0
        for _ in range(self.max_iter):
            prior, tables = self._m_step(posterior, onehot, n_lfs, n_classes, bounds)
            new = _e_step(prior, tables, onehot)
            new[known] = gold[known]
            delta = float(np.abs(new - posterior).max())
            posterior = new
            self.n_iter_ += 1
            if delta < self.tol:
                break
        self.class_prior_, self.lf_tables_ = self._m_step(posterior, onehot, n_lfs, n_classes,
                                                          bounds)
        self.n_classes_ = n_classes
        return self

    def _m_step(self, posterior: np.ndarray, onehot: sparse.csr_matrix, n_lfs: int,
                n_classes: int, bounds: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
        prior = posterior.sum(axis=0) + self.smoothing
        prior /= prior.sum()
        if bounds is not None:
            prior = np.clip(prior, bounds[0], bounds[1])
            prior /= prior.sum()
        # Soft counts of (LF j gave output o) per class k: (n_lfs, n_outputs, n_classes).
        counts = np.asarray(onehot.T @ posterior).reshape(n_lfs, n_classes + 1, n_classes)
        votes = counts[:, :n_classes, :]                           # o < n_classes
        mass = posterior.sum(axis=0)                               # (n_classes,)
        own = np.einsum("jkk->jk", votes)                          # LF votes o on class o
        other = votes.sum(axis=2) - own                            # ... on any other class
        rate = (own + other) / mass.sum()                          # overall firing rate
        s = self.smoothing
        hit = (own + s * rate) / (mass[None, :] + s)               # P(vote o | true o)
        miss = (other + s * rate) / (mass.sum() - mass[None, :] + s)  # P(vote o | true != o)
        # An LF is assumed better than chance at the class it votes: when the fit says
        # otherwise, it carries no information (both rates become the overall rate).
        worse = miss > hit
        hit, miss = np.where(worse, rate, hit), np.where(worse, rate, miss)
        tables = np.empty((n_lfs, n_classes, n_classes + 1))
        tables[:, :, :n_classes] = miss[:, None, :]
        diagonal = np.arange(n_classes)
        tables[:, diagonal, diagonal] = hit
        fired = tables[:, :, :n_classes].sum(axis=2)
        if np.any(fired > 1.0):  # several outputs per LF, all frequent: keep rows valid
            tables[:, :, :n_classes] /= np.maximum(fired, 1.0)[:, :, None]
            fired = tables[:, :, :n_classes].sum(axis=2)
        tables[:, :, n_classes] = 1.0 - fired
        np.clip(tables, _FLOOR, 1.0, out=tables)
        tables /= tables.sum(axis=2, keepdims=True)
        return prior, tables

    def predict_proba(self, votes: Any) -> np.ndarray:
        """``P(true class | votes)`` of shape (n_items, n_classes)."""
        if not hasattr(self, "lf_tables_"):
            raise NotFittedError("this LabelModel is not fitted yet; call fit(votes, ...)")
        votes = check_votes(votes, self.n_classes_)
        if votes.shape[1] != self.lf_tables_.shape[0]:
            raise DataError(f"votes have {votes.shape[1]} LFs; the model was fitted on "
                            f"{self.lf_tables_.shape[0]}")
        return _e_step(self.class_prior_, self.lf_tables_,
                       _outcome_onehot(votes, self.n_classes_))

    def predict(self, votes: Any, *, abstain_uncovered: bool = True) -> np.ndarray:
        """The most probable class; ``ABSTAIN`` (-1) for items no LF voted on.

        With ``abstain_uncovered=False`` those items get the class the model
        infers from every LF abstaining (often just the majority class).
        """
        proba = self.predict_proba(votes)
        labels = proba.argmax(axis=1).astype(np.intp)
        if abstain_uncovered:
            labels[(np.asarray(votes) == ABSTAIN).all(axis=1)] = ABSTAIN
        return labels
