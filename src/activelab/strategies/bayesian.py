"""Bayesian strategies on posterior samples: BALD, BatchBALD (greedy) and mean-std.

All three score a tensor of class probabilities of shape (n_samples, n_items,
n_classes): sample ``s`` is one model drawn from an (approximate) posterior.
The samples come from the model, in this order (``samples="auto"``):

1. MC dropout: the model, or a Pipeline's last step, has
   ``predict_proba_samples(X, n_samples, random_state)``
   (:class:`activelab.models.torch_nets.TorchMLPClassifier` and the CNN);
2. an ensemble's members: a fitted ``estimators_`` list of classifiers
   (random forests, bagging, voting);
3. a bootstrap committee: ``n_members`` clones of the model fitted on
   stratified resamples of the labelled items (as query-by-committee does),
   a crude posterior that lets every model run these strategies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import entr, logsumexp, softmax
from sklearn.pipeline import Pipeline

from .._random import RandomLike, as_generator, derive_seed
from ..exceptions import ConfigError
from ..models import class_probabilities
from ..models.committee import fit_committee
from ..pool import Pool
from .base import DEFAULT_CHUNK_SIZE, QueryStrategy, iter_chunks
from .selection import select_top_k

__all__ = [
    "bald",
    "mean_std",
    "batchbald_greedy",
    "posterior_samples",
    "BayesianUncertainty",
    "BatchBALD",
    "SAMPLE_SOURCES",
]

SAMPLE_SOURCES = ("auto", "mc_dropout", "ensemble", "bootstrap")
_TINY = 1e-30  # floor before log: a zero probability must not make a configuration -inf


def bald(samples: np.ndarray) -> np.ndarray:
    """Mutual information between the label and the model (Houlsby et al. 2011).

    ``H[mean_s p_s] - mean_s H[p_s]``: high where the samples are each confident
    but disagree, not where all of them are unsure.

    Parameters
    ----------
    samples : ndarray of shape (n_samples, n_items, n_classes)

    Returns
    -------
    scores : ndarray of shape (n_items,)
    """
    predictive = entr(samples.mean(axis=0)).sum(axis=1)
    expected = entr(samples).sum(axis=2).mean(axis=0)
    return np.maximum(predictive - expected, 0.0)


def mean_std(samples: np.ndarray) -> np.ndarray:
    """Standard deviation of each class probability over samples, averaged over classes.

    The "mean STD" of Kampffmeyer et al. (2016): ``mean_c sqrt(E[p_c^2] - E[p_c]^2)``.

    Parameters
    ----------
    samples : ndarray of shape (n_samples, n_items, n_classes)

    Returns
    -------
    scores : ndarray of shape (n_items,)
    """
    return samples.std(axis=0).mean(axis=1)


def batchbald_greedy(samples: np.ndarray, k: int, *, n_configurations: int = 256,
                     random_state: RandomLike = None) -> tuple[np.ndarray, np.ndarray]:
    """Greedy BatchBALD: grow a batch maximising its joint mutual information.

    Kirsch, van Amersfoort & Gal (2019).  Step ``i`` adds the item ``x`` with the
    largest gain ``I(y_x; w | y_B) = E_{y_B}[H(y_x | y_B)] - E_s[H(y_x | s)]`` given
    the batch ``B`` chosen so far.  The first step is BALD.  Because the joint
    mutual information is submodular, greedy gains are non-increasing and the
    batch is within ``1 - 1/e`` of the best.

    The expectation over the batch's labels ``y_B`` is exact (all ``C^|B|``
    configurations) while there are at most ``n_configurations`` of them;
    beyond that it is a Monte-Carlo average over ``n_configurations`` joint
    label configurations drawn from the samples (sample ``s``, then each label
    from ``p_s``), extended one label per step.  With sampled configurations
    the gains are estimates, so they may no longer decrease strictly.

    Parameters
    ----------
    samples : ndarray of shape (n_samples, n_items, n_classes)
        Posterior samples that must be *consistent*: sample ``s`` is the same
        model for every item (one dropout mask per sample, not per item).
    k : int
        Batch size (at most ``n_items``).
    n_configurations : int, default=256
        Most label configurations kept at once (memory and time grow linearly:
        a step costs about ``n_configurations * n_samples * n_items * n_classes``).
    random_state : int, Generator or None
        Draws sampled configurations and breaks ties.

    Returns
    -------
    positions : ndarray of int of shape (k,)
        In the order chosen.
    gains : ndarray of shape (k,)
        Each item's conditional mutual information when it was added (nats).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> samples = rng.dirichlet(np.ones(3), size=(10, 6))
    >>> positions, gains = batchbald_greedy(samples, 3, random_state=0)
    >>> positions.shape, bool(np.all(np.diff(gains) <= 1e-12))
    ((3,), True)
    """
    rng = as_generator(random_state)
    n_draws, n_items, n_classes = samples.shape
    k = min(int(k), n_items)
    log_p = np.log(np.maximum(samples, _TINY))
    expected = entr(samples).sum(axis=2).mean(axis=0)
    log_q = np.zeros((n_draws, 1))  # log P(configuration | sample s)
    weights = np.ones(1)  # each configuration's weight in the expectation over y_B
    draw_of = None  # sample id behind each sampled configuration (None while exact)
    taken = np.zeros(n_items, dtype=bool)
    positions, gains = np.empty(k, dtype=np.intp), np.empty(k)
    for step in range(k):
        gain = _conditional_gains(samples, softmax(log_q, axis=0), weights) - expected
        gain[taken] = -np.inf
        best = int(select_top_k(gain, 1, rng)[0])
        positions[step], gains[step] = best, max(gain[best], 0.0)
        taken[best] = True
        if draw_of is None and log_q.shape[1] * n_classes <= n_configurations:
            log_q = (log_q[:, :, None] + log_p[:, best, None, :]).reshape(n_draws, -1)
            weights = np.exp(logsumexp(log_q, axis=0) - np.log(n_draws))
            continue
        if draw_of is None:  # switch to sampled configurations, drawn from the exact joint
            config = rng.choice(len(weights), size=n_configurations, p=weights / weights.sum())
            posterior = softmax(log_q, axis=0)[:, config]
            draw_of = np.array([rng.choice(n_draws, p=col / col.sum()) for col in posterior.T])
            log_q = log_q[:, config]
            weights = np.full(n_configurations, 1.0 / n_configurations)
        label = _draw_labels(samples[draw_of, best], rng)
        log_q = log_q + log_p[:, best, label]
    return positions, gains


def _conditional_gains(samples: np.ndarray, posterior: np.ndarray,
                       weights: np.ndarray) -> np.ndarray:
    """``sum_m weights_m H(y_x | config_m)`` for every item, in blocks that fit in memory."""
    n_draws, n_items, n_classes = samples.shape
    block = max(1, 4_000_000 // (posterior.shape[1] * n_classes))
    out = np.empty(n_items)
    for start in range(0, n_items, block):
        part = samples[:, start:start + block]
        conditional = np.einsum("sm,snc->mnc", posterior, part, optimize=True)
        out[start:start + block] = weights @ entr(conditional).sum(axis=2)
    return out


def _draw_labels(proba: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One class per row of ``proba`` (n, n_classes), by inverse-CDF sampling."""
    cumulative = np.cumsum(proba, axis=1)
    u = rng.random(len(proba)) * cumulative[:, -1]
    return np.minimum((cumulative < u[:, None]).sum(axis=1), proba.shape[1] - 1)


