"""Simulated record matching: learning curves of "same entity?" questions, per seed."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import precision_recall_curve
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from ..._random import derive_seed
from ...exceptions import ActivelabWarning, ConfigError, DataError, SingleClassError
from ...learner_base import run_to_budget
from ...pool import Pool
from ...simulation import check_loop_sizes
from ...strategies import make_strategy
from ..curves import TaskCurves
from ._learner import (
    MATCH,
    NON_MATCH,
    PairLearner,
    make_matching_model,
    similarity_seed,
)
from ._pairs import (
    BlockingReport,
    block_pairs,
    blocking_report,
    mean_similarity,
    pair_features,
)
from ._records import RecordTables, load_adult_records

__all__ = ["MatchingProblem", "build_matching_problem", "MatchingRunResult",
           "simulate_matching", "run_matching_cell", "match_metrics", "METRICS"]

METRICS = ("f1", "precision", "recall", "f1_non_match")


def match_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """F1, precision and recall of the match class, and F1 of the non-match class.

    ``f1`` (matches) is the figure entity resolution is judged by: with matches rare,
    predicting "different" everywhere scores a high accuracy and an ``f1`` of 0.
    Undefined ratios (no predicted or no true matches) count as 0, as scikit-learn's
    ``zero_division=0``; counted directly because this runs after every round.

    Examples
    --------
    >>> match_metrics([1, 1, 0, 0], [1, 0, 0, 0])["f1"]
    0.6666666666666666
    """
    y_true, y_pred = np.asarray(y_true) == MATCH, np.asarray(y_pred) == MATCH
    if y_true.shape != y_pred.shape:
        raise DataError(f"y_true and y_pred differ in shape: {y_true.shape} vs {y_pred.shape}")
    tp = int((y_true & y_pred).sum())
    fp = int((~y_true & y_pred).sum())
    fn = int((y_true & ~y_pred).sum())
    tn = len(y_true) - tp - fp - fn

    def f1(hits: int, wrong: int) -> float:
        return 2 * hits / (2 * hits + wrong) if hits else 0.0

    return {"f1": f1(tp, fp + fn), "precision": tp / (tp + fp) if tp else 0.0,
            "recall": tp / (tp + fn) if tp else 0.0, "f1_non_match": f1(tn, fp + fn)}


@dataclass
class MatchingProblem:
    """Candidate pairs of a benchmark with known answers.

    Attributes
    ----------
    name : str
    pairs : ndarray of int of shape (n_pairs, 2)
    X : ndarray of shape (n_pairs, n_features)
    feature_names : list of str
    y : ndarray of int of shape (n_pairs,)
        1 where both rows are the same entity.
    similarity : ndarray of shape (n_pairs,)
    blocking : BlockingReport
    """

    name: str
    pairs: np.ndarray
    X: np.ndarray
    feature_names: list[str]
    y: np.ndarray
    similarity: np.ndarray
    blocking: BlockingReport


def build_matching_problem(tables: RecordTables, *, block_on: Sequence[str] | None = None,
                           neighbours: int = 10) -> MatchingProblem:
    """Block, compute pair features and the true answers of tables with entity ids."""
    if tables.left_entity is None:
        raise DataError("simulation needs the true entity of every row (left_entity)")
    on = tables.fields if block_on is None else {f: tables.fields[f] for f in block_on}
    pairs = block_pairs(tables.left, tables.right, on, neighbours=neighbours)
    X, names = pair_features(tables.left, tables.right, pairs, tables.fields)
    other = tables.left_entity if tables.right_entity is None else tables.right_entity
    y = (tables.left_entity[pairs[:, 0]] == other[pairs[:, 1]]).astype(int)
    report = blocking_report(pairs, len(tables.left),
                             None if tables.right is None else len(tables.right),
                             tables.left_entity, tables.right_entity)
    return MatchingProblem(tables.name, pairs, X, names, y, mean_similarity(X, names), report)


@dataclass
class MatchingRunResult:
    """One seed's curves: ``metrics[name][r]`` after round ``r`` (see :data:`METRICS`)."""

    seed: int
    strategy: str
    n_labels: list[int] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in METRICS})
    query_seconds: list[float] = field(default_factory=list)
    fit_seconds: list[float] = field(default_factory=list)
    reference: dict[str, float] = field(default_factory=dict)

    def to_curves(self) -> TaskCurves:
        return TaskCurves(n_labels=self.n_labels, metrics=self.metrics,
                          query_seconds=self.query_seconds, fit_seconds=self.fit_seconds,
                          reference=self.reference).check()


