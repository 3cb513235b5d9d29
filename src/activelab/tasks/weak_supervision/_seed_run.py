"""One seed of the weak-supervision comparison: rules + aggregation + end model, or plain AL.

Every strategy of seed ``s`` uses the split and seed set of
:func:`activelab.simulation.make_split`, the same TF-IDF features (fitted on
the pool's texts) and the same end model; only the training labels differ.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from ...exceptions import ActivelabWarning, ConfigError
from ...learner import evaluation_metrics
from ...models.factory import make_model, make_text_vectorizer
from ...simulation import SeedSplit, simulate_run
from ..curves import TaskCurves
from ._label_model import LabelModel, lf_majority_vote
from ._lfs import ABSTAIN, LFSet
from ._rules import mine_keyword_rules, n_keywords

__all__ = ["LF_STRATEGIES", "WeakRun", "weak_label_pool", "run_weak_seed"]

#: strategy -> (where the rules come from, how votes are aggregated).
LF_STRATEGIES: dict[str, tuple[str, str]] = {
    "lf-majority": ("mined", "majority"),
    "lf-label-model": ("mined", "label-model"),
    "lf-hand-majority": ("hand", "majority"),
    "lf-hand-label-model": ("hand", "label-model"),
}
AGGREGATORS = ("majority", "label-model")
_METRICS = ("accuracy", "balanced_accuracy", "macro_f1")


@dataclass
class WeakRun:
    """One seed of one strategy: the curves, and what the weak labels were like.

    ``n_gold`` is the number of true labels bought; ``n_labels`` in ``curves`` is
    the human effort (``n_gold`` plus the hand-written rules' cost, if any).
    ``weak_coverage`` is the fraction of the pool's *other* items that got a weak
    label, ``weak_accuracy`` how many of those were right (measured with the
    hidden truth, for diagnosis only; NaN when there were none).
    """

    strategy: str
    seed: int
    curves: TaskCurves
    n_gold: list[int] = field(default_factory=list)
    n_rules: list[int] = field(default_factory=list)
    weak_coverage: list[float] = field(default_factory=list)
    weak_accuracy: list[float] = field(default_factory=list)


def weak_label_pool(votes: np.ndarray, *, n_classes: int, aggregator: str,
                    gold: np.ndarray | None = None) -> np.ndarray:
    """Training labels of a pool: gold where known, else the aggregated LF votes.

    Parameters
    ----------
    votes : ndarray of int of shape (n_items, n_lfs)
    n_classes : int
    aggregator : {"majority", "label-model"}
    gold : ndarray of int of shape (n_items,), optional
        Known class positions, -1 where unknown; the label model is clamped to them.

    Returns
    -------
    labels : ndarray of int of shape (n_items,)
        Class positions, ``ABSTAIN`` (-1) for items left unlabelled.
    """
    if aggregator == "majority":
        labels = lf_majority_vote(votes, n_classes=n_classes)
    elif aggregator == "label-model":
        labels = LabelModel().fit(votes, n_classes=n_classes, y=gold).predict(votes)
    else:
        raise ConfigError(f"unknown aggregator {aggregator!r}; choose one of "
                          f"{', '.join(AGGREGATORS)}")
    if gold is not None:
        labels = np.where(gold != ABSTAIN, gold, labels)
    return labels


def _label_grid(initial: int, batch: int, budget: int, n_pool: int) -> list[int]:
    """The label counts active learning records: the seed set, then batch after batch."""
    grid = [min(initial, n_pool)]
    while grid[-1] < min(budget, n_pool):
        grid.append(min(grid[-1] + batch, budget, n_pool))
    return grid


def _evaluate(estimator: Any, X_pool: Any, labels: np.ndarray, X_test: Any,
              y_test: np.ndarray) -> tuple[dict[str, float], float]:
    start = time.perf_counter()
    train = np.flatnonzero(labels != ABSTAIN)
    if len(np.unique(labels[train])) < 2:  # as ActiveLearner: no model from one class
        return dict.fromkeys(_METRICS, float("nan")), time.perf_counter() - start
    fitted = clone(estimator).fit(X_pool[train], labels[train])
    seconds = time.perf_counter() - start
    return evaluation_metrics(y_test, fitted.predict(X_test)), seconds


@dataclass
class _Seed:
    """What one seed fixes for every LF strategy."""

    texts: list[str]          # the pool's texts
    y: np.ndarray             # class positions of the pool
    classes: list[Any]
    X_pool: Any
    X_test: Any
    y_test: np.ndarray
    order: np.ndarray         # the order gold labels are bought in: seed set, then random
    estimator: Any


def _run_lf(seed_data: _Seed, strategy: str, seed: int, *, initial: int, batch: int,
            budget: int, labels_per_keyword: float, hand_rules: LFSet | None,
            full_accuracy: float) -> WeakRun:
    source, aggregator = LF_STRATEGIES[strategy]
    d = seed_data
    n_pool, n_classes = len(d.y), len(d.classes)
    grid = _label_grid(initial, batch, budget, n_pool)
    cost = 0
    hand_votes = None
    if source == "hand":
        assert hand_rules is not None  # checked with the strategy names
        cost = int(np.ceil(n_keywords(hand_rules) * labels_per_keyword))
        # Align with the AL grid: effort e buys e - cost gold labels, at least the seed set.
        grid = [e for e in grid if e - cost >= min(initial, n_pool)]
        hand_votes = hand_rules.apply(d.texts)
    run = WeakRun(strategy, seed, TaskCurves(metrics={m: [] for m in _METRICS}))
    for effort in grid:
        start = time.perf_counter()
        n_gold = effort - cost
        gold_idx = d.order[:n_gold]
        gold = np.full(n_pool, ABSTAIN)
        gold[gold_idx] = d.y[gold_idx]
        if source == "hand":
            rules, votes = hand_rules, hand_votes
        else:
            rules = mine_keyword_rules([d.texts[i] for i in gold_idx], d.y[gold_idx],
                                       classes=range(n_classes))
            votes = rules.apply(d.texts) if rules is not None else None
        if votes is None:
            labels = gold
        else:
            labels = weak_label_pool(votes, n_classes=n_classes, aggregator=aggregator,
                                     gold=gold)
        query_seconds = time.perf_counter() - start
        metrics, fit_seconds = _evaluate(d.estimator, d.X_pool, labels, d.X_test, d.y_test)
        weak = (labels != ABSTAIN) & (gold == ABSTAIN)
        curves = run.curves
        curves.n_labels.append(int(effort))
        for name in _METRICS:
            curves.metrics[name].append(metrics[name])
        curves.query_seconds.append(query_seconds)
        curves.fit_seconds.append(fit_seconds)
        run.n_gold.append(int(n_gold))
        run.n_rules.append(0 if rules is None else len(rules))
        run.weak_coverage.append(float(weak.sum() / max(n_pool - n_gold, 1)))
        run.weak_accuracy.append(float(np.mean(labels[weak] == d.y[weak])) if weak.any()
                                 else float("nan"))
    run.curves.reference = {"full_accuracy": full_accuracy,
                            "final_weak_coverage": run.weak_coverage[-1] if grid else np.nan,
                            "final_weak_accuracy": run.weak_accuracy[-1] if grid else np.nan,
                            "final_n_rules": float(run.n_rules[-1]) if grid else np.nan,
                            "rule_effort": float(cost)}
    if hand_votes is not None:
        rules_only = weak_label_pool(hand_votes, n_classes=n_classes, aggregator=aggregator)
        run.curves.reference["rules_only_accuracy"] = _evaluate(
            d.estimator, d.X_pool, rules_only, d.X_test, d.y_test)[0]["accuracy"]
    return run


def run_weak_seed(dataset: Any, split: SeedSplit, strategies: list[str], seed: int, *,
                  model: str, initial: int, batch: int, budget: int,
                  labels_per_keyword: float, hand_rules: LFSet | None) -> list[WeakRun]:
    """Every strategy of one seed, sharing features, end model and reference.

    ``dataset`` is a validated text :class:`~activelab.data.Dataset`; ``strategies``
    are names of :data:`LF_STRATEGIES` or of active-learning strategies.
    """
    classes = sorted(np.unique(dataset.y).tolist(), key=lambda c: (type(c).__name__, c))
    position = {c: i for i, c in enumerate(classes)}
    y = np.array([position[v] for v in dataset.y.tolist()], dtype=np.intp)
    texts = np.asarray(dataset.X, dtype=object)
    vectorizer = make_text_vectorizer()
    X_pool = vectorizer.fit_transform(texts[split.train])
    X_test = vectorizer.transform(texts[split.test])
    y_pool, y_test = y[split.train], y[split.test]
    estimator = make_model(model, "sparse", random_state=split.learner_seed)
    rest = np.setdiff1d(np.arange(len(split.train)), split.initial)
    rng = np.random.default_rng(split.learner_seed)
    order = np.concatenate([split.initial, rng.permutation(rest)]).astype(np.intp)
    seed_data = _Seed([str(t) for t in texts[split.train]], y_pool, classes, X_pool, X_test,
                      y_test, order, estimator)
    runs = []
    # One BLAS thread: lbfgs on sparse TF-IDF is a loop of small products, which extra
    # threads only slow down (10-50x on a busy machine), as in bench.cells.
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", ActivelabWarning)
        full = _evaluate(estimator, X_pool, y_pool, X_test, y_test)[0]["accuracy"]
        for strategy in strategies:
            if strategy in LF_STRATEGIES:
                if hand_rules is not None and LF_STRATEGIES[strategy][0] == "hand":
                    # Votes become positions among the dataset's classes.
                    hand = LFSet(hand_rules.lfs, classes=classes)
                else:
                    hand = None
                runs.append(_run_lf(seed_data, strategy, seed, initial=initial, batch=batch,
                                    budget=budget, labels_per_keyword=labels_per_keyword,
                                    hand_rules=hand, full_accuracy=full))
            else:
                runs.append(_run_al(dataset, split, strategy, seed, model=model, batch=batch,
                                    budget=budget, full_accuracy=full))
    return runs


def _run_al(dataset: Any, split: SeedSplit, strategy: str, seed: int, *, model: str,
            batch: int, budget: int, full_accuracy: float) -> WeakRun:
    result = simulate_run(dataset, split, seed=seed, model=model, strategy=strategy,
                          batch=batch, budget=budget, full_accuracy=full_accuracy)
    curves = TaskCurves(n_labels=list(result.n_labels),
                        metrics={"accuracy": result.accuracy,
                                 "balanced_accuracy": result.balanced_accuracy,
                                 "macro_f1": result.macro_f1},
                        query_seconds=result.query_seconds, fit_seconds=result.fit_seconds,
                        reference={"full_accuracy": full_accuracy, "rule_effort": 0.0})
    n = len(result.n_labels)
    return WeakRun(strategy, seed, curves, n_gold=list(result.n_labels), n_rules=[0] * n,
                   weak_coverage=[0.0] * n, weak_accuracy=[float("nan")] * n)
