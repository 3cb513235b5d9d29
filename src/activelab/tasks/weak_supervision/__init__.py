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