def _best_threshold_f1(score_fit: np.ndarray, y_fit: np.ndarray, score_test: np.ndarray,
                       y_test: np.ndarray) -> float:
    """Test F1 of ``score >= t``, ``t`` chosen for the best F1 on the fit pairs."""
    precision, recall, thresholds = precision_recall_curve(y_fit, score_fit)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    best = thresholds[int(np.argmax(f1[:-1]))]
    return match_metrics(y_test, (score_test >= best).astype(int))["f1"]


def _run(problem: MatchingProblem, seed: int, *, model: str | Any, strategy: str | Any,
         initial: int, initial_method: str, batch: int, budget: int, test_size: float,
         master_seed: int) -> MatchingRunResult:
    split_seq, initial_seq, learner_seq = np.random.SeedSequence(
        entropy=master_seed, spawn_key=(seed,)).spawn(3)
    train, test = train_test_split(np.arange(len(problem.y)), test_size=test_size,
                                   stratify=problem.y, random_state=derive_seed(split_seq))
    train, test = np.sort(train), np.sort(test)
    X, y, similarity = problem.X, problem.y, problem.similarity
    learner_seed = derive_seed(learner_seq)
    estimator = make_matching_model(model, learner_seed) if isinstance(model, str) \
        else clone(model)
    learner = PairLearner(estimator, Pool(X[train], classes=[NON_MATCH, MATCH]), strategy,
                          similarity=similarity[train], random_state=learner_seed)
    name = strategy if isinstance(strategy, str) else type(strategy).__name__
    metrics: dict[str, list[float]] = {m: [] for m in METRICS}

    def evaluate() -> None:
        predicted = learner.model_.predict(X[test]) if learner.model_ is not None \
            else np.full(len(test), NON_MATCH)  # no model yet: "no matches"
        for metric, value in match_metrics(y[test], predicted).items():
            metrics[metric].append(value)

    y_pool = y[train]
    # A few hundred labelled pairs x 51 features: BLAS threads only add contention
    # (5x slower fits on a busy 2-core machine), so the loop runs single-threaded.
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", ActivelabWarning)  # the cold start is part of the run
        seed_set = similarity_seed(similarity[train], initial, method=initial_method,
                                   random_state=np.random.default_rng(initial_seq))
        run_to_budget(learner, lambda indices: y_pool[indices], seed_set, batch=batch,
                      budget=budget, on_round=evaluate)
        full = clone(estimator).fit(X[train], y_pool)
    curves = TaskCurves.from_history(learner.history_, ())
    run = MatchingRunResult(seed, name, curves.n_labels, metrics, curves.query_seconds,
                            curves.fit_seconds)
    full_metrics = match_metrics(y[test], full.predict(X[test]))
    run.reference = {
        "full_f1": full_metrics["f1"], "full_f1_non_match": full_metrics["f1_non_match"],
        "threshold_f1": _best_threshold_f1(similarity[train], y_pool, similarity[test],
                                           y[test]),
        "blocking_recall": problem.blocking.recall,
        "reduction_ratio": problem.blocking.reduction_ratio,
        "n_pairs": float(len(problem.y)), "match_rate": float(problem.y.mean()),
    }
    return run


def _check_loop(problem: MatchingProblem, *, initial: int, batch: int, budget: int,
                test_size: float, initial_method: str) -> None:
    check_loop_sizes(initial=initial, batch=batch, budget=budget, test_size=test_size,
                     min_initial=2)
    if initial_method not in ("similarity", "random"):
        raise ConfigError(f"initial_method must be 'similarity' or 'random', "
                          f"got {initial_method!r}")
    n_match = int(problem.y.sum())
    if n_match < 2 or n_match > len(problem.y) - 2:
        raise SingleClassError(f"{problem.name}: {n_match} of {len(problem.y)} candidate pairs "
                               "are matches; a pair classifier needs at least two of each "
                               "(check the entity ids, or raise neighbours)")


