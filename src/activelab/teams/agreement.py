"""Inter-annotator agreement: Cohen's, Fleiss' kappa and Krippendorff's alpha.

Ratings are a matrix of shape ``(n_items, n_annotators)``: integer class codes
``0..n_classes-1`` with ``-1`` where an annotator did not label the item
(nominal), or floats with ``NaN`` for missing (interval).  Missing labels are
handled as each definition does:

* Cohen's kappa of a pair uses the items both annotators labelled.
* Krippendorff's alpha uses every item with at least two labels ("pairable
  values"), whoever gave them; it is defined for any pattern of missing labels.
* Fleiss' kappa is defined for a constant number of raters per item; with
  varying numbers (``n_i`` labels on item ``i``) each item's agreement is
  ``sum_j n_ij (n_ij - 1) / (n_i (n_i - 1))`` and class proportions are pooled
  over the items used (those with at least two labels).  With a constant number
  of raters this is exactly Fleiss (1971).

Per-class figures binarise the ratings (this class against the others); per
label figures of multi-label answers treat each label as a yes/no question.

Examples
--------
>>> import numpy as np
>>> ratings = np.array([[0, 0, 1], [1, 1, 1], [0, 0, -1], [2, 2, 2]])
>>> round(fleiss_kappa(ratings, 3), 3)
0.748
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..exceptions import DataError

__all__ = ["MISSING", "counts_table", "fleiss_kappa", "fleiss_kappa_per_class",
           "krippendorff_alpha", "krippendorff_alpha_per_class", "cohen_kappa_matrix",
           "per_label_agreement", "AgreementReport", "agreement_report"]

#: The code of a missing nominal label.
MISSING = -1


def _check_nominal(ratings: Any, n_classes: int | None) -> tuple[np.ndarray, int]:
    ratings = np.asarray(ratings)
    if ratings.ndim != 2:
        raise DataError(f"ratings must be a 2-d array (items x annotators), got shape "
                        f"{ratings.shape}")
    if ratings.size and not np.issubdtype(ratings.dtype, np.integer):
        raise DataError("nominal ratings must be integer class codes (-1 for missing)")
    ratings = ratings.astype(np.intp, copy=False)
    if ratings.size and ratings.min(initial=0) < MISSING:
        raise DataError("class codes must be >= 0 (-1 marks a missing label)")
    top = int(ratings.max(initial=MISSING))
    if n_classes is None:
        n_classes = top + 1
    elif top >= n_classes:
        raise DataError(f"class code {top} is out of range for {n_classes} classes")
    return ratings, max(n_classes, 1)


def counts_table(ratings: Any, n_classes: int | None = None) -> np.ndarray:
    """Labels per item and class, shape ``(n_items, n_classes)`` (missing labels left out)."""
    ratings, n_classes = _check_nominal(ratings, n_classes)
    return _counts(ratings, n_classes)


def _counts(ratings: np.ndarray, n_classes: int) -> np.ndarray:
    n_items = ratings.shape[0]
    rows, cols = np.nonzero(ratings != MISSING)
    flat = rows * n_classes + ratings[rows, cols]
    return np.bincount(flat, minlength=n_items * n_classes).reshape(n_items, n_classes)


def _fleiss_from_counts(counts: np.ndarray) -> tuple[float, np.ndarray]:
    """(overall kappa, per-class kappa) from an items-by-classes count table."""
    m = counts.sum(axis=1)
    counts = counts[m >= 2].astype(float)
    m = m[m >= 2].astype(float)
    n_classes = counts.shape[1]
    if len(m) == 0:
        return float("nan"), np.full(n_classes, np.nan)
    pairs = m * (m - 1)
    p_item = ((counts * (counts - 1)).sum(axis=1) / pairs)
    p_class = counts.sum(axis=0) / m.sum()
    p_bar, p_e = p_item.mean(), float((p_class ** 2).sum())
    overall = (p_bar - p_e) / (1 - p_e) if p_e < 1 else float("nan")
    disagreement = (counts * (m[:, None] - counts) / pairs[:, None]).mean(axis=0)
    expected = p_class * (1 - p_class)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_class = np.where(expected > 0, 1 - disagreement / expected, np.nan)
    return float(overall), per_class


def fleiss_kappa(ratings: Any, n_classes: int | None = None) -> float:
    """Fleiss' kappa over the items with at least two labels (NaN when none or no variation).

    Parameters
    ----------
    ratings : array-like of shape (n_items, n_annotators)
        Class codes, ``-1`` for missing.
    n_classes : int, optional
        Number of classes (default: the largest code + 1).
    """
    return _fleiss_from_counts(counts_table(ratings, n_classes))[0]


def fleiss_kappa_per_class(ratings: Any, n_classes: int | None = None) -> np.ndarray:
    """Fleiss' category-specific kappa (Fleiss 1971, eq. 10), shape ``(n_classes,)``."""
    return _fleiss_from_counts(counts_table(ratings, n_classes))[1]


