"""Active anomaly detection: an analyst confirms or rejects suspected anomalies.

* :class:`SemiSupervisedDetector` - isolation-forest scores re-weighted by a
  classifier trained on the confirmed (1) and rejected (0) items; with no labels
  of both kinds it is the isolation forest alone.
* Strategies (pure scores + the shared top-k selector): :class:`MostAnomalous`
  (the analyst's natural queue), :class:`ThresholdUncertainty` (closest to the
  decision threshold), :class:`HybridAnomaly`, and random.
* :class:`AnomalyLearner` - the query / teach loop with precision@k, average
  precision, ROC-AUC and anomalies found per label in its history.
* Server hooks: :func:`train` on "anomaly" / "normal" answers, :func:`describe_guess`
  (the suspicion with the features that deviate most, :func:`feature_deviations`,
  :func:`unusual_features`).
* :func:`load_anomaly_dataset` (``"adbench:thyroid"``, an ``.npz`` file),
  :func:`run_anomaly_cell` (one seed, for ``activelab simulate --task anomaly`` and
  ``activelab bench``) and :func:`simulate_anomaly` (several seeds).

>>> import numpy as np
>>> from activelab.data import Dataset
>>> rng = np.random.default_rng(0)
>>> X = np.vstack([rng.normal(size=(400, 2)), rng.normal(4, 1, size=(20, 2))])
>>> ds = Dataset("toy", X, np.r_[np.zeros(400, int), np.ones(20, int)], kind="tabular",
...              task="anomaly")
>>> result = simulate_anomaly(ds, strategy="most-anomalous", initial=0, budget=20, seeds=1)
>>> result.runs[0].n_labels
[0, 10, 20]
"""

from ..answers import ANOMALY_ANSWER
from ..contract import ServerHooks, TaskDefinition
from ..item_features import build_features, model_kind
from ._detector import (
    DETECTOR_NAMES,
    SemiSupervisedDetector,
    check_anomaly_features,
    check_anomaly_targets,
    make_classifier,
)
from ._deviations import unusual_features
from ._learner import ANOMALY_METRICS, AnomalyLearner, anomaly_metrics, precision_at_k
from ._serve import UNUSUAL_FEATURES, answer_codes, describe_guess, feature_deviations, train
from ._simulate import (
    AnomalySimulationResult,
    AnomalySplit,
    anomaly_dataset_names,
    load_anomaly_dataset,
    make_anomaly_split,
    run_anomaly_cell,
    simulate_anomaly,
)
from ._strategies import (
    ANOMALY_STRATEGIES,
    HybridAnomaly,
    MostAnomalous,
    ThresholdUncertainty,
    detector_scores,
    make_anomaly_strategy,
    most_anomalous,
    threshold_closeness,
)

__all__ = [
    "TASK",
    "SemiSupervisedDetector",
    "DETECTOR_NAMES",
    "make_classifier",
    "check_anomaly_features",
    "check_anomaly_targets",
    "AnomalyLearner",
    "ANOMALY_METRICS",
    "anomaly_metrics",
    "precision_at_k",
    "MostAnomalous",
    "ThresholdUncertainty",
    "HybridAnomaly",
    "ANOMALY_STRATEGIES",
    "make_anomaly_strategy",
    "most_anomalous",
    "threshold_closeness",
    "detector_scores",
    "load_anomaly_dataset",
    "anomaly_dataset_names",
    "AnomalySplit",
    "make_anomaly_split",
    "run_anomaly_cell",
    "simulate_anomaly",
    "AnomalySimulationResult",
    "train",
    "describe_guess",
    "answer_codes",
    "feature_deviations",
    "UNUSUAL_FEATURES",
    "unusual_features",
]

#: The anomaly task, as the registry lists it.
TASK = TaskDefinition(
    "anomaly", item="one row of features", answer_kind=ANOMALY_ANSWER,
    default_strategy="most-anomalous", default_model="logreg", headline="precision_at_k",
    lower_is_better=False, metrics=ANOMALY_METRICS, strategy_names=ANOMALY_STRATEGIES,
    model_names=DETECTOR_NAMES, learner_class=AnomalyLearner,
    simulate_function=simulate_anomaly, cell_function=run_anomaly_cell,
    server_hooks=ServerHooks(model_kind=model_kind, build_features=build_features,
                             train=train, describe_guess=describe_guess))