# -- where the samples come from -------------------------------------------------------------
def _split(model: Any) -> tuple[Any, Any]:
    """(preprocessing or None, final estimator) of a model or Pipeline."""
    if isinstance(model, Pipeline):
        return model[:-1], model[-1]
    return None, model


def _members(final: Any) -> list[Any] | None:
    members = getattr(final, "estimators_", None)
    if isinstance(members, list | tuple) and len(members) >= 2 and hasattr(final, "classes_") \
            and all(hasattr(m, "predict_proba") and hasattr(m, "classes_") for m in members):
        return list(members)
    return None


def _source(model: Any, samples: str) -> str:
    if samples not in SAMPLE_SOURCES:
        raise ConfigError(f"unknown samples source {samples!r}; choose one of {SAMPLE_SOURCES}")
    _, final = _split(model)
    mc, ensemble = hasattr(final, "predict_proba_samples"), _members(final) is not None
    if samples == "mc_dropout" and not mc:
        raise ConfigError(f"samples='mc_dropout' needs a model with predict_proba_samples "
                          f"(e.g. make_model('torch-mlp')); {type(final).__name__} has none. "
                          f"Use samples='auto' to fall back to a bootstrap committee")
    if samples == "ensemble" and not ensemble:
        raise ConfigError(f"samples='ensemble' needs a fitted ensemble with estimators_ "
                          f"(a random forest, bagging); {type(final).__name__} is not one")
    if samples == "auto":
        return "mc_dropout" if mc else "ensemble" if ensemble else "bootstrap"
    return samples


