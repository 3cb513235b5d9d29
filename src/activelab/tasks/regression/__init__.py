"""Active learning for regression: real-valued targets.

* :class:`RegressionPool` - features plus float labels (NaN = unlabelled).
* :class:`RegressionLearner` - the query / teach / retrain loop, RMSE/MAE/R² history.
* Strategies: :class:`CommitteeVariance`, :class:`PredictiveStd`,
  :class:`GreedySampling` (GSx, GSy, iGS of Wu, Lin & Huang 2019).
* :func:`simulate_regression` - learning curves over seeds, same splits for every strategy.

>>> from sklearn.datasets import load_diabetes
>>> from activelab.data import Dataset
>>> X, y = load_diabetes(return_X_y=True)
>>> ds = Dataset("diabetes", X, y, kind="tabular", task="regression")
>>> result = simulate_regression(ds, strategy="igs", initial=10, batch=10, budget=30, seeds=1)
>>> len(result.runs[0].rmse)
3
"""

from ..answers import NUMBER_ANSWER
from ..contract import ServerHooks, TaskDefinition
from ..item_features import build_features, model_kind
from ._learner import (
    REGRESSION_STRATEGIES,
    REGRESSOR_NAMES,
    SPARSE_REGRESSORS,
    RegressionLearner,
    make_regression_strategy,
    make_regressor,
    regression_metrics,
)
from ._pool import RegressionPool, check_targets
from ._serve import INTERVAL_Z, describe_guess, train
from ._simulate import (
    RegressionRunResult,
    RegressionSimulationResult,
    make_regression_split,
    run_regression_cell,
    simulate_regression,
)
from ._strategies import (
    GREEDY_SPACES,
    CommitteeVariance,
    GreedySampling,
    PredictiveStd,
    fit_regression_committee,
    predictive_std,
)

__all__ = [
    "TASK",
    "RegressionPool",
    "RegressionLearner",
    "CommitteeVariance",
    "PredictiveStd",
    "GreedySampling",
    "GREEDY_SPACES",
    "REGRESSION_STRATEGIES",
    "REGRESSOR_NAMES",
    "SPARSE_REGRESSORS",
    "check_targets",
    "fit_regression_committee",
    "predictive_std",
    "make_regression_strategy",
    "make_regressor",
    "regression_metrics",
    "RegressionRunResult",
    "RegressionSimulationResult",
    "make_regression_split",
    "simulate_regression",
    "run_regression_cell",
    "train",
    "describe_guess",
    "INTERVAL_Z",
]

#: The regression task, as the registry lists it.
TASK = TaskDefinition(
    "regression", item="one row of features", answer_kind=NUMBER_ANSWER,
    default_strategy="igs", default_model="ridge", headline="rmse", lower_is_better=True,
    metrics=("rmse", "mae", "r2"), strategy_names=REGRESSION_STRATEGIES,
    model_names=REGRESSOR_NAMES, learner_class=RegressionLearner,
    simulate_function=simulate_regression, cell_function=run_regression_cell,
    server_hooks=ServerHooks(model_kind=model_kind, build_features=build_features,
                             train=train, describe_guess=describe_guess))
