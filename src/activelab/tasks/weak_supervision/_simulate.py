"""Weak supervision against active learning at equal effort: one seed, several seeds."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...exceptions import ConfigError, DataError, SingleClassError
from ...metrics import normalized_aulc
from ...simulation import make_split
from ..curves import TaskCurves
from ._lfs import LFSet
from ._rules import HANDWRITTEN_RULES, handwritten_rules, n_keywords
from ._seed_run import LF_STRATEGIES, WeakRun, run_weak_seed

__all__ = ["LABELS_PER_KEYWORD", "WeakSupervisionResult", "strategy_names",
           "simulate_weak_supervision", "run_weak_supervision_cell"]

#: Assumed effort of writing one keyword rule, in labels of short texts: thinking of a
#: keyword and checking it takes roughly as long as reading and labelling three short
#: messages. An assumption, not a measurement; pass another value to change it.
LABELS_PER_KEYWORD = 3.0


@dataclass
class WeakSupervisionResult:
    """Every seed of every strategy on one dataset."""

    dataset: str
    model: str
    initial: int
    batch: int
    budget: int
    test_size: float
    master_seed: int
    labels_per_keyword: float
    runs: list[WeakRun] = field(default_factory=list)

    def of(self, strategy: str) -> list[WeakRun]:
        """The runs of ``strategy``, one per seed."""
        runs = [run for run in self.runs if run.strategy == strategy]
        if not runs:
            raise ConfigError(f"no runs of {strategy!r}; this result holds "
                              f"{', '.join(dict.fromkeys(r.strategy for r in self.runs))}")
        return runs

    def at_effort(self, strategy: str, effort: int, metric: str = "accuracy") -> float:
        """Mean over seeds of ``metric`` after at most ``effort`` labels' worth of work
        (NaN when the strategy cannot be run that cheaply, e.g. rules cost more)."""
        values = []
        for run in self.of(strategy):
            n = np.asarray(run.curves.n_labels)
            if metric not in run.curves.metrics:
                raise ConfigError(f"unknown metric {metric!r}; choose one of "
                                  f"{', '.join(run.curves.metrics)}")
            upto = np.flatnonzero(n <= effort)
            values.append(run.curves.metrics[metric][upto[-1]] if upto.size else np.nan)
        return float(np.mean(values))

    def mean_aulc(self, strategy: str, metric: str = "accuracy") -> float:
        """Mean over seeds of the normalised area under the ``metric`` curve up to ``budget``."""
        return float(np.mean([normalized_aulc(r.curves.n_labels, r.curves.metrics[metric],
                                              self.budget) for r in self.of(strategy)]))


def strategy_names() -> tuple[str, ...]:
    """Every strategy name this task takes: the rule pipelines, then active learning's."""
    from ...strategies import available_strategies

    return (*LF_STRATEGIES, *available_strategies())


def _check_strategies(strategies: Sequence[str]) -> list[str]:
    from ...strategies import available_strategies

    if isinstance(strategies, str):
        strategies = [strategies]
    strategies = list(strategies)
    if not strategies:
        raise ConfigError("name at least one strategy")
    known = set(available_strategies())
    for name in strategies:
        if not isinstance(name, str) or (name not in LF_STRATEGIES and name not in known):
            raise ConfigError(f"unknown strategy {name!r}; choose one of "
                              f"{', '.join(LF_STRATEGIES)} or an active-learning strategy "
                              f"({', '.join(sorted(known))})")
    return strategies


def _check_dataset(dataset: Any) -> None:
    if getattr(dataset, "kind", None) != "text":
        raise ConfigError(f"weak supervision needs a text dataset (keyword rules read raw "
                          f"text); {getattr(dataset, 'name', dataset)!r} is "
                          f"{getattr(dataset, 'kind', type(dataset).__name__)!r}")
    if dataset.task != "classification":
        raise ConfigError(f"{dataset.name} has a {dataset.task} target; weak supervision "
                          "needs class labels")
    classes = np.unique(dataset.y)
    if len(classes) < 2:
        raise SingleClassError(f"{dataset.name} has a single class {classes[0].item()!r}; there is "
                               "nothing to classify")
    if any(not isinstance(t, str) for t in dataset.X):
        raise DataError(f"{dataset.name}: every item must be a string of text")


