"""``auto``: the strategy to use when you do not want to choose one.

Margin sampling is the strongest simple default across benchmarks of
pool-based active learning with classical models; its known weakness is
batches: the ``k`` smallest margins are often near-duplicates from one
stretch of the decision boundary.  ``auto`` keeps margin's choice for a batch
of one and spreads larger batches over the boundary by clustering.

Its other weakness is a model whose confidence says nothing about its errors
(Gaussian naive Bayes on pixels is sure of 96% of the digits it gets wrong):
uncertainty sampling then picks outliers and does worse than random.  ``auto``
checks this on the items it drew at random, once they are labelled, and
samples at random while the check fails.  The check's evidence lives on the
strategy object; a service that rebuilds pool and strategy every round carries
it over with :meth:`AutoStrategy.get_state` and :meth:`AutoStrategy.set_state`.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

from .._random import RandomLike, derive_seed
from ..exceptions import ConfigError
from ..pool import Pool
from .base import DEFAULT_CHUNK_SIZE, QueryStrategy
from .selection import select_top_k
from .uncertainty import UncertaintySampling

__all__ = ["AutoStrategy"]

#: Above this many pre-filtered items, MiniBatchKMeans replaces KMeans.
_MINIBATCH_ABOVE = 5_000
#: Wrong and right predictions the probe needs of each before it judges.
_MIN_OF_EACH = 3
#: Queries after which a random pick nobody labelled leaves the probe.
_PENDING_ROUNDS = 3
#: The layout of :meth:`AutoStrategy.get_state`.
_STATE_VERSION = 1


def _interleave(ranked: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """``ranked`` in order with ``extra`` spread evenly through it (the last at the end).

    A batch is labelled as a whole in simulation, but a queue served best-first
    (the annotation server) may never reach the end of a long batch: spread out,
    the random picks are served at the same rate as the rest.
    """
    slots = np.linspace(len(ranked) + len(extra) - 1, 0, num=len(extra), endpoint=False)
    positions = np.sort(np.floor(slots).astype(int))  # slots 1+ apart: distinct floors
    merged = np.empty(len(ranked) + len(extra), dtype=ranked.dtype)
    is_extra = np.zeros(len(merged), dtype=bool)
    is_extra[positions] = True
    merged[is_extra] = extra
    merged[~is_extra] = ranked
    return merged


class _UncertaintyProbe:
    """Does the model's uncertainty point at its errors?  Judged on random picks.

    Items drawn at random are remembered with the margin uncertainty and the
    prediction the model gave them when they were picked; once labelled they
    are an unbiased sample of (uncertainty, was the model wrong) pairs.  The
    AUROC of uncertainty for "wrong" is 0.5 when uncertainty says nothing.
    A pick still open :data:`_PENDING_ROUNDS` queries later is forgotten: a
    queue served best-first was re-ranked before it reached the pick.
    """

    def __init__(self) -> None:
        self._reset(None)

    def _reset(self, pool_id: int | None) -> None:
        self.pool_id = pool_id
        self.round = 0  # queries made on this pool
        # index -> (uncertainty, predicted code, round picked)
        self.pending: dict[int, tuple[float, int, int]] = {}
        self.uncertainty: list[float] = []
        self.wrong: list[bool] = []

    def update(self, pool: Pool) -> None:
        """Resolve the picks labelled since the last query (a new pool starts afresh).

        A probe not yet bound to a pool (new, or restored by ``set_state``)
        takes the first pool it is given as its own.
        """
        if self.pool_id is not None and self.pool_id != id(pool):
            self._reset(id(pool))
        self.pool_id = id(pool)
        self.round += 1
        if not self.pending:
            return
        indices = np.fromiter(self.pending, dtype=np.intp, count=len(self.pending))
        codes = pool.codes[indices]
        for index, code, still_open in zip(indices.tolist(), codes.tolist(),
                                           pool.unlabeled_mask[indices].tolist(), strict=True):
            uncertainty, predicted, picked = self.pending[index]
            if code >= 0:
                del self.pending[index]
                self.uncertainty.append(uncertainty)
                self.wrong.append(predicted != code)
            elif not still_open or self.round - picked > _PENDING_ROUNDS:
                del self.pending[index]  # skipped, removed or passed over: no answer will come

    @property
    def n_resolved(self) -> int:
        return len(self.wrong)

    def auc(self, min_resolved: int) -> float | None:
        """AUROC of uncertainty for errors; None until there is enough evidence."""
        wrong = np.asarray(self.wrong, dtype=bool)
        if len(wrong) < min_resolved or wrong.sum() < _MIN_OF_EACH \
                or (~wrong).sum() < _MIN_OF_EACH:
            return None
        return float(roc_auc_score(wrong, self.uncertainty))

    def remember(self, pool: Pool, model: Any, indices: np.ndarray,
                 uncertainty: np.ndarray) -> None:
        if len(indices) == 0:
            return
        predicted = np.asarray(model.predict(pool.take(indices)))
        for index, value, code in zip(indices.tolist(), uncertainty.tolist(),
                                      predicted.tolist(), strict=True):
            self.pending[int(index)] = (float(value), int(code), self.round)

    def get_state(self, item_ids: Sequence[Hashable] | np.ndarray | None) -> dict[str, Any]:
        def key(index: int) -> Any:
            if item_ids is None:
                return index
            value = item_ids[index]
            return value.item() if isinstance(value, np.generic) else value

        return {"version": _STATE_VERSION, "round": self.round,
                "pending": [[key(index), uncertainty, predicted, picked]
                            for index, (uncertainty, predicted, picked) in self.pending.items()],
                "uncertainty": list(self.uncertainty), "wrong": list(self.wrong)}

    def set_state(self, state: Mapping[str, Any],
                  item_ids: Sequence[Hashable] | np.ndarray | None) -> None:
        if not isinstance(state, Mapping) or state.get("version") != _STATE_VERSION:
            version = state.get("version") if isinstance(state, Mapping) else None
            raise ConfigError(f"unknown auto state version {version!r}")
        index_of: Mapping[Any, int] | None = None if item_ids is None else \
            {(v.item() if isinstance(v, np.generic) else v): i for i, v in enumerate(item_ids)}
        try:  # read all before changing anything: a bad state leaves the probe as it was
            round_ = int(state["round"])
            pending = {}
            for key, uncertainty, predicted, picked in state["pending"]:
                index = key if index_of is None else index_of.get(key)
                if index is not None:  # an item that is gone can never be answered
                    pending[int(index)] = (float(uncertainty), int(predicted), int(picked))
            uncertainty_seen = [float(u) for u in state["uncertainty"]]
            wrong = [bool(w) for w in state["wrong"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"malformed auto state: {exc!r}") from exc
        if len(uncertainty_seen) != len(wrong):
            raise ConfigError("malformed auto state: uncertainty and wrong differ in length")
        self._reset(None)
        self.round, self.pending = round_, pending
        self.uncertainty, self.wrong = uncertainty_seen, wrong


def _model_features(pool: Pool, model: Any, indices: np.ndarray) -> Any:
    """Rows as the classifier sees them: through every step of a Pipeline but the last."""
    rows = pool.take(indices)
    if isinstance(getattr(model, "base_model_", None), Pipeline):  # a semi-supervised wrapper
        model = model.base_model_
    if isinstance(model, Pipeline) and len(model.steps) > 1:
        rows = model[:-1].transform(rows)
    if sp.issparse(rows):
        return rows.tocsr()
    if hasattr(rows, "to_numpy"):
        rows = rows.to_numpy()
    rows = np.asarray(rows)
    if rows.ndim != 2 or rows.dtype.kind not in "biuf":
        raise ConfigError(
            "auto clusters batches in the model's feature space, but the pool holds raw items "
            f"(dtype {rows.dtype}) and the model ({type(model).__name__}) is not a Pipeline "
            "that turns them into numbers; use e.g. make_pipeline(TfidfVectorizer(), "
            "LogisticRegression())")
    return rows.astype(float, copy=False)


class AutoStrategy(QueryStrategy):
    """Margin sampling with a diversity step for batches; needs no choices.

    1. Score every candidate by margin (``1 - (p_top1 - p_top2)``).
    2. For a batch of one, return the smallest margin: plain margin sampling.
    3. Otherwise keep the ``candidate_factor * batch_size`` smallest margins
       (at most ``max_candidates``), cluster them into ``batch_size`` groups by
       k-means in the model's own feature space (after the Pipeline's scaler
       or TF-IDF step, so units and raw texts are handled), and take the
       smallest-margin item of each group.
    4. From 10 items on, a tenth of the batch (``random_fraction``) is drawn
       at random from all candidates and step 3 fills the rest.
    5. Those random picks, once labelled, test whether the model's
       uncertainty points at its errors: the AUROC of margin uncertainty for
       a wrong prediction.  Until ``probe_size`` of them are labelled, up to a
       quarter of each batch is drawn at random to gather them.  While the
       AUROC is below ``min_auc``, whole batches are drawn at random (and keep
       feeding the test, so ``auto`` returns to margin when the model
       improves).

    Parameters
    ----------
    candidate_factor : int, default=10
        Pre-filter size as a multiple of the batch size.
    max_candidates : int, default=10000
        Upper bound of the pre-filter, so clustering cost stays bounded.
    random_fraction : float, default=0.1
        Share of each batch drawn at random from all candidates
        (``floor(random_fraction * batch_size)`` items; none below 10 items at
        the default). Exploration: uncertainty-only label sets can make a
        poorly calibrated model (Gaussian naive Bayes) collapse.
    probe_size : int, default=10
        Labelled random picks needed before the uncertainty test judges (0
        turns the test off).
    min_auc : float, default=0.6
        Below this AUROC of uncertainty for the model's errors, batches are
        drawn at random.
    chunk_size : int, default=16384
        Items scored at once.
    random_state : int, Generator or None
        Seeds k-means and tie breaking.

    Attributes
    ----------
    uncertainty_auc_ : float or None
        The test's AUROC at the last query (None: not enough evidence yet).
    sampled_at_random_ : bool
        Whether the last batch was drawn at random because the test failed.
    n_probes_ : int
        Labelled random picks the test judged on at the last query.

    Notes
    -----
    The test needs its evidence across the rounds of one pool.
    :class:`~activelab.ActiveLearner` keeps the same strategy object, which
    starts afresh on a new pool; batches of one (no random picks) never
    trigger it.  A service that rebuilds the pool and the strategy at every
    round carries the evidence over with :meth:`get_state` and
    :meth:`set_state`, keyed by its own item ids.  A random pick still
    unlabelled three queries after it was drawn is forgotten (a queue served
    best-first was re-ranked before reaching it).

    This is the "margin + k-means diversity" design of Zhdanov (2019) with two
    changes: clusters live in the model's feature space rather than the raw
    pool, and each cluster contributes its most uncertain item rather than the
    one nearest its centre.  Results of the benchmark that chose it are in
    ``docs/benchmarks.md``.

    Examples
    --------
    >>> from activelab.examples import iris_start
    >>> from activelab.strategies.auto import AutoStrategy
    >>> pool, model = iris_start()
    >>> AutoStrategy(random_state=0).query(pool, model, 5).shape
    (5,)
    """

    def __init__(self, *, candidate_factor: int = 10, max_candidates: int = 10_000,
                 random_fraction: float = 0.1, probe_size: int = 10, min_auc: float = 0.6,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, random_state: RandomLike = None) -> None:
        self.candidate_factor = candidate_factor
        self.max_candidates = max_candidates
        self.random_fraction = random_fraction
        self.probe_size = probe_size
        self.min_auc = min_auc
        self.chunk_size = chunk_size
        self.random_state = random_state
        self._probe = _UncertaintyProbe()

    def get_state(self, item_ids: Sequence[Hashable] | np.ndarray | None = None
                  ) -> dict[str, Any]:
        """The uncertainty test's evidence, to carry over to a new pool and strategy.

        Parameters
        ----------
        item_ids : sequence, default=None
            Each pool row's identity (``item_ids[i]`` for row ``i`` of the pool
            last queried); the state names its pending picks by it.  Default:
            the row numbers.  Values must be JSON-serialisable (ints, strings).

        Returns
        -------
        dict
            JSON-serialisable: ``pending`` (random picks not labelled yet, as
            ``[item, uncertainty, predicted code, query]``), ``uncertainty``
            and ``wrong`` (the labelled picks), ``round`` and ``version``.
        """
        return self._probe.get_state(item_ids)

    def set_state(self, state: Mapping[str, Any],
                  item_ids: Sequence[Hashable] | np.ndarray | None = None) -> None:
        """Restore :meth:`get_state`'s evidence; the next pool queried is the one it refers to.

        Parameters
        ----------
        state : dict
            What :meth:`get_state` returned (on this or another strategy object).
        item_ids : sequence, default=None
            Each row's identity in the pool the next query is given (as in
            :meth:`get_state`); pending picks whose item is not among them are
            dropped.  The class codes must mean the same classes.
        """
        self._probe.set_state(state, item_ids)

    def _check_params(self) -> None:
        for name in ("candidate_factor", "max_candidates"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ConfigError(f"{name} must be an int of at least 1, got {value!r}")
        fraction = self.random_fraction
        if isinstance(fraction, bool) or not isinstance(fraction, int | float) \
                or not 0 <= fraction < 1:
            raise ConfigError(f"random_fraction must be in [0, 1), got {fraction!r}")
        size = self.probe_size
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 0:
            raise ConfigError(f"probe_size must be an int of at least 0, got {size!r}")
        auc = self.min_auc
        if isinstance(auc, bool) or not isinstance(auc, int | float) or not 0 <= auc <= 1:
            raise ConfigError(f"min_auc must be in [0, 1], got {auc!r}")

    def _select(self, pool: Pool, model: Any, candidates: np.ndarray, k: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        self._check_params()
        margin = UncertaintySampling("margin", chunk_size=self.chunk_size)
        probe = self._probe
        probe.update(pool)
        self.uncertainty_auc_ = probe.auc(self.probe_size) if self.probe_size else None
        self.sampled_at_random_ = bool(k > 1 and self.uncertainty_auc_ is not None
                                       and self.uncertainty_auc_ < self.min_auc)
        self.n_probes_ = probe.n_resolved
        if self.sampled_at_random_:  # uncertainty says nothing about errors: passive
            picked = rng.choice(len(candidates), size=k, replace=False)
            scores = margin.score(pool, model, candidates[picked])
            probe.remember(pool, model, candidates[picked], scores)
            return candidates[picked], scores
        n_random = self._n_random(k, len(candidates))
        margins = margin.score(pool, model, candidates)
        if n_random > 0:
            picked = self._diverse(pool, model, candidates, margins, k - n_random, rng)
            rest = np.setdiff1d(np.arange(len(candidates)), picked, assume_unique=True)
            explore = rng.choice(rest, size=n_random, replace=False)
            if self.probe_size:
                probe.remember(pool, model, candidates[explore], margins[explore])
            picked = _interleave(picked, explore)
        else:
            picked = self._diverse(pool, model, candidates, margins, k, rng)
        return candidates[picked], margins[picked]

    def _n_random(self, k: int, n_candidates: int) -> int:
        """Random picks in a batch of ``k``: the exploration share, more while the probe
        is still short of evidence (at most a quarter of the batch)."""
        if k <= 1:
            return 0
        n_random = int(self.random_fraction * k)
        short = self.probe_size - self._probe.n_resolved - len(self._probe.pending)
        if self.probe_size and self.uncertainty_auc_ is None and short > 0:
            n_random = max(n_random, min(k // 4, short))
        return min(n_random, n_candidates - k)

    def _diverse(self, pool: Pool, model: Any, candidates: np.ndarray, margins: np.ndarray,
                 k: int, rng: np.random.Generator) -> np.ndarray:
        """Positions into ``candidates`` of the margin + k-means batch of ``k``."""
        n_top = min(len(candidates), max(k, min(int(self.candidate_factor) * k,
                                                int(self.max_candidates))))
        top = select_top_k(margins, n_top, rng)  # most uncertain first, ties at random
        seed = derive_seed(rng)
        if k == 1 or len(top) <= k:
            return top[:k]
        features = _model_features(pool, model, candidates[top])
        kmeans = (MiniBatchKMeans if len(top) > _MINIBATCH_ABOVE else KMeans)(
            n_clusters=k, n_init=1, random_state=seed)
        with warnings.catch_warnings():
            # Duplicate rows give fewer distinct clusters than k; the gap is filled below.
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = kmeans.fit_predict(features)
        _, firsts = np.unique(labels, return_index=True)  # each cluster's most uncertain
        chosen = np.sort(firsts)
        if len(chosen) < k:
            rest = np.setdiff1d(np.arange(len(top)), chosen)
            chosen = np.sort(np.concatenate([chosen, rest[:k - len(chosen)]]))
        return top[chosen]
