"""Finding wrong labels: noisy oracles and a confident-learning review queue.

* :func:`inject_label_noise`, :class:`NoisyOracle` - simulate annotators who err,
  uniformly or in a class-dependent way.
* :func:`out_of_sample_probabilities` - seeded, stratified cross-validated probabilities.
* :func:`confident_learning` / :func:`review_queue` - rank labelled items by how likely
  their label is wrong (Northcutt, Jiang & Chuang 2021): per-class thresholds
  ``t_j`` = mean self-confidence of the items labelled ``j``; an item is flagged when
  another class ``k`` reaches its threshold ``t_k`` and beats the given label.
* :func:`precision_at_k` - how many of the first ``k`` reviews find an injected error.
* :func:`train` / :func:`describe_guess` - the annotation server's review of given labels.

Aggregating several annotators per item lives in :mod:`activelab.tasks.cleaning.annotators`.
"""


from ...models import MODEL_NAMES
from ..answers import REVIEW_ANSWER
from ..contract import ServerHooks, TaskDefinition
from ..item_features import build_features, model_kind
from ._cell import CLEANING_STRATEGIES, run_cleaning_cell
from ._confident_learning import (
    RANKING_METHODS,
    ReviewQueue,
    confident_learning,
    out_of_sample_probabilities,
    precision_at_k,
    review_queue,
    review_queue_for,
)
from ._label_noise import NoisyOracle, inject_label_noise, noise_transition_matrix
from ._serve import LabelReview, describe_guess, train

__all__ = ["TASK", "noise_transition_matrix", "inject_label_noise", "NoisyOracle",
           "out_of_sample_probabilities", "confident_learning", "review_queue",
           "review_queue_for", "ReviewQueue", "precision_at_k", "RANKING_METHODS",
           "run_cleaning_cell", "CLEANING_STRATEGIES", "LabelReview", "train", "describe_guess"]

#: The label-cleaning task, as the registry lists it: a review queue ranked once, not a
#: query / teach loop, so it has no learner and no several-seed simulation of its own.
TASK = TaskDefinition(
    "cleaning", item="one labelled item and its given label", answer_kind=REVIEW_ANSWER,
    default_strategy="normalized_margin", default_model="logreg", headline="errors_found",
    lower_is_better=False, metrics=("errors_found", "review_precision", "accuracy"),
    strategy_names=CLEANING_STRATEGIES, model_names=MODEL_NAMES, learner_class=None,
    simulate_function=None, cell_function=run_cleaning_cell,
    server_hooks=ServerHooks(model_kind=model_kind, build_features=build_features,
                             train=train, describe_guess=describe_guess))
