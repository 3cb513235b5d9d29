"""The ask-a-pair loop, and its simulation over seeds (ARI per question asked)."""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.preprocessing import StandardScaler

from ..._random import RandomLike, as_generator, derive_seed
from ...exceptions import ConfigError, DataError, PoolExhaustedError, SingleClassError
from ...learner_base import BaseLearner, Round
from ...metrics import normalized_aulc
from ...simulation import check_loop_sizes
from ..curves import TaskCurves
from ._constraints import PairConstraints, PairOracle, check_pairs
from ._kmeans import COPKMeans, PCKMeans, check_cluster_features
from ._strategies import PAIR_STRATEGIES, RandomPairs, make_pair_strategy

__all__ = ["PAIRWISE_MODELS", "make_pairwise_model", "PairRound", "PairwiseLearner",
           "clustering_metrics", "PairwiseSimulationResult", "simulate_pairwise",
           "run_pairwise_cell"]

#: Model names understood by :func:`make_pairwise_model`.
PAIRWISE_MODELS = ("pckmeans", "copkmeans")


def make_pairwise_model(name: str, n_clusters: int, *, random_state: RandomLike = None) -> Any:
    """``"pckmeans"`` (soft constraints, the default) or ``"copkmeans"`` (hard)."""
    key = str(name).strip().lower().replace("_", "-")
    if key in ("pckmeans", "pck-means"):
        return PCKMeans(n_clusters, random_state=random_state)
    if key in ("copkmeans", "cop-kmeans", "cop-k-means"):
        return COPKMeans(n_clusters, random_state=random_state)
    raise ConfigError(f"unknown clustering model {name!r}; choose one of "
                      f"{', '.join(PAIRWISE_MODELS)}")


def clustering_metrics(y_true: Any, labels: Any) -> dict[str, float]:
    """Adjusted Rand index and normalised mutual information against the true classes.

    Examples
    --------
    >>> clustering_metrics([0, 0, 1, 1], [1, 1, 0, 0])
    {'ari': 1.0, 'nmi': 1.0}
    """
    return {"ari": float(adjusted_rand_score(y_true, labels)),
            "nmi": float(normalized_mutual_info_score(y_true, labels))}


@dataclass(frozen=True)
class PairRound(Round):
    """A :class:`~activelab.Round` whose items are pairs: ``indices`` of shape
    (n_pairs, 2), ``labels`` the answers, ``n_labeled`` the questions asked so far."""

    @property
    def pairs(self) -> np.ndarray:
        return self.indices

    @property
    def answers(self) -> list[Any]:
        return self.labels

    @property
    def n_questions(self) -> int:
        return self.n_labeled