def _alpha_nominal(counts: np.ndarray) -> float:
    m = counts.sum(axis=1)
    keep = m >= 2
    counts, m = counts[keep].astype(float), m[keep].astype(float)
    n = m.sum()
    if n == 0:
        return float("nan")
    observed = ((m ** 2 - (counts ** 2).sum(axis=1)) / (m - 1)).sum()
    totals = counts.sum(axis=0)
    expected = n ** 2 - (totals ** 2).sum()
    return float(1 - (n - 1) * observed / expected) if expected > 0 else float("nan")


def _alpha_interval(values: np.ndarray) -> float:
    present = ~np.isnan(values)
    m = present.sum(axis=1)
    keep = m >= 2
    values, present, m = values[keep], present[keep], m[keep].astype(float)
    n = m.sum()
    if n == 0:
        return float("nan")
    x = np.where(present, values - np.nanmean(values), 0.0)  # centred: less cancellation
    s1, s2 = x.sum(axis=1), (x ** 2).sum(axis=1)
    # Sum of (x_i - x_j)^2 over ordered pairs of an item's values: 2 m S2 - 2 S1^2.
    observed = ((2 * m * s2 - 2 * s1 ** 2) / (m - 1)).sum()
    expected = 2 * n * s2.sum() - 2 * s1.sum() ** 2
    return float(1 - (n - 1) * observed / expected) if expected > 0 else float("nan")


def krippendorff_alpha(ratings: Any, level: Literal["nominal", "interval"] = "nominal",
                       n_classes: int | None = None) -> float:
    """Krippendorff's alpha over the pairable values (items with at least two labels).

    Parameters
    ----------
    ratings : array-like of shape (n_items, n_annotators)
        Nominal: class codes with ``-1`` for missing.  Interval: numbers with NaN
        for missing.
    level : {"nominal", "interval"}
        The difference function: 0/1 for nominal, squared difference for interval.
    """
    if level == "interval":
        values = np.asarray(ratings, dtype=float)
        if values.ndim != 2:
            raise DataError(f"ratings must be a 2-d array (items x annotators), got shape "
                            f"{values.shape}")
        return _alpha_interval(values)
    if level != "nominal":
        raise DataError(f"unknown level {level!r}; use 'nominal' or 'interval'")
    return _alpha_nominal(counts_table(ratings, n_classes))


def _alpha_per_class(counts: np.ndarray) -> np.ndarray:
    m = counts.sum(axis=1, keepdims=True)
    return np.array([_alpha_nominal(np.hstack([counts[:, [j]], m - counts[:, [j]]]))
                     for j in range(counts.shape[1])])


def krippendorff_alpha_per_class(ratings: Any, n_classes: int | None = None) -> np.ndarray:
    """Nominal alpha of each class against the rest, shape ``(n_classes,)``."""
    return _alpha_per_class(counts_table(ratings, n_classes))


def _pair_confusions(ratings: np.ndarray, n_classes: int) -> np.ndarray:
    """Confusion matrices of every ordered pair, shape ``(A, A, K, K)``."""
    one_hot = (ratings[:, :, None] == np.arange(n_classes)).astype(float)
    return np.einsum("iak,ibl->abkl", one_hot, one_hot)


