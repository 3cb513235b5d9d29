"""Pairwise constraints: answers to "do these two belong together?" and what they imply."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..._random import RandomLike, as_generator
from ...exceptions import ConfigError, DataError, EmptyPoolError, UnknownLabelError

__all__ = ["MUST_LINK", "CANNOT_LINK", "UNKNOWN", "ANSWER_VALUES", "parse_answers",
           "check_pairs", "constraint_closure", "PairConstraints", "PairOracle"]

#: Values of :meth:`PairConstraints.relation`.
MUST_LINK, CANNOT_LINK, UNKNOWN = 1, 0, -1

#: Accepted answers (strings are matched case-insensitively); None skips a pair.
ANSWER_VALUES: dict[Any, bool] = {
    True: True, False: False,
    "must-link": True, "cannot-link": False, "must_link": True, "cannot_link": False,
    "yes": True, "no": False, "same": True, "different": False,
}


def parse_answers(answers: Sequence[Any], n_pairs: int) -> list[bool | None]:
    """Answers as True (must-link), False (cannot-link) or None (skipped).

    Accepts the keys of :data:`ANSWER_VALUES`, 1/0 and None.

    Examples
    --------
    >>> parse_answers(["yes", 0, None, "Cannot-Link"], 4)
    [True, False, None, False]
    """
    answers = list(answers.tolist() if isinstance(answers, np.ndarray) else answers)
    if len(answers) != n_pairs:
        raise DataError(f"got {len(answers)} answers for {n_pairs} pairs")
    parsed: list[bool | None] = []
    for answer in answers:
        key = answer.strip().lower() if isinstance(answer, str) else answer
        if key is None:
            parsed.append(None)
        elif isinstance(key, Hashable) and not isinstance(key, float) and key in ANSWER_VALUES:
            parsed.append(ANSWER_VALUES[key])  # also 1/0: True == 1 in a dict lookup
        else:
            raise UnknownLabelError(
                f"unknown answer {answer!r} to a pair question; answer True/'must-link'/"
                "'yes'/1 (same cluster), False/'cannot-link'/'no'/0 (different clusters), "
                "or None to skip")
    return parsed


def check_pairs(pairs: Any, n_samples: int, *, what: str = "pairs") -> np.ndarray:
    """``pairs`` as an int array of shape (n_pairs, 2) of distinct row indices < n_samples."""
    if pairs is None:
        return np.empty((0, 2), dtype=np.intp)
    array = np.asarray(pairs)
    if array.size == 0:
        return np.empty((0, 2), dtype=np.intp)
    if array.ndim != 2 or array.shape[1] != 2 or not np.issubdtype(array.dtype, np.integer):
        raise DataError(f"{what} must be integer index pairs of shape (n_pairs, 2), got "
                        f"shape {array.shape} and dtype {array.dtype}")
    if array.min() < 0 or array.max() >= n_samples:
        raise DataError(f"{what} hold indices outside [0, {n_samples}); every index must "
                        "point to a row of X")
    if (array[:, 0] == array[:, 1]).any():
        first = array[array[:, 0] == array[:, 1]][0]
        raise DataError(f"{what} pair a point with itself ({first.tolist()}); a pair needs "
                        "two different points")
    return array.astype(np.intp, copy=False)


def constraint_closure(n_samples: int, must_link: np.ndarray, cannot_link: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Must-link components (transitive closure) and the cannot-links inside one.

    Returns
    -------
    components : ndarray of shape (n_samples,)
        Component label of each point; points joined by a chain of must-links share one.
    conflicts : ndarray of shape (n_conflicts, 2)
        Cannot-link pairs whose points the must-links put in the same component.
    """
    graph = sp.coo_matrix((np.ones(len(must_link)), (must_link[:, 0], must_link[:, 1])),
                          shape=(n_samples, n_samples))
    _, components = connected_components(graph, directed=False)
    inside = components[cannot_link[:, 0]] == components[cannot_link[:, 1]]
    return components, cannot_link[inside]


def conflict_message(conflicts: np.ndarray, must_link: np.ndarray, n_samples: int) -> str:
    """Say which cannot-link contradicts which chain of must-links."""
    a, b = conflicts[0].tolist()
    graph = sp.coo_matrix((np.ones(len(must_link)), (must_link[:, 0], must_link[:, 1])),
                          shape=(n_samples, n_samples)).tocsr()
    graph = graph + graph.T
    from scipy.sparse.csgraph import breadth_first_order

    _, predecessors = breadth_first_order(graph, a, directed=False)
    chain, node = [b], b
    while node != a and predecessors[node] >= 0:
        node = int(predecessors[node])
        chain.append(node)
    path = "-".join(str(p) for p in reversed(chain))
    return (f"contradictory constraints: must-links join {a} and {b} (via {path}) but a "
            f"cannot-link separates them ({len(conflicts)} such cannot-link(s)); drop one "
            "of these answers")


