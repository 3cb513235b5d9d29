"""Agreement figures against well-kept reference implementations."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from activelab.exceptions import DataError
from activelab.teams import (
    MISSING,
    agreement_report,
    cohen_kappa_matrix,
    counts_table,
    fleiss_kappa,
    fleiss_kappa_per_class,
    krippendorff_alpha,
    krippendorff_alpha_per_class,
    per_label_agreement,
)

krippendorff = pytest.importorskip("krippendorff")
inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")


def _noisy_team(seed: int, n_items: int = 200, n_annotators: int = 5, n_classes: int = 4,
                missing: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(n_classes, size=n_items)
    accuracy = rng.uniform(0.5, 0.95, size=n_annotators)
    correct = rng.random((n_items, n_annotators)) < accuracy
    noise = rng.integers(n_classes, size=(n_items, n_annotators))
    ratings = np.where(correct, truth[:, None], noise)
    ratings[rng.random(ratings.shape) < missing] = MISSING
    return ratings


def _reference_alpha(ratings: np.ndarray, level: str = "nominal") -> float:
    data = np.where(ratings == MISSING, np.nan, ratings).T.astype(float)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


@pytest.mark.parametrize("seed", range(5))
def test_fleiss_kappa_matches_statsmodels(seed):
    ratings = _noisy_team(seed)
    table = counts_table(ratings, 4)
    expected = inter_rater.fleiss_kappa(table, method="fleiss")
    assert fleiss_kappa(ratings, 4) == pytest.approx(expected, abs=1e-12)


def test_fleiss_per_class_binarised_is_statsmodels_on_two_columns():
    ratings = _noisy_team(1)
    table = counts_table(ratings, 4)
    per_class = fleiss_kappa_per_class(ratings, 4)
    for j in range(4):
        binary = np.column_stack([table[:, j], table.sum(axis=1) - table[:, j]])
        assert per_class[j] == pytest.approx(inter_rater.fleiss_kappa(binary), abs=1e-12)


@pytest.mark.parametrize("missing", [0.0, 0.3, 0.6])
@pytest.mark.parametrize("seed", range(3))
def test_nominal_alpha_matches_krippendorff(seed, missing):
    ratings = _noisy_team(seed, missing=missing)
    assert krippendorff_alpha(ratings) == pytest.approx(_reference_alpha(ratings), abs=1e-10)


def test_alpha_per_class_matches_krippendorff_on_binarised_labels():
    ratings = _noisy_team(2, missing=0.4)
    per_class = krippendorff_alpha_per_class(ratings, 4)
    for j in range(4):
        binary = np.where(ratings == MISSING, MISSING, (ratings == j).astype(int))
        assert per_class[j] == pytest.approx(_reference_alpha(binary), abs=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_interval_alpha_matches_krippendorff(seed):
    rng = np.random.default_rng(seed)
    truth = rng.normal(50, 10, size=120)
    values = truth[:, None] + rng.normal(0, 4, size=(120, 4))
    values[rng.random(values.shape) < 0.3] = np.nan
    expected = krippendorff.alpha(reliability_data=values.T, level_of_measurement="interval")
    assert krippendorff_alpha(values, level="interval") == pytest.approx(expected, abs=1e-10)


def test_cohen_kappa_matrix_matches_sklearn_on_common_items():
    ratings = _noisy_team(3, n_annotators=4, missing=0.3)
    kappa, common = cohen_kappa_matrix(ratings, 4)
    for a in range(4):
        for b in range(4):
            both = (ratings[:, a] != MISSING) & (ratings[:, b] != MISSING)
            assert common[a, b] == both.sum()
            expected = cohen_kappa_score(ratings[both, a], ratings[both, b])
            assert kappa[a, b] == pytest.approx(expected, abs=1e-12)


def test_report_of_a_perfect_team_and_per_annotator_figures():
    truth = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    ratings = np.column_stack([truth, truth, truth])
    ratings[0, 2] = 1  # the third annotator disagrees once
    report = agreement_report(ratings, 3)
    assert report.n_items_used == 8
    assert report.annotator_agreement[0] == pytest.approx(15 / 16)
    assert report.annotator_agreement[2] == pytest.approx(14 / 16)
    assert report.pairwise_cohen_kappa[0, 1] == pytest.approx(1.0)
    assert np.isnan(report.pairwise_cohen_kappa[0, 0])
    assert report.annotator_mean_kappa[2] < report.annotator_mean_kappa[0]
    assert report.fleiss_kappa == pytest.approx(inter_rater.fleiss_kappa(counts_table(ratings)))


def test_items_with_one_label_are_left_out():
    ratings = np.array([[0, MISSING], [1, MISSING], [0, 0], [1, 1]])
    report = agreement_report(ratings, 2)
    assert report.n_items_used == 2
    assert report.fleiss_kappa == pytest.approx(1.0)
    assert report.annotator_labels.tolist() == [2, 2]


def test_no_pairable_items_gives_nan_not_an_error():
    ratings = np.array([[0, MISSING], [MISSING, 1]])
    report = agreement_report(ratings, 2)
    assert report.n_items_used == 0
    assert np.isnan(report.fleiss_kappa) and np.isnan(report.krippendorff_alpha)
    assert np.isnan(report.pairwise_cohen_kappa).all()


def test_per_label_agreement_of_multilabel_answers():
    rng = np.random.default_rng(0)
    truth = rng.random((100, 3)) < 0.4
    flips = rng.random((100, 4, 3)) < 0.15
    indicators = truth[:, None, :] ^ flips
    observed = rng.random((100, 4)) < 0.8
    figures = per_label_agreement(indicators, observed)
    for label in range(3):
        binary = np.where(observed, indicators[:, :, label].astype(int), MISSING)
        assert figures["krippendorff_alpha"][label] == pytest.approx(
            _reference_alpha(binary), abs=1e-10)
        assert figures["fleiss_kappa"][label] == pytest.approx(fleiss_kappa(binary, 2))


@pytest.mark.parametrize("bad", [np.zeros(3, dtype=int), np.array([[0.5, 1.0]]),
                                 np.array([[0, -2]])])
def test_bad_ratings_are_a_data_error(bad):
    with pytest.raises(DataError):
        fleiss_kappa(bad)


def test_code_beyond_n_classes_is_a_data_error():
    with pytest.raises(DataError, match="out of range"):
        fleiss_kappa(np.array([[0, 3]]), n_classes=2)


def test_unknown_level_is_a_data_error():
    with pytest.raises(DataError, match="unknown level"):
        krippendorff_alpha(np.array([[0, 1]]), level="ordinal")  # type: ignore[arg-type]
