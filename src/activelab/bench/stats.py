"""Summaries and tests over a tidy benchmark table (see :data:`activelab.bench.cells.COLUMNS`).

A *setting* is one (dataset, model, initial, batch): the strategies of one
setting share every split and seed set, seed by seed, so they are compared
with paired tests over seeds.

* :func:`learning_curves` — mean ± std of a metric per label count.
* :func:`aulc_per_seed` — normalised area under each run's curve.
* :func:`labels_to_target` — labels the mean curve needs to reach 95% / 99% of
  the full-data accuracy, and the ratio to the baseline's.
* :func:`paired_tests`, :func:`win_tie_loss` — each strategy against the
  baseline per setting (Wilcoxon signed-rank or paired t-test on per-seed AULC).
* :func:`penalty_matrix` — Ash et al. (2020): how often strategy *i* beats *j*
  significantly, point by point along the curve, summed over settings.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..exceptions import ConfigError
from ..metrics import labels_to_reach, normalized_aulc

__all__ = ["SETTING", "learning_curves", "aulc_per_seed", "labels_to_target", "paired_tests",
           "win_tie_loss", "versus_best", "ratio_bounds", "penalty_matrix", "query_times",
           "paired_p_value"]

SETTING = ["dataset", "model", "initial", "batch"]
TESTS = ("auto", "wilcoxon", "ttest")
#: With fewer seeds, an exact two-sided Wilcoxon test cannot reach p < 0.05.
_WILCOXON_MIN_SEEDS = 6


def _metric(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = table[table["metric"] == metric]
    if rows.empty:
        known = sorted(table["metric"].unique()) if len(table) else []
        raise ConfigError(f"no rows for metric {metric!r} in the table (it has {known})")
    return rows


def learning_curves(table: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Mean, standard deviation and seed count of ``metric`` at each label count.

    Returns
    -------
    DataFrame with columns dataset, model, initial, batch, strategy, n_labels, mean, std, n
    """
    rows = _metric(table, metric)
    grouped = rows.groupby([*SETTING, "strategy", "n_labels"], sort=True)["value"]
    curves = grouped.agg(mean="mean", std=lambda v: float(np.std(v)), n="count")
    return curves.reset_index()