class PairConstraints:
    """The answers given so far and their transitive closure (the label state).

    Must-links are transitive (a~b, b~c give a~c); a cannot-link between two
    must-link components separates every pair across them. :meth:`relation`
    tells which pairs are already implied, so no question is wasted on them.
    An answer that contradicts the closure raises :class:`~activelab.exceptions.DataError`
    and leaves the state unchanged.

    Parameters
    ----------
    n_samples : int

    Attributes
    ----------
    components_ : ndarray of shape (n_samples,)
        Must-link component of each point.
    n_answered : int
        Pairs answered (skips excluded).

    Examples
    --------
    >>> c = PairConstraints(4)
    >>> c.add([[0, 1], [1, 2], [2, 3]], ["yes", "yes", "no"])
    >>> c.relation([[0, 2], [0, 3], [1, 3]]).tolist()
    [1, 0, 0]
    """

    def __init__(self, n_samples: int) -> None:
        if n_samples < 1:
            raise EmptyPoolError("pairwise constraints need at least one point")
        self.n_samples = int(n_samples)
        self.components_ = np.arange(self.n_samples)
        self._ml: list[tuple[int, int]] = []
        self._cl: list[tuple[int, int]] = []
        self._skipped: set[tuple[int, int]] = set()

    @property
    def must_link(self) -> np.ndarray:
        """Must-link pairs as answered, shape (n_ml, 2)."""
        return np.asarray(self._ml, dtype=np.intp).reshape(-1, 2)

    @property
    def cannot_link(self) -> np.ndarray:
        """Cannot-link pairs as answered, shape (n_cl, 2)."""
        return np.asarray(self._cl, dtype=np.intp).reshape(-1, 2)

    @property
    def n_answered(self) -> int:
        return len(self._ml) + len(self._cl)

    @property
    def n_skipped(self) -> int:
        return len(self._skipped)

    def is_skipped(self, pairs: np.ndarray) -> np.ndarray:
        """Whether each pair was skipped before (so it is not asked again)."""
        return np.array([(min(a, b), max(a, b)) in self._skipped
                         for a, b in np.asarray(pairs).tolist()], dtype=bool)

    def constrained_points(self) -> np.ndarray:
        """Points that appear in at least one answered pair."""
        return np.unique(np.concatenate([self.must_link.ravel(), self.cannot_link.ravel()]))

    def relation(self, pairs: Any) -> np.ndarray:
        """For each pair: 1 must-link implied, 0 cannot-link implied, -1 unknown."""
        pairs = check_pairs(pairs, self.n_samples)
        comp = self.components_
        a, b = comp[pairs[:, 0]], comp[pairs[:, 1]]
        out = np.full(len(pairs), UNKNOWN, dtype=np.int8)
        if self._cl:
            cl = self.cannot_link
            known = _keys(comp[cl[:, 0]], comp[cl[:, 1]], self.n_samples)
            out[np.isin(_keys(a, b, self.n_samples), known)] = CANNOT_LINK
        out[a == b] = MUST_LINK
        return out

    def add(self, pairs: Any, answers: Sequence[Any]) -> None:
        """Record answers (see :func:`parse_answers`); all or nothing on a contradiction."""
        pairs = check_pairs(pairs, self.n_samples)
        parsed = parse_answers(answers, len(pairs))
        comp, ml, cl = self.components_.copy(), list(self._ml), list(self._cl)
        for (i, j), answer in zip(pairs.tolist(), parsed, strict=True):
            if answer is None:
                continue
            if answer:
                ml.append((i, j))
                if comp[i] != comp[j]:
                    comp[comp == comp[j]] = comp[i]
            else:
                cl.append((i, j))
            if cl:
                cl_arr = np.asarray(cl)
                inside = comp[cl_arr[:, 0]] == comp[cl_arr[:, 1]]
                if inside.any():
                    raise DataError(conflict_message(cl_arr[inside], np.asarray(ml).reshape(
                        -1, 2), self.n_samples))
        self.components_, self._ml, self._cl = comp, ml, cl
        self._skipped |= {(min(i, j), max(i, j))
                          for (i, j), answer in zip(pairs.tolist(), parsed, strict=True)
                          if answer is None}


def _keys(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """One int per unordered pair of component labels."""
    return np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)


class PairOracle:
    """Answers pair questions from known classes: same class means must-link.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The true class of every point.
    noise_rate : float in [0, 0.5), default=0
        Probability that an answer is flipped (a person's mistake).
    random_state : int, Generator or None

    Attributes
    ----------
    n_queries_, n_flipped_ : int

    Examples
    --------
    >>> PairOracle(["a", "a", "b"]).answer([[0, 1], [1, 2]])
    [True, False]
    """

    def __init__(self, y: Any, *, noise_rate: float = 0.0,
                 random_state: RandomLike = None) -> None:
        if not 0.0 <= noise_rate < 0.5:
            raise ConfigError(f"noise_rate must be in [0, 0.5), got {noise_rate}")
        self.y = np.asarray(y)
        if self.y.ndim != 1 or len(self.y) == 0:
            raise EmptyPoolError("the oracle needs a non-empty 1-D array of classes")
        self.noise_rate = noise_rate
        self.random_state = random_state
        self.n_queries_ = 0
        self.n_flipped_ = 0
        self._rng: np.random.Generator | None = None

    def answer(self, pairs: Any) -> list[bool]:
        """True (must-link) or False (cannot-link) for each pair."""
        pairs = check_pairs(pairs, len(self.y))
        same = self.y[pairs[:, 0]] == self.y[pairs[:, 1]]
        if self.noise_rate > 0:
            if self._rng is None:
                self._rng = as_generator(self.random_state)
            flip = self._rng.random(len(pairs)) < self.noise_rate
            same = same ^ flip
            self.n_flipped_ += int(flip.sum())
        self.n_queries_ += len(pairs)
        return same.tolist()