class PairwiseLearner(BaseLearner):
    """Clustering with pair questions: query pairs, teach answers, re-cluster.

    The data ``X`` never changes (clustering is transductive: every point gets a
    cluster); the label state is a :class:`PairConstraints`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Dense numeric features, best standardised.
    n_clusters : int
        At least 2.
    model : estimator, default=None
        A :class:`PCKMeans` / :class:`COPKMeans` (cloned; fitted with ``must_link``
        and ``cannot_link``); default ``PCKMeans(n_clusters)``.
    strategy : str or strategy object, default="uncertain-pairs"
        One of :data:`PAIR_STRATEGIES`, or an object with
        ``query(X, constraints, model, n_pairs) -> (n_pairs, 2) int array``.
    y_true : array-like of shape (n_samples,), optional
        True classes, to record ARI and NMI after every round (simulation only).
    random_state : int, Generator or None

    Attributes
    ----------
    constraints : PairConstraints
    model_ : fitted estimator
    labels_ : ndarray of shape (n_samples,)
    history_ : list of PairRound

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> learner = PairwiseLearner(X, 3, strategy="explore-consolidate", random_state=0)
    >>> pairs = learner.query(5)
    >>> _ = learner.teach(pairs, (y[pairs[:, 0]] == y[pairs[:, 1]]).tolist())
    >>> learner.labels_.shape, learner.constraints.n_answered
    ((150,), 5)
    """

    def __init__(self, X: Any, n_clusters: int, *, model: Any = None,
                 strategy: str | Any = "uncertain-pairs", y_true: Any = None,
                 random_state: RandomLike = None) -> None:
        X = check_cluster_features(X)
        if not isinstance(n_clusters, int | np.integer) or n_clusters < 2:
            raise ConfigError(f"n_clusters must be an integer of at least 2, got "
                              f"{n_clusters!r}")
        if len(X) < n_clusters:
            raise DataError(f"{len(X)} point(s) cannot form {n_clusters} clusters")
        self.X = X
        self.n_clusters = int(n_clusters)
        self.y_true = None if y_true is None else np.asarray(y_true)
        if self.y_true is not None and len(self.y_true) != len(self.X):
            raise DataError(f"y_true has {len(self.y_true)} entries for {len(self.X)} points")
        self.constraints = PairConstraints(len(self.X))
        model = PCKMeans(self.n_clusters) if model is None else clone(model)
        super().__init__(model, self.constraints, strategy, random_state=random_state)
        # The strategy, then the model's seed, come from the generator now: one seed for
        # every refit, so curves move with the answers, not the restarts.
        self._rng = as_generator(random_state)
        self._strategy = make_pair_strategy(strategy, n_clusters=self.n_clusters,
                                            random_state=self._rng) \
            if isinstance(strategy, str) else strategy
        if getattr(model, "random_state", 0) is None:
            model.set_params(random_state=derive_seed(self._rng))
        self.model = model

    @property
    def n_questions(self) -> int:
        """Pairs asked and answered or skipped."""
        return self.constraints.n_answered + self.constraints.n_skipped

    @property
    def labels_(self) -> np.ndarray:
        if self.model_ is None:
            self.fit()
        return self.model_.labels_

    def fit(self) -> PairwiseLearner:
        """Re-cluster under the answers so far."""
        self.model_ = clone(self.model).fit(self.X, must_link=self.constraints.must_link,
                                            cannot_link=self.constraints.cannot_link)
        return self

    def query(self, n_pairs: int = 1) -> np.ndarray:
        """The next ``n_pairs`` questions, an int array of shape (n_pairs, 2).

        Fewer rows come back when fewer pairs are left whose answer is not implied;
        :class:`~activelab.exceptions.PoolExhaustedError` when none is.
        """
        if self.model_ is None:
            self.fit()
        strategy: Any = self.strategy_  # a pair strategy: query(X, constraints, model, n)
        pairs = self._timed(lambda: strategy.query(self.X, self.constraints, self.model_,
                                                   int(n_pairs)))
        return check_pairs(pairs, len(self.X))

    def teach(self, pairs: Any, answers: Any, *,  # type: ignore[override]  # returns self
              strategy: str | None = None) -> PairwiseLearner:
        """Record answers (True/"must-link"/"yes"/1, False/"cannot-link"/"no"/0, None =
        skip) and re-cluster. A contradiction with earlier answers raises
        :class:`~activelab.exceptions.DataError` and changes nothing."""
        pairs = check_pairs(pairs, len(self.X))
        self.constraints.add(pairs, answers)
        fit_seconds = self._refit()
        self._log_round(pairs, list(answers), scores=np.full(len(pairs), np.nan),
                        n_labeled=self.n_questions, fit_seconds=fit_seconds,
                        strategy=strategy or self.strategy_name, round_type=PairRound)
        return self

    def _no_item_edits(self, action: str) -> None:
        raise ConfigError(f"a clustering learner's answers are pair constraints, which cannot "
                          f"{action} items; build a new learner from the answers to keep")

    def relabel(self, indices: Sequence[int], labels: Sequence[Hashable]) -> None:
        self._no_item_edits("relabel")

    def skip(self, indices: Sequence[int]) -> None:
        self._no_item_edits("skip")

    def remove_labels(self, indices: Sequence[int]) -> None:
        self._no_item_edits("remove the labels of")

    def _refit(self) -> float:
        start = time.perf_counter()
        self.fit()
        return time.perf_counter() - start

    def _evaluate(self) -> dict[str, float]:
        return {} if self.y_true is None else clustering_metrics(self.y_true,
                                                                 self.model_.labels_)

    def _oracle_answers(self, oracle: Any, indices: np.ndarray) -> list[Any]:
        return list(oracle.answer(indices))


@dataclass
class PairwiseSimulationResult:
    """Curves of one strategy over seeds; ``reference`` holds plain k-means per seed."""

    strategy: str
    model: str
    budget: int
    runs: list[TaskCurves] = field(default_factory=list)

    def mean_aulc(self, metric: str = "ari") -> float:
        """Mean over seeds of the normalised area under the ``metric`` curve."""
        return float(np.mean([normalized_aulc(r.n_labels, r.metrics[metric], self.budget)
                              for r in self.runs]))

    def mean_final(self, metric: str = "ari") -> float:
        return float(np.mean([r.metrics[metric][-1] for r in self.runs]))


