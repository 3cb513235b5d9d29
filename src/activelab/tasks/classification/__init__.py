"""Single-label classification: the core learner and simulation, declared as a task.

Classification is the library's core (:class:`activelab.ActiveLearner`,
:func:`activelab.simulation.simulate`); this package declares it as a task like
every other and holds what the annotation server needs of it: features of imported
items (:func:`build_features`), training on answers (:func:`train`) and the model's
guess per item (:func:`describe_guess`).
"""

from ...learner import ActiveLearner
from ...models import MODEL_NAMES
from ...simulation import simulate
from ...strategies import available_strategies
from ..answers import CLASS_ANSWER
from ..contract import ServerHooks, TaskDefinition
from ..item_features import (
    DATA_KINDS,
    IMAGE_SIDE,
    build_features,
    model_kind,
    pixels,
    tabular_columns,
    text_vectorizer,
)
from ._cell import run_classification_cell
from ._serve import describe_guess, train

__all__ = ["TASK", "ActiveLearner", "simulate", "run_classification_cell", "build_features",
           "model_kind", "train", "describe_guess", "DATA_KINDS", "IMAGE_SIDE", "pixels",
           "text_vectorizer", "tabular_columns"]

#: The classification task, as the registry lists it.
TASK = TaskDefinition(
    "classification", item="one text, row of numbers or image", answer_kind=CLASS_ANSWER,
    default_strategy="margin", default_model="logreg", headline="accuracy",
    lower_is_better=False, metrics=("accuracy", "balanced_accuracy", "macro_f1"),
    strategy_names=available_strategies, model_names=MODEL_NAMES, learner_class=ActiveLearner,
    simulate_function=simulate, cell_function=run_classification_cell,
    server_hooks=ServerHooks(model_kind=model_kind, build_features=build_features,
                             train=train, describe_guess=describe_guess))