def _aligned(proba: np.ndarray, codes: np.ndarray, n_classes: int) -> np.ndarray:
    """Columns moved to the pool's class codes (unseen classes get 0)."""
    if len(codes) == n_classes and np.array_equal(codes, np.arange(n_classes)):
        return proba
    out = np.zeros((*proba.shape[:-1], n_classes))
    out[..., codes] = proba
    return out


def posterior_samples(model: Any, X: Any, n_classes: int, *, samples: str = "auto",
                      n_samples: int = 20, members: list[Any] | None = None,
                      random_state: RandomLike = None) -> np.ndarray:
    """Class probabilities of posterior samples for ``X``, aligned to the pool's classes.

    Parameters
    ----------
    model : fitted classifier (or Pipeline) trained on the pool's class codes
    X : {array-like, sparse matrix} of shape (n_items, ...)
    n_classes : int
    samples : {"auto", "mc_dropout", "ensemble", "bootstrap"}, default="auto"
        See the module docstring.  ``"bootstrap"`` needs ``members``.
    n_samples : int, default=20
        MC-dropout samples (ensembles give one sample per member).
    members : list of fitted classifiers, default=None
        The bootstrap committee, from :func:`activelab.models.fit_committee`.
    random_state : int, Generator or None
        Seed of the dropout masks.

    Returns
    -------
    samples : ndarray of shape (n_draws, n_items, n_classes)
    """
    source = _source(model, samples)
    pre, final = _split(model)
    if source == "bootstrap":
        if not members:
            raise ConfigError("samples='bootstrap' needs the fitted committee members")
        return np.stack([class_probabilities(m, X, n_classes) for m in members])
    Xt = pre.transform(X) if pre is not None else X
    seen = np.asarray(final.classes_, dtype=np.intp)
    if source == "mc_dropout":
        draws = final.predict_proba_samples(Xt, n_samples=n_samples, random_state=random_state)
        return _aligned(np.asarray(draws, dtype=float), seen, n_classes)
    features = getattr(final, "estimators_features_", None)  # bagging on feature subsets
    out = []
    for i, member in enumerate(_members(final) or ()):  # _source checked there are some
        Xm = Xt if features is None else Xt[:, features[i]]
        # Members learn encoded labels: their classes are positions in final.classes_.
        codes = seen[np.asarray(member.classes_, dtype=np.intp)]
        out.append(_aligned(np.asarray(member.predict_proba(Xm), dtype=float), codes,
                            n_classes))
    return np.stack(out)


