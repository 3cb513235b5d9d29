"""Keyword labeling functions, applied to a corpus at once, and their diagnostics."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from ...exceptions import ConfigError, DataError, UnknownLabelError

__all__ = ["ABSTAIN", "KeywordLF", "LFSet", "check_texts", "lf_summary"]

#: The vote of a labeling function that has no opinion on an item.
ABSTAIN = -1

# Keywords that CountVectorizer's default tokens can find (two or more word characters);
# anything else (one letter, phrases, "£") goes through a regular expression.
_TOKEN = re.compile(r"^\w\w+$")


def _keyword_pattern(keyword: str) -> str:
    """Whole-word regex of ``keyword``: no word character may touch a word-character end
    ("win" misses "window"; "£" still matches "£5"); inner spaces match any whitespace."""
    body = r"\s+".join(map(re.escape, keyword.split()))
    head = r"(?<!\w)" if re.match(r"\w", keyword) else ""
    tail = r"(?!\w)" if re.search(r"\w$", keyword) else ""
    return head + body + tail


def check_texts(texts: Any, *, where: str = "texts") -> list[str]:
    """``texts`` as a list of ``str``; a :class:`DataError` for anything else."""
    if isinstance(texts, str):
        raise DataError(f"{where} must be a sequence of strings, not one string")
    try:
        texts = list(texts)
    except TypeError:
        raise DataError(f"{where} must be a sequence of strings, got "
                        f"{type(texts).__name__}") from None
    if not texts:
        raise DataError(f"no {where} given")
    bad = [i for i, text in enumerate(texts) if not isinstance(text, str)]
    if bad:
        raise DataError(f"{where} must all be strings; item {bad[0]} is "
                        f"{type(texts[bad[0]]).__name__} ({len(bad)} such items)")
    return texts


@dataclass(frozen=True)
class KeywordLF:
    """Vote ``label`` for a text that contains any of ``keywords``; abstain otherwise.

    A keyword matches as whole words, case-insensitively: ``"win"`` matches
    "WIN now" but not "window" (a keyword ending in a symbol, like ``"£"``,
    may touch a word: "£5"); a phrase (``"how many"``) matches across any
    run of whitespace.

    Parameters
    ----------
    keywords : str or sequence of str
    label : hashable
        The class voted for.
    name : str, optional
        Default ``"label:kw1|kw2"``.

    Examples
    --------
    >>> lf = KeywordLF(["free", "prize"], "spam")
    >>> lf("You won a FREE prize!"), lf("see you at home")
    ('spam', None)
    """

    keywords: tuple[str, ...]
    label: Hashable
    name: str = ""
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        raw = (self.keywords,) if isinstance(self.keywords, str) else self.keywords
        try:
            raw = tuple(raw)
        except TypeError:
            raw = ()
        if not raw or not all(isinstance(k, str) and k.strip() for k in raw):
            raise ConfigError(f"keywords must be a non-empty list of non-empty strings, got "
                              f"{self.keywords!r}")
        keywords = tuple(" ".join(k.split()).lower() for k in raw)
        if self.label is None or (isinstance(self.label, float) and np.isnan(self.label)):
            raise ConfigError(f"a labeling function needs a label to vote, got {self.label!r}")
        try:
            hash(self.label)
        except TypeError:
            raise ConfigError(f"label must be hashable, got {self.label!r}") from None
        object.__setattr__(self, "keywords", keywords)
        if not self.name:
            object.__setattr__(self, "name", f"{self.label}:{'|'.join(keywords)}")
        alternatives = "|".join(_keyword_pattern(k) for k in keywords)
        object.__setattr__(self, "_pattern", re.compile(alternatives, re.IGNORECASE))

    def __call__(self, text: str) -> Hashable | None:
        """The label if ``text`` matches, else None (abstain)."""
        return self.label if self._pattern.search(text) else None

    def matches(self, texts: Sequence[str]) -> np.ndarray:
        """Boolean mask of shape (n_texts,): which texts contain a keyword (regex path)."""
        return np.fromiter((self._pattern.search(t) is not None for t in texts), dtype=bool,
                           count=len(texts))


class LFSet:
    """Several labeling functions, applied to a corpus into one vote matrix.

    Parameters
    ----------
    lfs : sequence of KeywordLF
    classes : sequence, optional
        The declared classes; votes are their positions. Default: the LFs'
        labels, sorted. Declare them when some class has no rule.

    Attributes
    ----------
    classes_ : list
    names_ : list of str

    Examples
    --------
    >>> lfs = LFSet([KeywordLF("free", "spam"), KeywordLF(["ok", "lol"], "ham")])
    >>> lfs.classes_
    ['ham', 'spam']
    >>> lfs.apply(["FREE entry", "ok lol", "free? ok"]).tolist()
    [[1, -1], [-1, 0], [1, 0]]
    """

    def __init__(self, lfs: Sequence[KeywordLF], classes: Sequence[Hashable] | None = None):
        lfs = list(lfs)
        if not lfs:
            raise ConfigError("an LFSet needs at least one labeling function")
        wrong = [lf for lf in lfs if not isinstance(lf, KeywordLF)]
        if wrong:
            raise ConfigError(f"labeling functions must be KeywordLF, got "
                              f"{type(wrong[0]).__name__}")
        if classes is None:
            classes = sorted({lf.label for lf in lfs}, key=lambda c: (type(c).__name__, c))
        self.lfs = lfs
        self.classes_ = list(classes)
        position = {c: i for i, c in enumerate(self.classes_)}
        unknown = [lf.label for lf in lfs if lf.label not in position]
        if unknown:
            raise UnknownLabelError(f"labeling functions vote {unknown[:3]!r}, which are not "
                                    f"among the declared classes {self.classes_!r}")
        self.names_ = [lf.name for lf in lfs]
        self._votes = np.array([position[lf.label] for lf in lfs], dtype=np.int32)

    def __len__(self) -> int:
        return len(self.lfs)

    def apply(self, texts: Iterable[str]) -> np.ndarray:
        """The vote matrix of ``texts``.

        Single-word keywords are looked up in one sparse bag-of-words pass over
        the corpus; only phrases and one-letter keywords need a regex per text.

        Returns
        -------
        votes : ndarray of int32 of shape (n_texts, n_lfs)
            The class position voted by each LF, or ``ABSTAIN`` (-1).
        """
        texts = check_texts(texts)
        hits = np.zeros((len(texts), len(self.lfs)), dtype=bool)
        tokens = sorted({k for lf in self.lfs for k in lf.keywords if _TOKEN.match(k)})
        if tokens:
            column = {t: i for i, t in enumerate(tokens)}
            bag = CountVectorizer(vocabulary=tokens, binary=True).transform(texts)
            rows, cols = [], []
            for j, lf in enumerate(self.lfs):
                for k in lf.keywords:
                    if k in column:
                        rows.append(column[k])
                        cols.append(j)
            owner = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                                      shape=(len(tokens), len(self.lfs)))
            hits |= (bag @ owner).toarray() > 0
        for j, lf in enumerate(self.lfs):
            if any(not _TOKEN.match(k) for k in lf.keywords):
                rest = KeywordLF(tuple(k for k in lf.keywords if not _TOKEN.match(k)), lf.label)
                hits[:, j] |= rest.matches(texts)
        return np.where(hits, self._votes[None, :], ABSTAIN).astype(np.int32)

    def summary(self, texts: Iterable[str], y: Sequence[Hashable] | None = None
                ) -> pd.DataFrame:
        """:func:`lf_summary` of these LFs on ``texts`` (and labels ``y`` if known)."""
        texts = check_texts(texts)
        codes = None
        if y is not None:
            position = {c: i for i, c in enumerate(self.classes_)}
            y = list(y)
            unknown = [v for v in y if v not in position]
            if unknown:
                raise UnknownLabelError(f"labels {unknown[:3]!r} are not among the declared "
                                        f"classes {self.classes_!r}")
            codes = np.array([position[v] for v in y], dtype=np.int32)
        return lf_summary(self.apply(texts), codes, names=self.names_, classes=self.classes_)


def lf_summary(votes: Any, y: Any = None, *, names: Sequence[str] | None = None,
               classes: Sequence[Hashable] | None = None) -> pd.DataFrame:
    """Coverage, overlap, conflict and (given labels) empirical accuracy of each LF.

    The figures of Snorkel's ``LFAnalysis``: *coverage* is the fraction of
    items an LF votes on; *overlaps* the fraction where it and at least one
    other LF vote; *conflicts* the fraction where another LF votes a
    different class.

    Parameters
    ----------
    votes : array-like of int of shape (n_items, n_lfs)
        Class positions, ``ABSTAIN`` (-1) for no vote.
    y : array-like of int of shape (n_items,), optional
        True class positions (-1 = unknown); adds ``correct``, ``incorrect``
        and ``emp_accuracy`` (over the labelled items the LF votes on).
    names, classes : sequence, optional

    Returns
    -------
    DataFrame with one row per LF (index = names)
    """
    votes = check_votes(votes)
    n_items, n_lfs = votes.shape
    if names is None:
        names = [f"lf_{j}" for j in range(n_lfs)]
    if len(names) != n_lfs:
        raise DataError(f"{len(names)} names for {n_lfs} labeling functions")
    voted = votes != ABSTAIN
    n_voting = voted.sum(axis=1, keepdims=True)
    others = n_voting - voted > 0
    # Another LF votes a different class: the item has a non-abstaining vote != this one.
    maxv = np.where(voted, votes, -1).max(axis=1, keepdims=True)
    minv = np.where(voted, votes, np.iinfo(np.int32).max).min(axis=1, keepdims=True)
    disagree = voted & ((maxv != votes) | (minv != votes))
    polarity = [sorted(set(votes[voted[:, j], j].tolist())) for j in range(n_lfs)]
    if classes is not None:
        polarity = [[classes[v] for v in p] for p in polarity]
    frame = pd.DataFrame({"polarity": polarity,
                          "coverage": voted.mean(axis=0),
                          "overlaps": (voted & others).mean(axis=0),
                          "conflicts": disagree.mean(axis=0)},
                         index=pd.Index(list(names), name="lf"))
    if y is not None:
        y = np.asarray(y)
        if y.shape != (n_items,):
            raise DataError(f"y has shape {y.shape}; expected ({n_items},)")
        known = voted & (y[:, None] != ABSTAIN)
        correct = (known & (votes == y[:, None])).sum(axis=0)
        incorrect = known.sum(axis=0) - correct
        with np.errstate(invalid="ignore", divide="ignore"):
            frame["correct"] = correct
            frame["incorrect"] = incorrect
            frame["emp_accuracy"] = np.where(correct + incorrect > 0,
                                             correct / np.maximum(correct + incorrect, 1),
                                             np.nan)
    return frame


def check_votes(votes: Any, n_classes: int | None = None) -> np.ndarray:
    """A vote matrix as a 2-D int array with values in [-1, n_classes); DataError otherwise."""
    if sparse.issparse(votes):
        raise DataError("votes must be a dense array (use -1 for abstain), not a sparse matrix")
    array = np.asarray(votes)
    if array.ndim != 2:
        raise DataError(f"votes must be 2-D (n_items, n_lfs), got shape {array.shape}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise DataError(f"votes hold no items or no labeling functions (shape {array.shape})")
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
            raise DataError("votes must be integer class positions (-1 = abstain); got "
                            "NaN or fractional values")
    elif array.dtype.kind not in "iu":
        raise DataError(f"votes must be integer class positions, got dtype {array.dtype}")
    array = array.astype(np.int32)
    if array.min() < ABSTAIN:
        raise DataError(f"votes must be -1 (abstain) or a class position; found {array.min()}")
    if n_classes is not None and array.max() >= n_classes:
        raise DataError(f"a vote names class position {array.max()}, but there are only "
                        f"{n_classes} classes")
    return array
