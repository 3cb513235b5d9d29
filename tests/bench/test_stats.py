"""Statistics on hand-made learning curves whose answers are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from activelab import ConfigError
from activelab.bench import (
    aulc_per_seed,
    labels_to_target,
    learning_curves,
    paired_tests,
    penalty_matrix,
    win_tie_loss,
)
from activelab.bench.cells import COLUMNS
from activelab.bench.stats import paired_p_value, query_times, ratio_bounds, versus_best

N_LABELS = [10, 20, 30, 40, 50]


def tidy(curves: dict[tuple[str, str, int], list[float]], full: float = 1.0,
         budget: int = 50) -> pd.DataFrame:
    """A results table from {(dataset, strategy, seed): accuracy per label count}."""
    rows = []
    for (dataset, strategy, seed), values in curves.items():
        for i, (n, value) in enumerate(zip(N_LABELS, values, strict=True)):
            base = dict(dataset=dataset, model="logreg", strategy=strategy, seed=seed,
                        initial=10, batch=10, budget=budget, round=i, n_labels=n,
                        cell=f"{dataset}-{strategy}-{seed}")
            rows.append({**base, "metric": "accuracy", "value": value})
            rows.append({**base, "metric": "query_seconds", "value": 0.5 if i else 0.0})
            rows.append({**base, "metric": "fit_seconds", "value": 0.25})
        rows.append(dict(dataset=dataset, model="logreg", strategy=strategy, seed=seed,
                         initial=10, batch=10, budget=budget, round=len(values), n_labels=400,
                         metric="full_accuracy", value=full, cell=f"{dataset}-{strategy}-{seed}"))
    return pd.DataFrame(rows)[COLUMNS]


def shifted(base: list[float], shift: float) -> list[float]:
    return [base[0], *(v + shift for v in base[1:])]


BASE = [0.5, 0.6, 0.7, 0.8, 0.9]
SEEDS = range(6)


def noisy(seed: int) -> list[float]:
    wobble = [0.0, 0.01, -0.01, 0.005, -0.005, 0.0][seed]
    return [BASE[0], *(v + wobble for v in BASE[1:])]


def test_learning_curves_mean_and_std():
    table = tidy({("d", "random", 0): [0.5, 0.6, 0.7, 0.8, 0.9],
                  ("d", "random", 1): [0.5, 0.8, 0.9, 0.8, 0.9]})
    curves = learning_curves(table)
    assert curves["n_labels"].tolist() == N_LABELS
    np.testing.assert_allclose(curves["mean"], [0.5, 0.7, 0.8, 0.8, 0.9])
    np.testing.assert_allclose(curves["std"], [0.0, 0.1, 0.1, 0.0, 0.0])
    assert (curves["n"] == 2).all()


def test_aulc_is_the_normalised_area():
    table = tidy({("d", "random", 0): BASE}, budget=60)  # held flat at 0.9 from 50 to 60
    aulc = aulc_per_seed(table)
    expected = (np.trapezoid(BASE, N_LABELS) + 10 * 0.9) / 50
    assert aulc["aulc"].iloc[0] == pytest.approx(expected)


def test_unknown_metric_is_a_config_error():
    with pytest.raises(ConfigError, match="no rows for metric 'auc'"):
        learning_curves(tidy({("d", "random", 0): BASE}), "auc")


def test_labels_to_target_and_ratio_to_random():
    table = tidy({("d", "random", 0): [0.5, 0.6, 0.7, 0.8, 0.96],
                  ("d", "margin", 0): [0.5, 0.7, 0.95, 0.99, 1.0],
                  ("d", "slow", 0): [0.5, 0.5, 0.5, 0.5, 0.5]}, full=1.0)
    result = labels_to_target(table, (0.95, 0.99)).set_index("strategy")
    assert result.loc["random", "labels_95"] == 50 and np.isnan(result.loc["random", "labels_99"])
    assert result.loc["margin", "labels_95"] == 30 and result.loc["margin", "labels_99"] == 40
    assert result.loc["margin", "ratio_95"] == pytest.approx(30 / 50)
    assert result.loc["random", "ratio_95"] == 1.0
    assert np.isnan(result.loc["margin", "ratio_99"])  # random never reached 99%
    assert np.isnan(result.loc["slow", "labels_95"]) and np.isnan(result.loc["slow", "ratio_95"])
    assert (result["full_accuracy"] == 1.0).all()


def test_win_tie_loss_across_datasets():
    curves = {}
    for seed in SEEDS:
        for dataset in ("a", "b", "c"):
            curves[(dataset, "random", seed)] = noisy(seed)
        curves[("a", "good", seed)] = shifted(noisy(seed), 0.05 + 0.001 * seed)  # clear win
        curves[("b", "good", seed)] = shifted(noisy(seed), 0.05 + 0.001 * seed)
        curves[("c", "good", seed)] = shifted(noisy(seed), [0.01, -0.01][seed % 2])  # tie
        curves[("a", "bad", seed)] = shifted(noisy(seed), -0.05 - 0.001 * seed)  # loss
        curves[("b", "bad", seed)] = noisy(seed)  # identical to random: tie, p = 1
        curves[("c", "bad", seed)] = shifted(noisy(seed), -0.05 - 0.001 * seed)
    tests = paired_tests(aulc_per_seed(tidy(curves)), baseline="random")
    assert set(tests["test"]) == {"wilcoxon"}  # six seeds
    counts = win_tie_loss(tests)
    assert counts.loc["good"].tolist() == [2, 1, 0, 3]
    assert counts.loc["bad"].tolist() == [0, 1, 2, 3]
    assert tests.set_index(["dataset", "strategy"]).loc[("b", "bad"), "p_value"] == 1.0


def test_few_seeds_use_the_paired_t_test():
    curves = {}
    for seed in range(3):
        curves[("a", "random", seed)] = noisy(seed)
        curves[("a", "good", seed)] = shifted(noisy(seed), 0.05 + 0.002 * seed)
    tests = paired_tests(aulc_per_seed(tidy(curves)))
    assert tests["test"].tolist() == ["ttest"]
    assert tests["outcome"].tolist() == ["win"]
    with pytest.raises(ConfigError, match="baseline 'margin' is not in the results"):
        paired_tests(aulc_per_seed(tidy(curves)), baseline="margin")


def test_paired_p_value_edge_cases():
    assert paired_p_value(np.zeros(4)) == (1.0, "ttest")
    assert paired_p_value(np.full(8, 0.1)) == (0.0, "wilcoxon")
    p, test = paired_p_value(np.array([0.1]))
    assert np.isnan(p) and test == "ttest"
    # the exact Wilcoxon test over 6 all-positive pairs: p = 2 / 2**6
    assert paired_p_value(np.arange(1, 7) / 100, "wilcoxon")[0] == pytest.approx(2 / 64)
    with pytest.raises(ConfigError, match="test must be one of"):
        paired_p_value(np.ones(3), "sign")


def test_penalty_matrix_counts_significant_points():
    curves = {}
    for seed in SEEDS:
        noise = [0.0, 0.01, -0.01, 0.005, -0.005, 0.0][seed]
        curves[("a", "random", seed)] = noisy(seed)
        # "good" beats random at the last two of four points after the seed set only
        good = list(noisy(seed))
        good[3] += 0.1 + noise
        good[4] += 0.05 + noise
        curves[("a", "good", seed)] = good
        curves[("b", "random", seed)] = noisy(seed)
        curves[("b", "good", seed)] = [v + 0.05 * (i > 0) + noise / 2
                                       for i, v in enumerate(noisy(seed))]  # every point
    matrix, n_settings = penalty_matrix(tidy(curves))
    assert n_settings == 2
    assert matrix.loc["good", "random"] == pytest.approx(2 / 4 + 4 / 4)
    assert matrix.loc["random", "good"] == 0.0
    assert np.all(np.diag(matrix) == 0)
    assert list(matrix.index) == list(matrix.columns) == ["good", "random"]


def test_query_times_skip_the_seed_round():
    times = query_times(tidy({("d", "random", 0): BASE})).iloc[0]
    assert times["query_seconds"] == 0.5 and times["fit_seconds"] == 0.25


def test_versus_best_counts_only_significant_shortfalls():
    rows = []
    for seed in range(8):
        rows.append(("d", "m", 10, 10, "best", seed, 0.90 + 0.001 * seed))
        rows.append(("d", "m", 10, 10, "close", seed, 0.90 + 0.001 * seed - 0.0001 * (-1) ** seed))
        rows.append(("d", "m", 10, 10, "poor", seed, 0.80 + 0.002 * seed))
    aulc = pd.DataFrame(rows, columns=["dataset", "model", "initial", "batch", "strategy",
                                       "seed", "aulc"])
    counts = versus_best(aulc)
    assert counts.loc["best"].tolist() == [1, 1, 0, 0]
    assert counts.loc["close"].tolist() == [1, 0, 1, 0]
    assert counts.loc["poor"].tolist() == [1, 0, 0, 1]
    flipped = versus_best(aulc, lower_is_better=True)
    assert flipped.loc["poor", "best"] == 1 and flipped.loc["best", "worse_than_best"] == 1


def test_ratio_bounds_keep_unreached_baselines_as_upper_bounds():
    setting = ["dataset", "model", "initial", "batch"]
    targets = pd.DataFrame(
        [("a", "m", 10, 10, "random", np.nan), ("a", "m", 10, 10, "auto", 50.0),
         ("b", "m", 10, 10, "random", 80.0), ("b", "m", 10, 10, "auto", 40.0),
         ("c", "m", 10, 10, "random", 60.0), ("c", "m", 10, 10, "auto", np.nan),
         ("d", "m", 10, 10, "random", np.nan), ("d", "m", 10, 10, "auto", np.nan)],
        columns=[*setting, "strategy", "labels_99"])
    budgets = pd.Series(200, index=pd.MultiIndex.from_tuples(
        [(d, "m", 10, 10) for d in "abcd"], names=setting))
    bounds = ratio_bounds(targets, budgets, 0.99).set_index("dataset")
    assert list(bounds.index) == ["a", "b", "c"]  # d: neither got there
    assert bounds.loc["a", "kind"] == "upper" and bounds.loc["a", "bound"] == 0.25
    assert bounds.loc["b", "kind"] == "exact" and bounds.loc["b", "bound"] == 0.5
    assert bounds.loc["c", "kind"] == "never" and np.isinf(bounds.loc["c", "bound"])
