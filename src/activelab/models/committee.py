"""Committees of classifiers for query-by-committee: bagging or a list of estimators."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing

from .._random import RandomLike, as_generator
from ..exceptions import ConfigError, SingleClassError

__all__ = ["fit_committee", "seed_unset_random_states"]

def seed_unset_random_states(estimator: Any, rng: np.random.Generator | int) -> Any:
    """Give every unset ``random_state`` of ``estimator`` (nested ones included) a seed.

    Any ``get_params()`` key ending in ``random_state`` whose value is ``None`` is
    set, so a re-fitted clone gives the same result every time.  Seeds that
    were set on purpose are kept.

    Parameters
    ----------
    estimator : scikit-learn estimator (modified in place and returned)
    rng : Generator or int
        A generator draws one seed per unset parameter; an int is used for all.

    Returns
    -------
    estimator : the same object
    """
    if not hasattr(estimator, "get_params"):
        return estimator
    unset = sorted(key for key, value in estimator.get_params(deep=True).items()
                   if key.endswith("random_state") and value is None)
    if unset:
        if isinstance(rng, np.random.Generator):
            seeds = [int(s) for s in rng.integers(0, 2**31 - 1, size=len(unset))]
        else:
            seeds = [int(rng)] * len(unset)
        estimator.set_params(**dict(zip(unset, seeds, strict=True)))
    return estimator


def _stratified_bootstrap(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap positions drawn within each class, so every class keeps its count."""
    positions = [rng.choice(np.flatnonzero(y == c), size=int(np.sum(y == c)), replace=True)
                 for c in np.unique(y)]
    return rng.permutation(np.concatenate(positions))


def fit_committee(
    X: Any,
    y: np.ndarray,
    *,
    estimator: Any = None,
    members: Sequence[Any] | None = None,
    n_members: int = 5,
    random_state: RandomLike = None,
) -> list[Any]:
    """Fit a committee on labelled data: bagged clones of one model, or a given list.

    With ``estimator``, each of the ``n_members`` members is a clone fitted on
    a stratified bootstrap resample of ``(X, y)``: items are drawn with
    replacement within each class, so every member sees every labelled class
    as often as the model did.  (A plain bootstrap of a small labelled set
    drops classes, which makes members disagree only because one of them can
    never predict a class, and changes class counts under models with inner
    cross-validation such as ``CalibratedClassifierCV``.)  With ``members`` (a
    heterogeneous committee), each estimator is cloned and fitted on all of
    ``(X, y)``.  Unset ``random_state`` parameters of every member are seeded
    from ``random_state``, so the committee is reproducible.

    Parameters
    ----------
    X : {array-like, sparse matrix, DataFrame} of shape (n_labeled, ...)
    y : ndarray of int of shape (n_labeled,)
        Class codes.
    estimator : unfitted or fitted classifier, default=None
        Bagging base model (only its parameters are used).  Exactly one of
        ``estimator`` and ``members`` must be given.
    members : sequence of classifiers, default=None
        A heterogeneous committee; each is cloned before fitting.
    n_members : int, default=5
        Committee size when bagging ``estimator``.
    random_state : int, Generator or None

    Returns
    -------
    committee : list of fitted classifiers

    Raises
    ------
    ConfigError
        If neither or both of ``estimator`` and ``members`` are given, or the
        committee would have fewer than two members.
    SingleClassError
        If ``y`` holds fewer than two classes.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> committee = fit_committee(X[::10], y[::10], estimator=DecisionTreeClassifier(),
    ...                           n_members=3, random_state=0)
    >>> len(committee)
    3
    """
    if (estimator is None) == (members is None):
        raise ConfigError("give exactly one of estimator (bagging) or members (a committee)")
    y = np.asarray(y)
    if len(np.unique(y)) < 2:
        raise SingleClassError(
            "a committee needs labelled items of at least two classes; label more items "
            "(or start with random sampling)"
        )
    rng = as_generator(random_state)
    fitted = []
    if members is not None:
        members = list(members)
        if len(members) < 2:
            raise ConfigError(f"a committee needs at least two members, got {len(members)}")
        for member in members:
            if not hasattr(member, "fit"):
                raise ConfigError(f"committee member {member!r} is not an estimator (no fit)")
            model = seed_unset_random_states(clone(member), rng)
            fitted.append(model.fit(X, y))
        return fitted
    if isinstance(n_members, bool) or not isinstance(n_members, int | np.integer) \
            or n_members < 2:
        raise ConfigError(f"n_members must be an int of at least 2, got {n_members!r}")
    for _ in range(int(n_members)):
        positions = _stratified_bootstrap(y, rng)
        model = seed_unset_random_states(clone(estimator), rng)
        fitted.append(model.fit(_safe_indexing(X, positions), y[positions]))
    return fitted
