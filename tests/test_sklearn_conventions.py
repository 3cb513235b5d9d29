"""scikit-learn's conventions for the public objects: cloneable, parameters in ``__init__``
(get_params round-trips), learned state with a trailing underscore, ``random_state``
wherever there is randomness; and the estimator checks an active learner can pass."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.estimator_checks import check_get_params_invariance, check_set_params

import activelab
from activelab import (
    ActiveLearner,
    LabelBudget,
    MaxUncertainty,
    Pool,
    SimulatedOracle,
    StabilizingPredictions,
    TerminalOracle,
)
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