def aulc_per_seed(table: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Normalised AULC (:func:`activelab.metrics.normalized_aulc`) of every run up to its budget.

    Returns
    -------
    DataFrame with columns dataset, model, initial, batch, strategy, seed, aulc
    """
    rows = _metric(table, metric).sort_values("n_labels")
    records = []
    for key, run in rows.groupby([*SETTING, "strategy", "seed", "budget"], sort=True):
        *head, budget = key
        records.append((*head, normalized_aulc(run["n_labels"].to_numpy(),
                                               run["value"].to_numpy(), int(budget))))
    return pd.DataFrame(records, columns=[*SETTING, "strategy", "seed", "aulc"])


def labels_to_target(table: pd.DataFrame, fractions: Sequence[float] = (0.95, 0.99), *,
                     baseline: str = "random", metric: str = "accuracy",
                     reference: str = "full_accuracy") -> pd.DataFrame:
    """Labels the mean ``metric`` curve needs to reach ``fraction`` × its full-data value.

    ``reference`` names the rows holding the full-data value (higher is better).

    The full-data accuracy of a setting is the mean over seeds of the model
    trained on every pool item (measured in the same runs).  ``ratio_<f>`` is
    the strategy's count divided by the baseline's in the same setting (below
    1: fewer labels than the baseline); NaN when either curve never got there
    within the budget.

    Returns
    -------
    DataFrame with columns dataset, model, initial, batch, strategy, full_accuracy (the
    reference, whatever the metric) and, per fraction ``f`` (as a percentage ``p``),
    ``labels_<p>`` and ``ratio_<p>``.
    """
    curves = learning_curves(table, metric)
    full = _metric(table, reference).groupby(SETTING)["value"].mean()
    records = []
    for key, curve in curves.groupby([*SETTING, "strategy"], sort=True):
        setting = tuple(key[:-1])
        record = dict(zip([*SETTING, "strategy"], key, strict=True))
        record["full_accuracy"] = float(full.loc[setting])
        for fraction in fractions:
            reached = labels_to_reach(curve["n_labels"].to_numpy(), curve["mean"].to_numpy(),
                                      fraction * record["full_accuracy"])
            record[f"labels_{_pct(fraction)}"] = np.nan if reached is None else float(reached)
        records.append(record)
    result = pd.DataFrame(records)
    for fraction in fractions:
        column = f"labels_{_pct(fraction)}"
        base = result[result["strategy"] == baseline].set_index(SETTING)[column]
        base_values = result.set_index(SETTING).index.map(lambda k, b=base: b.get(k, np.nan))
        result[f"ratio_{_pct(fraction)}"] = result[column].to_numpy() / np.asarray(
            base_values, dtype=float)
    return result


def ratio_bounds(targets: pd.DataFrame, budgets: pd.Series, fraction: float, *,
                 baseline: str = "random") -> pd.DataFrame:
    """Labels-to-target ratios against the baseline, keeping the settings that a curve
    never reached within its budget as bounds instead of dropping them.

    Parameters
    ----------
    targets : DataFrame from :func:`labels_to_target`
    budgets : Series indexed by setting (dataset, model, initial, batch): the label budget
    fraction : float, e.g. 0.99

    Returns
    -------
    DataFrame with columns dataset, model, initial, batch, strategy, bound, kind: ``exact``
    when both got there; ``upper`` when only the strategy did (the baseline would need
    more than the budget, so the true ratio is below ``labels / budget``); ``never`` when
    only the baseline did (``bound`` = inf). Settings neither reached are left out.
    """
    column = f"labels_{_pct(fraction)}"
    base = targets[targets["strategy"] == baseline].set_index(SETTING)[column]
    records = []
    for row in targets[targets["strategy"] != baseline].itertuples(index=False):
        setting = tuple(getattr(row, key) for key in SETTING)
        mine, theirs = getattr(row, column), base.get(setting, np.nan)
        if np.isnan(mine) and np.isnan(theirs):
            continue
        if np.isnan(theirs):
            bound, kind = mine / float(budgets.loc[setting]), "upper"
        elif np.isnan(mine):
            bound, kind = np.inf, "never"
        else:
            bound, kind = mine / theirs, "exact"
        records.append((*setting, row.strategy, bound, kind))
    return pd.DataFrame(records, columns=[*SETTING, "strategy", "bound", "kind"])


def _pct(fraction: float) -> str:
    return f"{round(fraction * 100):d}"


def paired_p_value(differences: np.ndarray, test: str = "auto") -> tuple[float, str]:
    """Two-sided p-value that paired ``differences`` centre on zero, and the test used.

    ``"auto"`` uses the Wilcoxon signed-rank test from six pairs on (below
    that its smallest possible p exceeds 0.05) and the paired t-test before.
    Degenerate samples are decided directly: all differences zero gives p = 1;
    identical non-zero differences give p = 0 (no spread, a consistent effect).
    """
    if test not in TESTS:
        raise ConfigError(f"test must be one of {TESTS}, got {test!r}")
    d = np.asarray(differences, dtype=float)
    d = d[~np.isnan(d)]
    if test == "auto":
        test = "wilcoxon" if len(d) >= _WILCOXON_MIN_SEEDS else "ttest"
    if len(d) < 2:
        return float("nan"), test
    if np.all(d == 0):
        return 1.0, test
    if np.ptp(d) == 0:
        return 0.0, test
    with warnings.catch_warnings():
        # scipy notes when ties or zeros force the normal approximation; the p-value stands.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        if test == "wilcoxon":
            return float(stats.wilcoxon(d).pvalue), test
        return float(stats.ttest_1samp(d, 0.0).pvalue), test


def paired_tests(aulc: pd.DataFrame, *, baseline: str = "random", test: str = "auto",
                 alpha: float = 0.05, lower_is_better: bool = False) -> pd.DataFrame:
    """Each strategy's per-seed AULC against the baseline's, per setting.

    Parameters
    ----------
    aulc : DataFrame from :func:`aulc_per_seed`
    baseline : str
    test : {"auto", "wilcoxon", "ttest"}
    alpha : float
    lower_is_better : bool, default=False
        For error curves (RMSE, Hamming loss): a lower AULC wins.

    Returns
    -------
    DataFrame with columns dataset, model, initial, batch, strategy, n_seeds, mean_diff,
    p_value, test, outcome (``"win"``, ``"tie"`` or ``"loss"``: significant at ``alpha``
    and better, not significant, significant and worse)
    """
    if baseline not in set(aulc["strategy"]):
        raise ConfigError(f"baseline {baseline!r} is not in the results; run it alongside "
                          "the other strategies")
    records = []
    for setting, rows in aulc.groupby(SETTING, sort=True):
        wide = rows.pivot(index="seed", columns="strategy", values="aulc")
        if baseline not in wide:
            continue
        for strategy in wide.columns:
            if strategy == baseline:
                continue
            pairs = wide[[strategy, baseline]].dropna()
            d = (pairs[strategy] - pairs[baseline]).to_numpy()
            p, used = paired_p_value(d, test)
            mean = float(d.mean()) if len(d) else float("nan")
            better = mean < 0 if lower_is_better else mean > 0
            outcome = ("tie" if not p < alpha or mean == 0
                       else "win" if better else "loss")
            records.append((*setting, strategy, len(d), mean, p, used, outcome))
    return pd.DataFrame(records, columns=[*SETTING, "strategy", "n_seeds", "mean_diff",
                                          "p_value", "test", "outcome"])


def versus_best(aulc: pd.DataFrame, *, test: str = "auto", alpha: float = 0.05,
                lower_is_better: bool = False) -> pd.DataFrame:
    """How often each strategy is significantly worse than the best one of a setting.

    The best strategy of a setting is the one with the best mean AULC; every
    other strategy is compared with it by the paired test over seeds.

    Returns
    -------
    DataFrame indexed by strategy with columns settings, best (times it was the best),
    tie_with_best and worse_than_best
    """
    records = []
    for _, rows in aulc.groupby(SETTING, sort=True):
        wide = rows.pivot(index="seed", columns="strategy", values="aulc")
        means = wide.mean()
        best = means.idxmin() if lower_is_better else means.idxmax()
        for strategy in wide.columns:
            if strategy == best:
                records.append((strategy, "best"))
                continue
            pairs = wide[[strategy, best]].dropna()
            p, _ = paired_p_value((pairs[strategy] - pairs[best]).to_numpy(), test)
            records.append((strategy, "worse_than_best" if p < alpha else "tie_with_best"))
    frame = pd.DataFrame(records, columns=["strategy", "outcome"])
    counts = pd.crosstab(frame["strategy"], frame["outcome"])
    for column in ("best", "tie_with_best", "worse_than_best"):
        if column not in counts:
            counts[column] = 0
    counts = counts[["best", "tie_with_best", "worse_than_best"]].astype(int)
    counts.insert(0, "settings", counts.sum(axis=1))
    counts.columns.name = None
    return counts


def win_tie_loss(tests: pd.DataFrame) -> pd.DataFrame:
    """Counts of wins, ties and losses per strategy over all settings of ``tests``.

    Returns
    -------
    DataFrame indexed by strategy with columns win, tie, loss, settings
    """
    counts = pd.crosstab(tests["strategy"], tests["outcome"])
    for column in ("win", "tie", "loss"):
        if column not in counts:
            counts[column] = 0
    counts = counts[["win", "tie", "loss"]].astype(int)
    counts["settings"] = counts.sum(axis=1)
    counts.columns.name = None
    return counts


def penalty_matrix(table: pd.DataFrame, *, metric: str = "accuracy",
                   alpha: float = 0.05, lower_is_better: bool = False
                   ) -> tuple[pd.DataFrame, int]:
    """Pairwise penalty matrix of Ash et al. (2020, "BADGE"), Figure 3.

    For every setting and every label count after the seed set, a paired
    t-test over seeds compares strategies *i* and *j*; when *i* is
    significantly better (two-sided, level ``alpha``), ``P[i, j]`` grows by
    ``1 / L``, with ``L`` the number of label counts of that setting.  So each
    setting adds at most 1 to a cell, and a column's mean says how often the
    column's strategy is beaten (lower is better).  With ``lower_is_better``
    (error metrics) the lower value is the better one.

    Returns
    -------
    matrix : DataFrame of shape (n_strategies, n_strategies)
        Row beats column.
    n_settings : int
        Settings counted (the largest possible entry).
    """
    rows = _metric(table, metric)
    names = sorted(rows["strategy"].unique())
    matrix = pd.DataFrame(0.0, index=names, columns=names)
    n_settings = 0
    for (_, _, initial, _), setting in rows.groupby(SETTING, sort=True):
        setting = setting[setting["n_labels"] > initial]
        cube = setting.pivot_table(index=["n_labels", "seed"], columns="strategy",
                                   values="value", aggfunc="first")
        present = [name for name in names if name in cube]
        cube = cube[present].dropna()
        if len(present) < 2 or cube.empty:
            continue
        points = cube.index.get_level_values("n_labels").unique()
        n_settings += 1
        for n_labels in points:
            block = cube.xs(n_labels, level="n_labels").to_numpy()  # seeds × strategies
            if lower_is_better:
                block = -block
            n = block.shape[0]
            if n < 2:
                continue
            critical = stats.t.ppf(1 - alpha / 2, n - 1)
            for a, first in enumerate(present):
                for b, second in enumerate(present):
                    if a == b:
                        continue
                    d = block[:, a] - block[:, b]
                    spread = d.std(ddof=1)
                    if spread == 0:
                        better = d.mean() > 0
                    else:
                        better = np.sqrt(n) * d.mean() / spread > critical
                    if better:
                        matrix.loc[first, second] += 1.0 / len(points)
    return matrix, n_settings


def query_times(table: pd.DataFrame) -> pd.DataFrame:
    """Mean seconds per round spent choosing (query) and retraining (fit), per strategy.

    Returns
    -------
    DataFrame with columns dataset, model, strategy, query_seconds, fit_seconds
    """
    rows = table[table["metric"].isin(["query_seconds", "fit_seconds"]) & (table["round"] > 0)]
    means = rows.groupby(["dataset", "model", "strategy", "metric"])["value"].mean()
    return means.unstack("metric").reset_index().rename_axis(columns=None)
