"""scikit-learn's conventions for the public objects: cloneable, parameters in ``__init__``
(get_params round-trips), learned state with a trailing underscore, ``random_state``
wherever there is randomness; and the estimator checks an active learner can pass."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import cross_val_score
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_set_params,
    parametrize_with_checks,
)

import activelab
from activelab import (
    ActiveLearner,
    ActiveLearningClassifier,
    LabelBudget,
    MaxUncertainty,
    Pool,
    SimulatedOracle,
    StabilizingPredictions,
    TerminalOracle,
)
from activelab.exceptions import ConfigError
from activelab.strategies import available_strategies, make_strategy
from activelab.tasks.multilabel import (
    MULTILABEL_STRATEGIES,
    MultiLabelLearner,
    MultiLabelPool,
    make_multilabel_strategy,
)
from activelab.tasks.regression import (
    REGRESSION_STRATEGIES,
    RegressionLearner,
    RegressionPool,
    make_regression_strategy,
)

X = np.random.default_rng(0).normal(size=(30, 3))


def public_objects() -> list[tuple[str, BaseEstimator]]:
    return [
        ("ActiveLearner", ActiveLearner(LogisticRegression(), Pool(X, classes=[0, 1]),
                                        random_state=0)),
        ("ActiveLearningClassifier", ActiveLearningClassifier(random_state=0)),
        ("RegressionLearner", RegressionLearner(Ridge(), RegressionPool(X), random_state=0)),
        ("MultiLabelLearner", MultiLabelLearner(LogisticRegression(),
                                                MultiLabelPool(X, labels=["a", "b"]),
                                                random_state=0)),
        ("SimulatedOracle", SimulatedOracle([0, 1] * 15, noise_rate=0.1, random_state=0)),
        ("TerminalOracle", TerminalOracle(["cat", "dog"])),
        ("LabelBudget", LabelBudget(100)),
        ("StabilizingPredictions", StabilizingPredictions(random_state=0)),
        ("MaxUncertainty", MaxUncertainty(random_state=0)),
        *[(f"strategy {name}", make_strategy(name, random_state=0))
          for name in available_strategies()],
        *[(f"regression strategy {name}", make_regression_strategy(name, random_state=0))
          for name in REGRESSION_STRATEGIES],
        *[(f"multilabel strategy {name}", make_multilabel_strategy(name, random_state=0))
          for name in MULTILABEL_STRATEGIES],
    ]


OBJECTS = public_objects()


@pytest.mark.parametrize(("name", "obj"), OBJECTS, ids=[name for name, _ in OBJECTS])
def test_clone_and_get_params_round_trip(name, obj) -> None:
    params = obj.get_params(deep=False)
    assert set(params) == set(inspect.signature(type(obj)).parameters) - {"self"}
    rebuilt = type(obj)(**params)
    assert rebuilt.get_params(deep=False).keys() == params.keys()
    twin = clone(obj)
    assert type(twin) is type(obj)
    for key, value in params.items():
        if isinstance(value, BaseEstimator | np.random.Generator) or key == "pool":
            continue  # cloned or copied, not shared
        assert twin.get_params(deep=False)[key] is value or twin.get_params(
            deep=False)[key] == value
    check_get_params_invariance(name, obj)
    check_set_params(name, obj)


@pytest.mark.parametrize(("name", "obj"), OBJECTS, ids=[name for name, _ in OBJECTS])
def test_learned_state_is_private_or_ends_in_an_underscore(name, obj) -> None:
    params = set(obj.get_params(deep=False))
    public_state = {attr for attr in vars(obj)
                    if attr not in params and not attr.startswith("_")
                    and not attr.endswith("_")}
    assert public_state == set()


@pytest.mark.parametrize(("name", "obj"), OBJECTS, ids=[name for name, _ in OBJECTS])
def test_random_objects_take_random_state(name, obj) -> None:
    random = not isinstance(obj, LabelBudget | TerminalOracle)
    assert ("random_state" in obj.get_params(deep=False)) == random


def test_a_clone_of_a_taught_learner_starts_untrained() -> None:
    y = (X[:, 0] > 0).astype(int)
    learner = ActiveLearner(LogisticRegression(), Pool(X, classes=[0, 1]), random_state=0)
    learner.teach(np.arange(10), y[:10])
    twin = clone(learner)
    assert learner.model_ is not None and len(learner.history_) == 1
    assert twin.model_ is None and twin.history_ == []
    assert twin.pool is not learner.pool  # a copy: teaching the twin leaves the original
    twin.teach([20], [y[20]])
    assert learner.pool.n_labeled == 10


def test_a_used_stopping_criterion_clones_fresh() -> None:
    criterion = StabilizingPredictions(window=1, random_state=0)
    criterion.kappas_.append(0.5)
    assert clone(criterion).kappas_ == []


def test_every_public_class_of_the_package_is_covered() -> None:
    covered = {type(obj) for _, obj in OBJECTS}
    public_classes = {getattr(activelab, name) for name in activelab.__all__
                      if inspect.isclass(getattr(activelab, name))
                      and not issubclass(getattr(activelab, name), Exception | Warning)}
    # Pool holds data and Round is a record; neither is an estimator.
    assert public_classes - covered == {Pool, activelab.Round}


# ActiveLearner takes a Pool and has no fit(X, y), so it is no estimator itself: it works
# with a person in the loop.  ActiveLearningClassifier wraps it as one (fit runs the loop
# on X, answering queries from y) and passes every check of scikit-learn's check_estimator
# (array API input is skipped: it needs SCIPY_ARRAY_API), with models with and without
# predict_proba, dense-only and sparse-capable models, and strategies that need a model,
# none, or the features only.  No check is expected to fail.
WRAPPED = [
    ActiveLearningClassifier(random_state=0),
    ActiveLearningClassifier(LinearSVC(), "entropy", random_state=0),
    ActiveLearningClassifier(DecisionTreeClassifier(), "random", random_state=0),
    ActiveLearningClassifier(GaussianNB(), "coreset", budget=20, random_state=0),
]


@parametrize_with_checks(WRAPPED, expected_failed_checks=lambda estimator: {})
def test_active_learning_classifier_passes_the_estimator_checks(estimator, check) -> None:
    check(estimator)


def test_fit_reads_only_the_labels_it_queries() -> None:
    X, y = load_digits(n_class=3, return_X_y=True)
    X = X / 16.0  # pixel intensities in [0, 1]: the solver converges
    model = ActiveLearningClassifier(budget=30, batch_size=10, random_state=0).fit(X, y)
    assert len(model.labeled_indices_) == 30 and len(model.history_) == 3
    hidden = np.setdiff1d(np.arange(len(y)), model.labeled_indices_)
    shuffled = y.copy()
    shuffled[hidden] = np.random.default_rng(1).permutation(y[hidden])  # the same classes
    twin = ActiveLearningClassifier(budget=30, batch_size=10, random_state=0).fit(X, shuffled)
    np.testing.assert_array_equal(twin.labeled_indices_, model.labeled_indices_)
    np.testing.assert_array_equal(twin.predict_proba(X), model.predict_proba(X))


def test_it_works_where_scikit_learn_expects_a_classifier() -> None:
    X, y = load_digits(return_X_y=True)
    pipeline = make_pipeline(StandardScaler(), ActiveLearningClassifier(
        budget=100, batch_size=30, random_state=0))
    scores = cross_val_score(pipeline, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8  # 100 of 1,198 labels: most of the skill


@pytest.mark.parametrize(("params", "message"), [
    ({"budget": 0}, "budget must be a positive int or a float in"),
    ({"budget": 1.5}, "budget must be a positive int or a float in"),
    ({"budget": True}, "budget must be a positive int or a float in"),
    ({"n_initial": 0}, "n_initial must be a positive int"),
    ({"batch_size": 2.0}, "batch_size must be a positive int"),
    ({"strategy": "nope"}, "unknown strategy 'nope'"),
])
def test_bad_parameters_fail_at_fit_with_a_clear_message(params, message) -> None:
    X, y = load_digits(n_class=2, return_X_y=True)
    with pytest.raises(ConfigError, match=message):
        ActiveLearningClassifier(**params).fit(X, y)


def test_a_budget_spent_on_one_class_is_a_clear_error() -> None:
    X = np.arange(40.0).reshape(20, 2)
    y = np.array([0] * 19 + [1])
    with pytest.raises(ValueError, match="hold one class only; .* raise the budget"):
        ActiveLearningClassifier(n_initial=2, budget=2, random_state=0).fit(X, y)
