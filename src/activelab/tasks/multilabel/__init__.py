"""Active learning for multi-label items: each item can carry several labels.

* :class:`MultiLabelPool` - features plus a 0/1 indicator row per labelled item
  over declared labels (MultiLabelBinarizer semantics).
* :class:`BinaryRelevance` - one binary classifier per label.
* Strategies: :class:`MultiLabelUncertainty` (mean / max margin across labels),
  :class:`CardinalityInconsistency`, :class:`AdaptiveMultiLabel` (their mix).
* :class:`MultiLabelLearner`, :func:`simulate_multilabel`, :func:`multilabel_metrics`.
* Data: :func:`load_multilabel_jsonl` (``{"text": ..., "labels": [...]}`` per line),
  :func:`newsgroups_multilabel` (20 Newsgroups with hierarchy-prefix labels),
  :func:`load_multilabel` (either, by name or path).
* :func:`run_multilabel_cell` - one seed, as ``activelab bench`` runs it.
"""

from ...models.factory import MODEL_NAMES
from ..answers import LABEL_SET_ANSWER
from ..contract import TaskDefinition
from ._cell import load_multilabel, run_multilabel_cell
from ._data import MultiLabelDataset, load_multilabel_jsonl, newsgroups_multilabel
from ._learner import (
    MULTILABEL_STRATEGIES,
    MultiLabelLearner,
    MultiLabelRunResult,
    MultiLabelSimulationResult,
    make_multilabel_strategy,
    simulate_multilabel,
)
from ._model import (
    AdaptiveMultiLabel,
    BinaryRelevance,
    CardinalityInconsistency,
    MultiLabelUncertainty,
    cardinality_inconsistency,
    label_probabilities,
    max_margin_uncertainty,
    mean_margin_uncertainty,
    multilabel_metrics,
)
from ._pool import MultiLabelPool, encode_label_sets

__all__ = [
    "TASK",
    "MultiLabelPool",
    "encode_label_sets",
    "BinaryRelevance",
    "label_probabilities",
    "mean_margin_uncertainty",
    "max_margin_uncertainty",
    "cardinality_inconsistency",
    "MultiLabelUncertainty",
    "CardinalityInconsistency",
    "AdaptiveMultiLabel",
    "multilabel_metrics",
    "MultiLabelLearner",
    "MULTILABEL_STRATEGIES",
    "make_multilabel_strategy",
    "MultiLabelRunResult",
    "MultiLabelSimulationResult",
    "simulate_multilabel",
    "MultiLabelDataset",
    "load_multilabel_jsonl",
    "newsgroups_multilabel",
    "load_multilabel",
    "run_multilabel_cell",
]

#: The multi-label task, as the registry lists it.
TASK = TaskDefinition(
    "multilabel", item="one text", answer_kind=LABEL_SET_ANSWER,
    default_strategy="adaptive", default_model="linearsvm", headline="micro_f1",
    lower_is_better=False, metrics=("micro_f1", "macro_f1", "hamming_loss"),
    strategy_names=MULTILABEL_STRATEGIES, model_names=MODEL_NAMES,
    learner_class=MultiLabelLearner, simulate_function=simulate_multilabel,
    cell_function=run_multilabel_cell)