def _kappa_of_confusions(confusions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(kappa, number of common items) of each confusion matrix in the last two axes."""
    total = confusions.sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        p_o = np.trace(confusions, axis1=-2, axis2=-1) / total
        p_e = (confusions.sum(axis=-1) * confusions.sum(axis=-2)).sum(axis=-1) / total ** 2
        kappa = np.where((total > 0) & (p_e < 1), (p_o - p_e) / (1 - p_e), np.nan)
    return kappa, total


def cohen_kappa_matrix(ratings: Any, n_classes: int | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Cohen's kappa of every pair of annotators on the items both labelled.

    Returns
    -------
    kappa : ndarray of shape (n_annotators, n_annotators)
        NaN where a pair shares no item or its labels never vary.
    common : ndarray of shape (n_annotators, n_annotators)
        Items both annotators labelled.
    """
    ratings, n_classes = _check_nominal(ratings, n_classes)
    kappa, total = _kappa_of_confusions(_pair_confusions(ratings, n_classes))
    return kappa, total.astype(np.intp)


def per_label_agreement(indicators: Any, observed: Any) -> dict[str, np.ndarray]:
    """Agreement per label of multi-label answers (each label a yes/no question).

    Parameters
    ----------
    indicators : array-like of bool, shape (n_items, n_annotators, n_labels)
        Whether the annotator chose the label for the item.
    observed : array-like of bool, shape (n_items, n_annotators)
        Whether the annotator answered the item at all.

    Returns
    -------
    dict with ``fleiss_kappa`` and ``krippendorff_alpha``, each of shape (n_labels,).
    """
    indicators = np.asarray(indicators, dtype=bool)
    observed = np.asarray(observed, dtype=bool)
    if indicators.ndim != 3 or indicators.shape[:2] != observed.shape:
        raise DataError("indicators must be (n_items, n_annotators, n_labels) and observed "
                        "(n_items, n_annotators)")
    yes = (indicators & observed[:, :, None]).sum(axis=1)
    m = observed.sum(axis=1)[:, None]
    fleiss, alpha = [], []
    for label in range(indicators.shape[2]):
        counts = np.hstack([m - yes[:, [label]], yes[:, [label]]])
        fleiss.append(_fleiss_from_counts(counts)[0])
        alpha.append(_alpha_nominal(counts))
    return {"fleiss_kappa": np.array(fleiss), "krippendorff_alpha": np.array(alpha)}


@dataclass
class AgreementReport:
    """Agreement of a team on nominal labels (NaN where a figure is undefined)."""

    n_items_used: int               # items with at least two labels
    fleiss_kappa: float
    krippendorff_alpha: float
    fleiss_kappa_per_class: np.ndarray        # (n_classes,)
    krippendorff_alpha_per_class: np.ndarray  # (n_classes,)
    pairwise_cohen_kappa: np.ndarray          # (n_annotators, n_annotators)
    pairwise_common_items: np.ndarray         # (n_annotators, n_annotators)
    annotator_labels: np.ndarray              # (n_annotators,) labels on the items used
    annotator_mean_kappa: np.ndarray          # (n_annotators,) mean kappa with the others
    annotator_agreement: np.ndarray           # (n_annotators,) share of agreeing pairs


def agreement_report(ratings: Any, n_classes: int | None = None) -> AgreementReport:
    """Every agreement figure of nominal ``ratings`` (see the module docstring)."""
    ratings, n_classes = _check_nominal(ratings, n_classes)
    used = (ratings != MISSING).sum(axis=1) >= 2
    ratings = ratings[used]
    counts = _counts(ratings, n_classes)
    overall, per_class = _fleiss_from_counts(counts)
    confusions = _pair_confusions(ratings, n_classes)
    kappa, common = _kappa_of_confusions(confusions)
    n_annotators = ratings.shape[1]
    others = ~np.eye(n_annotators, dtype=bool)
    kappa = np.where(others, kappa, np.nan)
    agreeing = np.where(others, np.trace(confusions, axis1=-2, axis2=-1), 0).sum(axis=1)
    pairs = np.where(others, common, 0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(pairs > 0, agreeing / pairs, np.nan)
        finite = np.isfinite(kappa)
        mean_kappa = np.where(finite.any(axis=1),
                              np.where(finite, kappa, 0).sum(axis=1) / finite.sum(axis=1),
                              np.nan)
    return AgreementReport(
        n_items_used=int(used.sum()), fleiss_kappa=overall,
        krippendorff_alpha=_alpha_nominal(counts), fleiss_kappa_per_class=per_class,
        krippendorff_alpha_per_class=_alpha_per_class(counts),
        pairwise_cohen_kappa=kappa, pairwise_common_items=common.astype(np.intp),
        annotator_labels=(ratings != MISSING).sum(axis=0), annotator_mean_kappa=mean_kappa,
        annotator_agreement=share)
