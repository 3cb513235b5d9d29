"""Class imbalance: how fast does active learning find every class?

* :func:`make_imbalanced` - a seeded subsample where some classes are rare (e.g. 1:50).
* :func:`labels_to_cover` - labels spent until every class has ``k`` examples.
* :func:`simulate_class_discovery` - that count over seeds, for any strategy and seed
  set, with the same seed set per seed for every strategy.

:class:`activelab.ActiveLearner` warns (:class:`~activelab.ActivelabWarning`, once
per new set of missing classes) when the pool declares classes that no labelled item has.
"""

from ...learner import ActiveLearner
from ...models import MODEL_NAMES
from ...strategies import available_strategies
from ..answers import CLASS_ANSWER
from ..contract import TaskDefinition
from ._cell import run_imbalance_cell
from ._simulate import (
    ClassDiscoveryResult,
    CoverageRun,
    labels_to_cover,
    make_imbalanced,
    simulate_class_discovery,
)

__all__ = ["TASK", "make_imbalanced", "labels_to_cover", "CoverageRun", "ClassDiscoveryResult",
           "simulate_class_discovery", "run_imbalance_cell"]

#: The class-discovery task, as the registry lists it.
TASK = TaskDefinition(
    "imbalance", item="one item of a pool with rare classes", answer_kind=CLASS_ANSWER,
    default_strategy="margin", default_model="logreg", headline="classes_covered",
    lower_is_better=False, metrics=("classes_found", "classes_covered"),
    strategy_names=available_strategies, model_names=MODEL_NAMES, learner_class=ActiveLearner,
    simulate_function=simulate_class_discovery, cell_function=run_imbalance_cell)