def _check_classes(y: Any, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n:
        raise DataError(f"y must be 1-D with one class per point ({n}), got shape {y.shape}")
    if len(np.unique(y)) < 2:
        raise SingleClassError("pairwise clustering needs at least two classes in y")
    return y


def _run_seed(X: np.ndarray, y: np.ndarray, *, model: str | Any, strategy: str,
              n_clusters: int, seed: int, initial: int, batch: int, budget: int,
              master_seed: int, noise_rate: float) -> TaskCurves:
    initial_seq, model_seq, strategy_seq, oracle_seq = np.random.SeedSequence(
        entropy=master_seed, spawn_key=(seed,)).spawn(4)
    model_seed = derive_seed(model_seq)
    estimator = make_pairwise_model(model, n_clusters, random_state=model_seed) \
        if isinstance(model, str) else clone(model).set_params(random_state=model_seed)
    learner = PairwiseLearner(X, n_clusters, model=estimator, strategy=strategy, y_true=y,
                              random_state=np.random.default_rng(strategy_seq))
    oracle = PairOracle(y, noise_rate=noise_rate,
                        random_state=np.random.default_rng(oracle_seq))
    # The same random seed pairs for every strategy of this seed.
    seed_pairs = RandomPairs(np.random.default_rng(initial_seq)).query(
        X, learner.constraints, None, initial) if initial else np.empty((0, 2), np.intp)
    learner.teach(seed_pairs, oracle.answer(seed_pairs) if len(seed_pairs) else [],
                  strategy="initial")
    while learner.n_questions < budget:
        try:
            pairs = learner.query(min(batch, budget - learner.n_questions))
        except PoolExhaustedError:
            break
        learner.teach(pairs, oracle.answer(pairs))
    history = learner.history_
    plain = KMeans(n_clusters, n_init=10, random_state=model_seed).fit(X)
    reference = {f"kmeans_{k}": v for k, v in clustering_metrics(y, plain.labels_).items()}
    return TaskCurves(n_labels=[r.n_labeled for r in history],
                      metrics={m: [r.metrics[m] for r in history] for m in ("ari", "nmi")},
                      query_seconds=[r.query_seconds for r in history],
                      fit_seconds=[r.fit_seconds for r in history],
                      reference=reference).check()


def _check_loop(initial: int, batch: int, budget: int, seeds: int) -> None:
    check_loop_sizes(initial=initial, batch=batch, budget=budget, seeds=seeds, min_initial=0)


def simulate_pairwise(X: Any, y: Any, *, strategy: str = "uncertain-pairs",
                      model: str | Any = "pckmeans", n_clusters: int | None = None,
                      initial: int = 0, batch: int = 10, budget: int = 100, seeds: int = 5,
                      master_seed: int = 0, noise_rate: float = 0.0,
                      standardize: bool = True) -> PairwiseSimulationResult:
    """Ask pair questions of a simulated person (``y`` decides) and track ARI and NMI.

    For seed ``s`` the seed pairs, the model's seed and the oracle's noise come from
    ``SeedSequence(master_seed, spawn_key=(s,))`` alone, so strategies compare on
    identical starts. ``n_labels`` of each curve counts pair questions asked
    (``initial`` random ones first); metrics are on every point (transductive).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    strategy : str, default="uncertain-pairs"
        One of :data:`PAIR_STRATEGIES`.
    model : str or estimator, default="pckmeans"
    n_clusters : int, optional
        Default: the number of classes in ``y``.
    initial, batch, budget, seeds, master_seed : int
    noise_rate : float, default=0
        Probability that the simulated person answers a pair wrongly.
    standardize : bool, default=True
        Scale each feature to zero mean and unit variance first.

    Returns
    -------
    PairwiseSimulationResult
        ``reference`` of each run holds plain k-means (``n_init=10``) ARI and NMI.
    """
    X = check_cluster_features(X)
    y = _check_classes(y, len(X))
    _check_loop(initial, batch, budget, seeds)
    if strategy not in PAIR_STRATEGIES:
        make_pair_strategy(strategy, n_clusters=2)  # raises the clear error
    if standardize:
        X = StandardScaler().fit_transform(X)
    k = len(np.unique(y)) if n_clusters is None else n_clusters
    name = model if isinstance(model, str) else type(model).__name__
    result = PairwiseSimulationResult(strategy, name, budget)
    for seed in range(seeds):
        result.runs.append(_run_seed(X, y, model=model, strategy=strategy, n_clusters=k,
                                     seed=seed, initial=initial, batch=batch, budget=budget,
                                     master_seed=master_seed, noise_rate=noise_rate))
    return result


def run_pairwise_cell(data: str, *, model: str | None, strategy: str, seed: int,
                      initial: int, batch: int, budget: int, test_size: float,
                      master_seed: int) -> TaskCurves:
    """One seed of :func:`simulate_pairwise` on the dataset ``data`` (the bench's cell).

    ``data`` is a classification dataset :func:`activelab.data.load_dataset` accepts with
    numeric features (``"sklearn:iris"``, ``"banknote"``, ...); features are
    standardised and ``n_clusters`` is the number of classes. ``initial`` random pairs
    are asked first; ``test_size`` is ignored (clustering scores every point).
    """
    from ...data import load_dataset

    make_pairwise_model(model or "pckmeans", 2)  # fail early on unknown names
    make_pair_strategy(strategy, n_clusters=2)
    _check_loop(initial, batch, budget, 1)
    dataset = load_dataset(data)
    if dataset.task != "classification" or dataset.kind == "text":
        raise ConfigError(f"{dataset.name} is a {dataset.kind} {dataset.task} dataset; "
                          "the clustering task needs numeric features and class labels")
    X = StandardScaler().fit_transform(check_cluster_features(dataset.X))
    y = _check_classes(dataset.y, len(X))
    return _run_seed(X, y, model=model or "pckmeans", strategy=strategy,
                     n_clusters=len(np.unique(y)), seed=seed, initial=initial, batch=batch,
                     budget=budget, master_seed=master_seed, noise_rate=0.0)