class _PosteriorStrategy(QueryStrategy):
    """Shared parameters and sample gathering of the Bayesian strategies."""

    def _check(self) -> None:
        for name in ("n_samples", "n_members"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 2:
                raise ConfigError(f"{name} must be an int of at least 2, got {value!r}")

    def _sampler(self, pool: Pool, model: Any,
                 rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray]:
        """A function ``indices -> samples`` with fixed masks or members for this query."""
        self._check()
        source = _source(model, self.samples)
        members = None
        if source == "bootstrap":
            members = fit_committee(*pool.training_data(), estimator=model,
                                    n_members=self.n_members, random_state=rng)
        seed = derive_seed(rng)
        return lambda indices: posterior_samples(
            model, pool.take(indices), pool.n_classes, samples=source, n_samples=self.n_samples,
            members=members, random_state=seed)


_MEASURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {"bald": bald, "mean_std": mean_std}


class BayesianUncertainty(_PosteriorStrategy):
    """Top-k by BALD (Houlsby et al. 2011; Gal et al. 2017) or mean-std (Kampffmeyer et al.).

    Parameters
    ----------
    measure : {"bald", "mean_std"} or callable, default="bald"
        A callable maps samples (n_samples, n_items, n_classes) to scores (n_items,).
    samples : {"auto", "mc_dropout", "ensemble", "bootstrap"}, default="auto"
        Where the posterior samples come from (see :mod:`activelab.strategies.bayesian`).
    n_samples : int, default=20
        MC-dropout samples per item.
    n_members : int, default=5
        Committee size for the bootstrap fallback.
    chunk_size : int, default=16384
    random_state : int, Generator or None
        Seeds the dropout masks, the committee and tie breaking.

    Examples
    --------
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from activelab.examples import iris_start
    >>> forest = RandomForestClassifier(n_estimators=10, random_state=0)
    >>> pool, forest = iris_start(forest, labelled=range(0, 150, 10))
    >>> BayesianUncertainty("bald", random_state=0).query(pool, forest, 3).shape
    (3,)
    """

    def __init__(self, measure: str | Callable[[np.ndarray], np.ndarray] = "bald", *,
                 samples: str = "auto", n_samples: int = 20, n_members: int = 5,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, random_state: RandomLike = None) -> None:
        self.measure = measure
        self.samples = samples
        self.n_samples = n_samples
        self.n_members = n_members
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _measure(self) -> Callable[[np.ndarray], np.ndarray]:
        if callable(self.measure):
            return self.measure
        name = str(self.measure).replace("-", "_")
        if name not in _MEASURES:
            raise ConfigError(f"unknown Bayesian measure {self.measure!r}; choose one of "
                              f"{sorted(_MEASURES)} or pass a function samples -> scores")
        return _MEASURES[name]

    def _select(self, pool: Pool, model: Any, candidates: np.ndarray, k: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        measure = self._measure()
        sampler = self._sampler(pool, model, rng)
        values = np.empty(len(candidates))
        for block, chunk in iter_chunks(candidates, self.chunk_size):
            values[block] = measure(sampler(chunk))
        chosen = select_top_k(values, k, rng)
        return candidates[chosen], values[chosen]


class BatchBALD(_PosteriorStrategy):
    """Greedy BatchBALD (Kirsch et al. 2019): a batch with high *joint* mutual information.

    Plain BALD fills a batch with near-duplicates that are informative for the
    same reason; BatchBALD conditions each pick on the labels of those before
    it.  See :func:`batchbald_greedy` for the estimator and its approximation.

    Parameters
    ----------
    samples : {"auto", "mc_dropout", "ensemble", "bootstrap"}, default="auto"
    n_samples : int, default=20
    n_members : int, default=5
    n_configurations : int, default=256
        Label configurations of the batch kept exactly, or sampled beyond that.
    max_candidates : int or None, default=500
        The greedy search runs on the ``max_candidates`` items of highest BALD
        (an approximation that keeps a step's cost bounded on large pools);
        None searches every candidate.
    chunk_size : int, default=16384
    random_state : int, Generator or None

    Examples
    --------
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from activelab.examples import iris_start
    >>> forest = RandomForestClassifier(n_estimators=10, random_state=0)
    >>> pool, forest = iris_start(forest, labelled=range(0, 150, 10))
    >>> BatchBALD(random_state=0).query(pool, forest, 4).shape
    (4,)
    """

    def __init__(self, *, samples: str = "auto", n_samples: int = 20, n_members: int = 5,
                 n_configurations: int = 256, max_candidates: int | None = 500,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, random_state: RandomLike = None) -> None:
        self.samples = samples
        self.n_samples = n_samples
        self.n_members = n_members
        self.n_configurations = n_configurations
        self.max_candidates = max_candidates
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _check(self) -> None:
        super()._check()
        for name in ("n_configurations", "max_candidates"):
            value = getattr(self, name)
            if name == "max_candidates" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ConfigError(f"{name} must be a positive int, got {value!r}")

    def _select(self, pool: Pool, model: Any, candidates: np.ndarray, k: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        sampler = self._sampler(pool, model, rng)
        limit = self.max_candidates
        if limit is not None and len(candidates) > max(limit, k):
            values = np.empty(len(candidates))
            for block, chunk in iter_chunks(candidates, self.chunk_size):
                values[block] = bald(sampler(chunk))
            candidates = candidates[select_top_k(values, max(limit, k), rng)]
        positions, gains = batchbald_greedy(sampler(candidates), k,
                                            n_configurations=self.n_configurations,
                                            random_state=rng)
        return candidates[positions], gains
