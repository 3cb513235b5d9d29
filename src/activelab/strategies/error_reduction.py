"""Expected error reduction (Roy & McCallum 2001)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import clone

from .._random import RandomLike, derive_seed
from ..exceptions import ConfigError
from ..models import class_probabilities
from ..models.committee import seed_unset_random_states
from ..pool import Pool
from . import scores
from .base import DEFAULT_CHUNK_SIZE, QueryStrategy, iter_chunks
from .selection import select_top_k

__all__ = ["ExpectedErrorReduction", "EER_LOSSES"]

EER_LOSSES = ("log", "zero_one")


def _check_limit(name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ConfigError(f"{name} must be None or an int of at least 1, got {value!r}")


class ExpectedErrorReduction(QueryStrategy):
    """Query the item whose label is expected to reduce the future error most.

    For a candidate ``x`` and every class ``c`` with ``P(c|x) > 0``, a clone of
    the model is refitted on the labelled items plus ``(x, c)``, and its
    expected loss over an evaluation set ``E`` of unlabelled items is

    * ``"zero_one"``: ``sum_{u in E} (1 - max_y P'(y|u))``
    * ``"log"``: ``sum_{u in E} H(P'(.|u))`` (entropy)

    The score is minus the average over ``c`` weighted by the current
    ``P(c|x)``; higher is better.  Classes the model has not seen have
    ``P(c|x) = 0`` and cost no refit.  A batch is the top ``batch_size``
    items (no joint optimisation).

    The cost is one refit per candidate and class, so the search is bounded:
    when there are more than ``max_candidates`` candidates, a random subset of
    that size is scored (the others score ``-inf`` and only fill a batch
    larger than the subset, at random); when there are more than ``max_eval``
    unlabelled items, ``E`` is a random subset of that size.  Otherwise (or
    with ``None`` limits) the computation is exact: every candidate, ``E`` =
    every unlabelled item.

    Parameters
    ----------
    loss : {"log", "zero_one"}, default="log"
    max_candidates : int or None, default=100
    max_eval : int or None, default=1000
    random_state : int, Generator or None
        Draws the subsets, one seed shared by every refitted clone (unset
        ``random_state`` parameters), and tie breaking.

    Examples
    --------
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from activelab.examples import iris_start
    >>> from activelab.strategies import ExpectedErrorReduction
    >>> pool, model = iris_start(GaussianNB(), labelled=range(0, 150, 10))
    >>> eer = ExpectedErrorReduction("zero_one", max_candidates=10, max_eval=50, random_state=0)
    >>> eer.query(pool, model, 2).shape
    (2,)
    """

    def __init__(self, loss: str = "log", *, max_candidates: int | None = 100,
                 max_eval: int | None = 1000, random_state: RandomLike = None) -> None:
        self.loss = loss
        self.max_candidates = max_candidates
        self.max_eval = max_eval
        self.random_state = random_state

    def _check_params(self) -> str:
        loss = str(self.loss).replace("-", "_")
        if loss not in EER_LOSSES:
            raise ConfigError(f"unknown loss {self.loss!r}; choose one of {EER_LOSSES}")
        _check_limit("max_candidates", self.max_candidates)
        _check_limit("max_eval", self.max_eval)
        return loss

    def _select(self, pool: Pool, model: Any, candidates: np.ndarray, k: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        loss = self._check_params()
        scored = np.arange(len(candidates))
        if self.max_candidates is not None and len(candidates) > self.max_candidates:
            scored = np.sort(rng.choice(len(candidates), self.max_candidates, replace=False))
        evaluation = pool.unlabeled_indices
        if self.max_eval is not None and len(evaluation) > self.max_eval:
            evaluation = np.sort(rng.choice(evaluation, self.max_eval, replace=False))
        seed = derive_seed(rng)
        values = np.full(len(candidates), -np.inf)
        values[scored] = -self.expected_losses(pool, model, candidates[scored], evaluation,
                                               loss=loss, seed=seed)
        chosen = select_top_k(values, k, rng)
        return candidates[chosen], values[chosen]

    def expected_losses(self, pool: Pool, model: Any, indices: np.ndarray,
                        evaluation: np.ndarray, *, loss: str, seed: int) -> np.ndarray:
        """Expected loss over ``evaluation`` after labelling each of ``indices``.

        Parameters
        ----------
        pool : Pool
        model : fitted classifier (its clone is refitted)
        indices : ndarray of int of shape (n,)
            Items to evaluate.
        evaluation : ndarray of int of shape (n_eval,)
            Items the loss is summed over.
        loss : {"log", "zero_one"}
        seed : int
            Given to every unset ``random_state`` of the refitted clones.

        Returns
        -------
        losses : ndarray of shape (n,)
        """
        loss_fn = scores.entropy if loss == "log" else scores.least_confident
        labeled = pool.labeled_indices
        y_labeled = np.asarray(pool.codes[labeled])
        n_classes = pool.n_classes
        # The evaluation rows are read once when they fit in a chunk, else streamed per refit.
        blocks = list(iter_chunks(np.asarray(evaluation, dtype=np.intp), DEFAULT_CHUNK_SIZE))
        cached = [pool.take(chunk) for _, chunk in blocks] if len(blocks) <= 1 else None
        current = np.concatenate([class_probabilities(model, pool.take(chunk), n_classes)
                                  for _, chunk in iter_chunks(indices, DEFAULT_CHUNK_SIZE)]) \
            if len(indices) else np.empty((0, n_classes))
        out = np.zeros(len(indices))
        for i, (item, proba) in enumerate(zip(indices, current, strict=True)):
            X_new = pool.take(np.append(labeled, item))
            for c in np.flatnonzero(proba > 0):
                refit = seed_unset_random_states(clone(model), seed)
                refit.fit(X_new, np.append(y_labeled, c))
                total = 0.0
                for j, (_, chunk) in enumerate(blocks):
                    X_eval = cached[j] if cached is not None else pool.take(chunk)
                    total += float(loss_fn(class_probabilities(refit, X_eval, n_classes)).sum())
                out[i] += proba[c] * total
        return out