def _check_numbers(*, model: str, initial: int, batch: int, budget: int, seeds: int,
                   test_size: float, labels_per_keyword: float) -> None:
    from ...models.factory import check_model_name

    check_model_name(model)
    for name, value in (("initial", initial), ("batch", batch), ("seeds", seeds)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ConfigError(f"{name} must be a positive int, got {value!r}")
    if budget < initial:
        raise ConfigError(f"budget ({budget}) must be at least the seed set size ({initial})")
    if not 0 < test_size < 1:
        raise ConfigError(f"test_size must be in (0, 1), got {test_size}")
    if not labels_per_keyword >= 0:
        raise ConfigError(f"labels_per_keyword must be >= 0, got {labels_per_keyword!r}")


def _hand_rules_for(dataset: Any, strategies: list[str], rules: LFSet | None, *,
                    initial: int, budget: int, labels_per_keyword: float) -> LFSet | None:
    """The rules of the lf-hand-* strategies (None if none is asked for), checked to fit
    in the budget together with the seed set."""
    if not any(LF_STRATEGIES.get(s, ("",))[0] == "hand" for s in strategies):
        return None
    if rules is None:
        name = os.path.basename(str(dataset.name)).removeprefix("shared:")
        if name not in HANDWRITTEN_RULES:
            raise ConfigError(f"the lf-hand-* strategies need rules; none are written for "
                              f"{dataset.name!r} (only {', '.join(HANDWRITTEN_RULES)}). Pass "
                              f"rules=LFSet([...]) or use lf-majority / lf-label-model")
        rules = handwritten_rules(name)
    elif not isinstance(rules, LFSet):
        raise ConfigError(f"rules must be an LFSet, got {type(rules).__name__}")
    cost = int(np.ceil(n_keywords(rules) * labels_per_keyword))
    if initial + cost > budget:
        raise ConfigError(f"the hand-written rules ({n_keywords(rules)} keywords) cost {cost} "
                          f"labels at {labels_per_keyword:g} per keyword; with the seed set "
                          f"of {initial} that exceeds the budget of {budget}")
    return rules


def simulate_weak_supervision(dataset: Any, *,
                              strategies: Sequence[str] = ("lf-label-model", "lf-majority",
                                                           "random", "margin"),
                              model: str = "logreg", initial: int = 20, batch: int = 10,
                              budget: int = 300, seeds: int = 3, test_size: float = 0.25,
                              master_seed: int = 0, rules: LFSet | None = None,
                              labels_per_keyword: float = LABELS_PER_KEYWORD
                              ) -> WeakSupervisionResult:
    """Compare weak-supervision pipelines with active learning on one text dataset.

    For seed ``s``, every strategy gets the split and seed set of
    :func:`activelab.simulation.make_split`, the same TF-IDF features and the
    same end model (``model``). The curves' ``n_labels`` is human effort:

    * ``lf-majority`` / ``lf-label-model``: at ``n``, the seed set plus random
      items make ``n`` gold labels; :func:`mine_keyword_rules` writes rules from
      them; the pool's other items get the aggregated votes; the end model trains
      on gold plus weak labels. Effort = ``n``.
    * ``lf-hand-*``: the hand-written ``rules`` (default :func:`handwritten_rules`
      of the dataset) plus gold labels; effort = gold labels + ``labels_per_keyword``
      × keywords, on the same grid of efforts as the other strategies.
    * any other name: plain active learning (:func:`activelab.simulation.simulate_run`).

    Parameters
    ----------
    dataset : activelab.data.Dataset
        A text dataset: ``X`` holds raw strings, ``y`` class labels.
    strategies : sequence of str
    model : str, default="logreg"
        End model, a name of :data:`activelab.models.MODEL_NAMES`.
    initial, batch, budget : int
        Seed-set size, labels per round, total effort in labels.
    seeds : int
    test_size : float
    master_seed : int
    rules : LFSet, optional
        Hand-written rules for the ``lf-hand-*`` strategies.
    labels_per_keyword : float, default=LABELS_PER_KEYWORD

    Returns
    -------
    WeakSupervisionResult

    Raises
    ------
    ConfigError
        Not a text dataset, unknown strategy or model, no hand rules, bad numbers.
    SingleClassError
        The dataset has one class.
    """
    model = model or "logreg"
    _check_dataset(dataset)
    strategies = _check_strategies(strategies)
    _check_numbers(model=model, initial=initial, batch=batch, budget=budget, seeds=seeds,
                   test_size=test_size, labels_per_keyword=labels_per_keyword)
    hand = _hand_rules_for(dataset, strategies, rules, initial=initial, budget=budget,
                           labels_per_keyword=labels_per_keyword)
    result = WeakSupervisionResult(dataset.name, model, initial, batch, budget, test_size,
                                   master_seed, float(labels_per_keyword))
    y = np.asarray(dataset.y)
    for seed in range(seeds):
        split = make_split(y, seed, master_seed=master_seed, test_size=test_size,
                           initial=initial)
        result.runs += run_weak_seed(dataset, split, strategies, seed, model=model,
                                     initial=initial, batch=batch, budget=budget,
                                     labels_per_keyword=labels_per_keyword, hand_rules=hand)
    for run in result.runs:
        run.curves.check()
    return result


def run_weak_supervision_cell(data: str, *, model: str | None, strategy: str, seed: int,
                              initial: int, batch: int, budget: int, test_size: float,
                              master_seed: int) -> TaskCurves:
    """One seed of one strategy of :func:`simulate_weak_supervision` (the bench's cell).

    ``data`` is a named text dataset :func:`activelab.data.load_dataset` accepts
    (``"sms_spam"``, ``"trec"``, ``"mr_polarity"``, ...). Files are not: the runner
    takes no ``text_column``; use :func:`simulate_weak_supervision` for them.
    """
    from ...data import load_dataset

    model = model or "logreg"
    strategies = _check_strategies([strategy])
    _check_numbers(model=model, initial=initial, batch=batch, budget=budget, seeds=1,
                   test_size=test_size, labels_per_keyword=LABELS_PER_KEYWORD)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(f"seed must be a non-negative int, got {seed!r}")
    dataset = load_dataset(data)
    _check_dataset(dataset)
    hand = _hand_rules_for(dataset, strategies, None, initial=initial, budget=budget,
                           labels_per_keyword=LABELS_PER_KEYWORD)
    split = make_split(np.asarray(dataset.y), seed, master_seed=master_seed,
                       test_size=test_size, initial=initial)
    (run,) = run_weak_seed(dataset, split, strategies, seed, model=model, initial=initial,
                           batch=batch, budget=budget, labels_per_keyword=LABELS_PER_KEYWORD,
                           hand_rules=hand)
    return run.curves.check()
