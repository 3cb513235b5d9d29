"""Where the rules come from: a simulated rule writer, and hand-written rule sets.

The simulated rule writer makes "equal human effort" literal: it reads the
same ``n`` labelled items active learning would get, and keeps the words that
predict a class among them (the data-driven rule generation of Snuba/Reef,
Varma & Ré 2018, reduced to keywords). Its rules cost no labels beyond those n.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from ...exceptions import ConfigError, DataError, UnknownLabelError
from ._lfs import KeywordLF, LFSet, check_texts

__all__ = ["mine_keyword_rules", "HANDWRITTEN_RULES", "handwritten_rules"]


def mine_keyword_rules(texts: Sequence[str], labels: Sequence[Hashable], *,
                       classes: Sequence[Hashable] | None = None,
                       min_precision: float = 0.8, min_support: int = 2,
                       max_rules_per_class: int = 10) -> LFSet | None:
    """Keyword rules a person could read off ``n`` labelled texts.

    A word becomes a rule for class ``c`` when, among the labelled texts that
    contain it, at least ``min_support`` are ``c`` and the fraction that are
    ``c`` (its precision) is at least ``min_precision`` *and* above the share
    of ``c`` among all labelled texts (a rule no better than "always say c"
    adds nothing). Rules are ranked by precision × support; each class keeps
    its best ``max_rules_per_class`` (ties broken alphabetically).

    Parameters
    ----------
    texts : sequence of str of length n
    labels : sequence of length n
    classes : sequence, optional
        Declared classes (default: the labels seen, sorted).
    min_precision : float in (0.5, 1], default=0.8
    min_support : int, default=2
    max_rules_per_class : int, default=10

    Returns
    -------
    LFSet or None
        None when no word qualifies (e.g. too few labels).

    Examples
    --------
    >>> texts = ["win cash now", "cash prize", "see you", "see you soon", "win a prize"]
    >>> rules = mine_keyword_rules(texts, ["spam", "spam", "ham", "ham", "spam"])
    >>> rules.names_
    ['ham:see', 'ham:you', 'spam:cash', 'spam:prize', 'spam:win']
    """
    texts = check_texts(texts)
    labels = list(labels)
    if len(labels) != len(texts):
        raise DataError(f"{len(texts)} texts but {len(labels)} labels")
    if not 0.5 < min_precision <= 1:
        raise ConfigError(f"min_precision must be in (0.5, 1], got {min_precision!r}")
    for name, value in (("min_support", min_support),
                        ("max_rules_per_class", max_rules_per_class)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ConfigError(f"{name} must be a positive int, got {value!r}")
    if classes is None:
        classes = sorted(set(labels), key=lambda c: (type(c).__name__, c))
    classes = list(classes)
    position = {c: i for i, c in enumerate(classes)}
    unknown = [v for v in labels if v not in position]
    if unknown:
        raise UnknownLabelError(f"labels {unknown[:3]!r} are not among the declared classes "
                                f"{classes!r}")
    codes = np.array([position[v] for v in labels])
    try:
        bag = CountVectorizer(binary=True).fit(texts)
    except ValueError:  # every text is empty or one-letter words: no vocabulary
        return None
    present = bag.transform(texts).tocsc()
    words = bag.get_feature_names_out()
    onehot = np.zeros((len(texts), len(classes)))
    onehot[np.arange(len(texts)), codes] = 1.0
    support = np.asarray(present.T @ onehot)  # (n_words, n_classes)
    total = support.sum(axis=1, keepdims=True)
    precision = support / total
    share = onehot.mean(axis=0)
    ok = (support >= min_support) & (precision >= min_precision) & (precision > share)
    rules = []
    for k, label in enumerate(classes):
        rows = np.flatnonzero(ok[:, k])
        score = precision[rows, k] * support[rows, k]
        order = sorted(range(len(rows)), key=lambda i: (-score[i], words[rows[i]]))
        rules += [KeywordLF((str(words[rows[i]]),), label)
                  for i in order[:max_rules_per_class]]
    return LFSet(rules, classes=classes) if rules else None


#: Keyword rules written from general knowledge of each task before any result
#: was seen (not tuned on the data). One keyword = one rule = one unit of effort.
HANDWRITTEN_RULES: dict[str, dict[str, tuple[str, ...]]] = {
    "sms_spam": {
        "spam": ("free", "txt", "prize", "claim", "won", "winner", "cash", "urgent",
                 "mobile", "reply", "stop", "award", "guaranteed", "ringtone", "www"),
        "ham": ("ok", "lol", "sorry", "later", "home", "haha"),
    },
    "trec": {
        "HUM": ("who", "whom", "whose"),
        "LOC": ("where", "country", "city"),
        "NUM": ("how many", "how much", "when", "what year", "how long", "how far",
                "how old"),
        "DESC": ("why", "define", "definition", "describe", "how do", "how does"),
        "ABBR": ("stand for", "abbreviation", "acronym"),
        "ENTY": ("what kind", "what type", "color", "animal", "game"),
    },
}


def handwritten_rules(name: str, classes: Sequence[Hashable] | None = None) -> LFSet:
    """The hand-written rule set of dataset ``name``: one :class:`KeywordLF` per keyword.

    Raises
    ------
    ConfigError
        No rule set is written for ``name``.
    """
    try:
        table = HANDWRITTEN_RULES[name]
    except (KeyError, TypeError):
        raise ConfigError(f"no hand-written rules for {name!r}; they exist for "
                          f"{', '.join(HANDWRITTEN_RULES)}") from None
    lfs = [KeywordLF((keyword,), label) for label, words in table.items() for keyword in words]
    return LFSet(lfs, classes=classes)


def n_keywords(rules: Any) -> int:
    """How many keywords a rule set holds (the unit its writing effort is counted in)."""
    return sum(len(lf.keywords) for lf in rules.lfs)
