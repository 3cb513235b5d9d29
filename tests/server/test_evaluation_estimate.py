"""The dashboard's accuracy tracks held-out accuracy; cross-validation over the picks does not.

A simulation of the server's queue on sklearn's digits with the server's own
functions: margin sampling picks the training items in batches, the
evaluation items (``random_key >= 1 - eval_fraction``) are interleaved into
each batch by :func:`interleave` and held out of training.  At the end the
model's accuracy on 400 held-out digits is compared with the dashboard's
estimate (accuracy on the labelled evaluation items, Wilson 95% interval) and
with the old figure (k-fold CV over the training labels).  Run with ``-s`` to
print the table that ``docs/dashboard.md`` quotes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from sklearn.datasets import load_digits

from activelab.learner import ActiveLearner
from activelab.models import class_probabilities, make_model
from activelab.pool import Pool
from activelab.server.services.evaluation import interleave, wilson_interval
from activelab.server.services.training import _cv_accuracy

SEEDS = range(5)
BUDGET, BATCH, INITIAL, EVAL_FRACTION, N_TEST = 300, 20, 20, 0.1, 400


@dataclass
class Outcome:
    held_out: float
    cv: float
    estimate: float
    low: float
    high: float
    n_eval: int


def _accuracy(model, classes: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[int, int]:
    guesses = classes[class_probabilities(model, X, len(classes)).argmax(axis=1)]
    return int((guesses == y).sum()), len(y)


def simulate(X: np.ndarray, y: np.ndarray, seed: int) -> Outcome:
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    test, pool_rows = order[:N_TEST], order[N_TEST:]
    X_pool, y_pool = X[pool_rows], y[pool_rows]
    random_key = rng.random(len(pool_rows))  # as the importer draws it
    is_eval = random_key >= 1 - EVAL_FRACTION
    classes = np.unique(y)
    pool = Pool(X_pool, classes=classes.tolist())
    estimator = make_model("logreg", "tabular", random_state=0)
    learner = ActiveLearner(estimator, pool, "margin", random_state=seed)
    first = np.argsort(random_key)[:INITIAL]  # before a model: ascending random_key
    learner.teach(first, y_pool[first].tolist())
    evaluated: list[int] = []
    version = 0
    while pool.n_labeled < BUDGET:
        version += 1
        open_rows = np.setdiff1d(pool.unlabeled_indices, evaluated)
        priority = learner.strategy_.score(pool, learner.model_, open_rows)
        priority = interleave(priority, is_eval[open_rows], EVAL_FRACTION,
                              np.random.default_rng([seed, version]))
        served = open_rows[np.argsort(-priority, kind="stable")[:BATCH]]
        evaluated += served[is_eval[served]].tolist()
        training = served[~is_eval[served]]
        learner.teach(training, y_pool[training].tolist())
    correct, n = _accuracy(learner.model_, classes, X[test], y[test])
    cv, _ = _cv_accuracy(estimator, *pool.training_data())
    eval_rows = np.asarray(evaluated)
    eval_correct, n_eval = _accuracy(learner.model_, classes, X_pool[eval_rows],
                                     y_pool[eval_rows])
    low, high = wilson_interval(eval_correct, n_eval)
    return Outcome(correct / n, cv, eval_correct / n_eval, low, high, n_eval)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_evaluation_items_track_held_out_accuracy_where_cv_does_not():
    digits = load_digits()
    outcomes = [simulate(digits.data, digits.target, seed) for seed in SEEDS]
    print("\nseed  held-out  CV (biased)  evaluation items [95% interval]  n_eval")
    for seed, o in zip(SEEDS, outcomes, strict=True):
        print(f"{seed:>4}  {o.held_out:8.3f}  {o.cv:11.3f}  {o.estimate:.3f} "
              f"[{o.low:.3f}, {o.high:.3f}]  {o.n_eval:>20}")
    cv_error = np.mean([abs(o.cv - o.held_out) for o in outcomes])
    eval_error = np.mean([abs(o.estimate - o.held_out) for o in outcomes])
    covered = sum(o.low <= o.held_out <= o.high for o in outcomes)
    print(f"mean |CV - held-out| = {cv_error:.3f}; mean |estimate - held-out| = "
          f"{eval_error:.3f}; held-out inside the interval in {covered} of {len(outcomes)}")
    assert all(o.n_eval >= 20 for o in outcomes)  # about one label in ten
    assert eval_error < cv_error
    assert covered > len(outcomes) / 2
