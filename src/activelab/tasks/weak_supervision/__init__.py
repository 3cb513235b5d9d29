"""Weak supervision next to active learning, at equal human effort.

Instead of labelling items one by one, a person writes rules ("a message
with *prize* is spam"); the rules' votes are aggregated into labels for the
whole pool, and an ordinary classifier is trained on them.

* :class:`KeywordLF` - vote a class when a text contains a keyword, else abstain.
* :class:`LFSet` - many LFs applied to a corpus at once: an (n_items, n_lfs) vote
  matrix; :func:`lf_summary` gives coverage, overlaps, conflicts, accuracy per LF.
* :func:`lf_majority_vote` and :class:`LabelModel` - votes to labels (the label
  model learns how often each rule fires per class, abstentions included).
* :func:`mine_keyword_rules` - a simulated rule writer who reads the same ``n``
  labelled items active learning would get; :func:`handwritten_rules` - fixed rule
  sets for ``sms_spam`` and ``trec``, whose writing is charged
  ``labels_per_keyword`` labels per keyword.
* :func:`simulate_weak_supervision` and :func:`run_weak_supervision_cell` - the
  comparison, with strategies ``lf-majority``, ``lf-label-model``,
  ``lf-hand-majority``, ``lf-hand-label-model`` and any active-learning strategy
  (``random``, ``margin``, ...), all on the same split, seed set and end model.

>>> lfs = LFSet([KeywordLF(["free", "prize"], "spam"), KeywordLF(["ok", "lol"], "ham")])
>>> votes = lfs.apply(["Free prize inside", "ok see you", "hello there"])
>>> votes.tolist()
[[1, -1], [-1, 0], [-1, -1]]
>>> lf_majority_vote(votes, n_classes=2).tolist()
[1, 0, -1]
"""

from ...learner import ActiveLearner
from ...models import MODEL_NAMES
from ..answers import CLASS_ANSWER
from ..contract import TaskDefinition
from ._label_model import LabelModel, lf_majority_vote
from ._lfs import ABSTAIN, KeywordLF, LFSet, lf_summary
from ._rules import HANDWRITTEN_RULES, handwritten_rules, mine_keyword_rules
from ._seed_run import AGGREGATORS, LF_STRATEGIES, WeakRun, weak_label_pool
from ._simulate import (
    LABELS_PER_KEYWORD,
    WeakSupervisionResult,
    run_weak_supervision_cell,
    simulate_weak_supervision,
    strategy_names,
)

__all__ = [
    "TASK",
    "ABSTAIN",
    "KeywordLF",
    "LFSet",
    "lf_summary",
    "lf_majority_vote",
    "LabelModel",
    "AGGREGATORS",
    "weak_label_pool",
    "mine_keyword_rules",
    "HANDWRITTEN_RULES",
    "handwritten_rules",
    "LF_STRATEGIES",
    "LABELS_PER_KEYWORD",
    "WeakRun",
    "WeakSupervisionResult",
    "simulate_weak_supervision",
    "run_weak_supervision_cell",
    "strategy_names",
]

#: The weak-supervision task, as the registry lists it: a person labels items (rules are
#: mined from those labels or written by hand), so an answer is one class.
TASK = TaskDefinition(
    "weak-supervision", item="one text", answer_kind=CLASS_ANSWER,
    default_strategy="lf-label-model", default_model="logreg", headline="accuracy",
    lower_is_better=False, metrics=("accuracy", "balanced_accuracy", "macro_f1"),
    strategy_names=strategy_names, model_names=MODEL_NAMES, learner_class=ActiveLearner,
    simulate_function=simulate_weak_supervision, cell_function=run_weak_supervision_cell)