def simulate_matching(problem: MatchingProblem, *, model: str | Any = "logreg",
                      strategy: str | Any = "margin", initial: int = 10,
                      initial_method: str = "similarity", batch: int = 10, budget: int = 200,
                      seeds: int = 3, test_size: float = 0.25,
                      master_seed: int = 0) -> list[MatchingRunResult]:
    """Ask "same entity?" about candidate pairs, one run per seed.

    For seed ``s`` the stratified train/test split of the pairs, the seed set and the
    learner's seed come from ``SeedSequence(master_seed, spawn_key=(s,))`` alone, so
    every strategy starts alike.  Each round records :data:`METRICS` on the test
    pairs; ``reference`` holds the F1 of the classifier trained on every pool pair,
    of the best threshold on mean similarity (chosen with every pool answer), and
    the blocking recall and reduction ratio.

    Parameters
    ----------
    problem : MatchingProblem
    model : str or classifier, default="logreg"
    strategy : str or QueryStrategy, default="margin"
    initial, batch, budget : int
        Seed set, questions per round, total questions (seed set included).
    initial_method : {"similarity", "random"}
    seeds : int
    test_size : float
    master_seed : int

    Returns
    -------
    list of MatchingRunResult
    """
    _check_loop(problem, initial=initial, batch=batch, budget=budget, test_size=test_size,
                initial_method=initial_method)
    if isinstance(model, str):
        make_matching_model(model)
    if isinstance(strategy, str):
        make_strategy(strategy)  # fails early on an unknown name
    return [_run(problem, seed, model=model, strategy=strategy, initial=initial,
                 initial_method=initial_method, batch=batch, budget=budget,
                 test_size=test_size, master_seed=master_seed) for seed in range(seeds)]


def _parse_data(data: str) -> tuple[int, float]:
    """``adult[:N[:CORRUPT]]`` -> (rows per table, corruption rate per field)."""
    parts = data.split(":")
    if parts[0] == "shared":
        parts = parts[1:]
    if not parts or parts[0] not in ("adult", "adult-records") or len(parts) > 3:
        raise ConfigError(f"the matching task knows the dataset 'adult[:N[:CORRUPT]]' (N rows "
                          f"per table, default 1000; CORRUPT = per-field error rate, default "
                          f"0.3), got {data!r}; for your own tables use "
                          "activelab.tasks.matching.RecordMatcher")
    try:
        n = int(parts[1]) if len(parts) > 1 else 1000
        corrupt = float(parts[2]) if len(parts) > 2 else 0.3
    except ValueError:
        raise ConfigError(f"cannot read {data!r} as adult[:N[:CORRUPT]]") from None
    if n < 20:
        raise ConfigError(f"use at least 20 rows per table, got {n}")
    return n, corrupt


@lru_cache(maxsize=4)
def _adult_problem(n: int, corrupt: float, master_seed: int) -> MatchingProblem:
    # Blocking and features take seconds; every strategy and seed of a bench reuses them.
    tables = load_adult_records(n, n, corrupt_rate=corrupt, random_state=master_seed)
    problem = build_matching_problem(tables)
    problem.name = f"adult:{n}:{corrupt:g}"
    return problem


def run_matching_cell(data: str, *, model: str | None, strategy: str, seed: int,
                      initial: int, batch: int, budget: int, test_size: float,
                      master_seed: int, initial_method: str = "similarity") -> TaskCurves:
    """One seed of :func:`simulate_matching` (the bench's and ``simulate --task``'s cell).

    ``data`` is ``"adult[:N[:CORRUPT]]"``: ``N`` UCI Adult rows per table (default
    1,000), half of the right table noisy copies of left rows, each field corrupted
    with probability ``CORRUPT`` (default 0.3).  The tables depend on ``master_seed``
    only.  Metrics: ``f1`` / ``precision`` / ``recall`` of the match class and
    ``f1_non_match``; ``n_labels`` counts "same entity?" answers.
    """
    n, corrupt = _parse_data(data)
    model = model or "logreg"
    make_matching_model(model)
    make_strategy(strategy)
    problem = _adult_problem(n, corrupt, master_seed)
    _check_loop(problem, initial=initial, batch=batch, budget=budget, test_size=test_size,
                initial_method=initial_method)
    return _run(problem, seed, model=model, strategy=strategy, initial=initial,
                initial_method=initial_method, batch=batch, budget=budget,
                test_size=test_size, master_seed=master_seed).to_curves()
