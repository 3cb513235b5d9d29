"""The benchmark report: Markdown tables and matplotlib figures (Agg backend).

:func:`write_report` reads a tidy results table and writes into one folder:

* ``report.md`` — settings, AULC table, labels to 95% / 99% of full-data
  accuracy as a ratio to the baseline, paired tests with win/tie/loss counts,
  the penalty matrix, query and fit times, and every cell that failed;
* ``figures/curves_<dataset>.png`` — learning curves (mean ± std), one figure
  per dataset with one panel per (model, initial, batch);
* ``figures/summary.png`` — the penalty matrix and each strategy's AULC gain
  over the baseline across settings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .stats import (
    SETTING,
    aulc_per_seed,
    labels_to_target,
    learning_curves,
    paired_tests,
    penalty_matrix,
    query_times,
    ratio_bounds,
    versus_best,
    win_tie_loss,
)

__all__ = ["write_report", "markdown_table"]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "dataset"


def _fmt(value: Any, digits: int = 4) -> str:
    if isinstance(value, float | np.floating):
        return "n/a" if np.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def markdown_table(frame: pd.DataFrame, digits: int = 4) -> str:
    """A GitHub-flavoured Markdown table of ``frame`` (index not included)."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(_fmt(v, digits).replace("|", "\\|") for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def _ints(column: pd.Series) -> str:
    return ", ".join(str(int(v)) for v in sorted(column.unique()))


def _strategy_order(strategies: Sequence[str], baseline: str) -> list[str]:
    return sorted(strategies, key=lambda s: (s != baseline, s))


def plot_dataset(curves: pd.DataFrame, full: pd.Series, dataset: str, path: Path,
                 baseline: str, metric: str = "accuracy") -> None:
    """Learning curves of one dataset: a panel per (model, initial, batch)."""
    plt = _pyplot()
    rows = curves[curves["dataset"] == dataset]
    panels = list(rows.groupby(["model", "initial", "batch"], sort=True))
    n_cols = min(3, len(panels))
    n_rows = -(-len(panels) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(5.2 * n_cols, 3.9 * n_rows),
                             squeeze=False)
    for ax, ((model, initial, batch), panel) in zip(axes.flat, panels, strict=False):
        for strategy in _strategy_order(panel["strategy"].unique(), baseline):
            curve = panel[panel["strategy"] == strategy]
            x, mean, std = (curve[c].to_numpy(dtype=float) for c in ("n_labels", "mean", "std"))
            style = {"color": "black", "linestyle": "--"} if strategy == baseline else {}
            ax.plot(x, mean, label=strategy, linewidth=1.5, **style)
            ax.fill_between(x, mean - std, mean + std, alpha=0.15,
                            color=style.get("color"))
        level = full.get((dataset, model, initial, batch))
        if level is not None and not np.isnan(level):
            ax.axhline(level, color="grey", linewidth=1, linestyle=":", label="all labels")
        ax.set_title(f"{model} · initial {initial} · batch {batch}", fontsize=10)
        ax.set_xlabel("labelled items")
        ax.set_ylabel(f"test {metric}".replace("_", " "))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.suptitle(dataset)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_summary(matrix: pd.DataFrame, n_settings: int, aulc: pd.DataFrame, baseline: str,
                 path: Path, lower_is_better: bool = False) -> None:
    """Penalty matrix (left) and per-setting AULC gain over the baseline (right)."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    names = list(matrix.index)
    image = left.imshow(matrix.to_numpy(), cmap="Reds", vmin=0, vmax=max(n_settings, 1))
    left.set_xticks(range(len(names)), names, rotation=45, ha="right")
    left.set_yticks(range(len(names)), names)
    for i in range(len(names)):
        for j in range(len(names)):
            left.text(j, i, f"{matrix.iat[i, j]:.2f}", ha="center", va="center", fontsize=8)
    left.set_title(f"penalty matrix: row beats column\n(max {n_settings} = every setting)")
    fig.colorbar(image, ax=left, fraction=0.046)

    means = aulc.groupby([*SETTING, "strategy"])["aulc"].mean().unstack("strategy")
    others = [s for s in _strategy_order(means.columns, baseline) if s != baseline]
    if baseline in means and others:
        sign = -1.0 if lower_is_better else 1.0
        gains = [sign * (means[s] - means[baseline]).dropna().to_numpy() for s in others]
        right.boxplot(gains, showmeans=True)
        right.set_xticks(range(1, len(others) + 1), others, rotation=45, ha="right")
        right.axhline(0, color="black", linewidth=1, linestyle="--")
    right.set_ylabel(f"{baseline}'s mean AULC − strategy's, per setting" if lower_is_better
                     else f"mean AULC − {baseline}'s, per setting")
    right.set_title("AULC gain over the baseline")
    right.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _aulc_table(aulc: pd.DataFrame, baseline: str) -> pd.DataFrame:
    summary = aulc.groupby([*SETTING, "strategy"])["aulc"].agg(["mean", "std"]).reset_index()
    summary["AULC"] = [f"{m:.4f} ± {s:.4f}" for m, s in zip(summary["mean"],
                                                             np.nan_to_num(summary["std"]),
                                                             strict=True)]
    wide = summary.pivot(index=SETTING, columns="strategy", values="AULC")
    wide = wide[_strategy_order(wide.columns, baseline)]
    return wide.reset_index().rename_axis(columns=None).fillna("failed")


def write_report(table: pd.DataFrame, out_dir: str | Path, *, baseline: str = "random",
                 failures: pd.DataFrame | None = None, title: str = "Benchmark report",
                 command: str | None = None, notes: Sequence[str] = (),
                 test: str = "auto", alpha: float = 0.05, metric: str = "accuracy",
                 lower_is_better: bool = False,
                 reference: str | None = "full_accuracy") -> Path:
    """Write ``report.md`` and its figures into ``out_dir``; return the report's path.

    Parameters
    ----------
    table : DataFrame
        Tidy results (:data:`activelab.bench.cells.COLUMNS`).
    out_dir : path
    baseline : str
        Strategy every ratio and paired test compares against.
    failures : DataFrame, optional
        Failed cells (from :meth:`ResultStore.failures`), listed in the report.
    command : str, optional
        The command that reproduces the run, quoted at the top.
    notes : sequence of str
        Extra lines for the top of the report (e.g. peer libraries and versions).
    test : {"auto", "wilcoxon", "ttest"}
    alpha : float
    metric : str, default="accuracy"
        The curve every table, test and figure summarises.
    lower_is_better : bool, default=False
        True for error metrics (RMSE, Hamming loss).
    reference : str or None, default="full_accuracy"
        Rows holding the full-data value of ``metric``, for the labels-to-95%/99%
        table; None (or absent from the table) leaves that table out.
    """
    out_dir = Path(out_dir)
    figures = out_dir / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    lines = [f"# {title}", ""]
    if command:
        lines += ["Reproduce with:", "", "```bash", command, "```", ""]
    lines += [f"- {note}" for note in notes]
    if notes:
        lines.append("")
    if table.empty:
        lines += ["No cell finished, so there is nothing to summarise.", ""]
    else:
        if reference is not None and (lower_is_better
                                      or not (table["metric"] == reference).any()):
            reference = None  # "95% of the full-data value" needs a higher-is-better score
        lines += _results_sections(table, figures, baseline, test, alpha, metric,
                                   lower_is_better, reference)
    if failures is not None and len(failures):
        lines += ["## Cells that could not run", "",
                  f"{len(failures)} cell(s) failed; they are absent from every table above "
                  "(a strategy that failed on every seed of a setting shows as `failed`).", "",
                  markdown_table(failures.sort_values(["dataset", "strategy", "seed"])), ""]
    path = out_dir / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _results_sections(table: pd.DataFrame, figures: Path, baseline: str, test: str,
                      alpha: float, metric: str, lower: bool,
                      reference: str | None) -> list[str]:
    curves = learning_curves(table, metric)
    full = table[table["metric"] == reference].groupby(SETTING)["value"].mean()
    aulc = aulc_per_seed(table, metric)
    better = "lower" if lower else "higher"
    seeds = table.groupby([*SETTING, "strategy"])["seed"].nunique()
    lines = ["## Grid", "",
             f"- datasets: {', '.join(sorted(table['dataset'].unique()))}",
             f"- models: {', '.join(sorted(table['model'].unique()))}",
             f"- strategies: {', '.join(_strategy_order(table['strategy'].unique(), baseline))}",
             f"- seeds per setting: {seeds.min()}–{seeds.max()}; "
             f"initial sizes {_ints(table['initial'])}; batch sizes {_ints(table['batch'])}; "
             f"budgets {_ints(table['budget'])}",
             "- every strategy of a seed shares its split and seed set; the query model is "
             "the task model", ""]

    lines += ["## Learning curves", ""]
    for dataset in sorted(table["dataset"].unique()):
        name = f"curves_{_slug(dataset)}.png"
        plot_dataset(curves, full, dataset, figures / name, baseline, metric)
        lines += [f"![{dataset}](figures/{name})", ""]

    lines += [f"## Normalised AULC ({metric}, mean ± std over seeds; {better} is better)", "",
              "Area under the learning curve up to the budget divided by its width "
              "(`activelab.metrics.normalized_aulc`).", "",
              markdown_table(_aulc_table(aulc, baseline)), ""]
    if reference is not None:
        lines += _target_section(table, baseline, metric, reference)

    tests = paired_tests(aulc, baseline=baseline, test=test, alpha=alpha,
                         lower_is_better=lower)
    if not tests.empty:
        used = ", ".join(sorted(tests["test"].unique()))
        lines += [f"## Paired tests against {baseline} (per-seed AULC, p < {alpha})", "",
                  f"Test used: {used} (`auto` picks Wilcoxon signed-rank from 6 seeds on, "
                  f"the paired t-test below). win = significantly {better} AULC than "
                  f"{baseline}.", "",
                  markdown_table(win_tie_loss(tests).reset_index(names="strategy")), "",
                  "<details><summary>per setting</summary>", "",
                  markdown_table(tests), "", "</details>", ""]
        against_best = versus_best(aulc, test=test, alpha=alpha, lower_is_better=lower)
        lines += ["## Against the best strategy of each setting", "",
                  f"The best strategy of a setting has the {'lowest' if lower else 'highest'} "
                  f"mean AULC; every other one is compared with it by the same paired test "
                  f"(p < {alpha}).", "",
                  markdown_table(against_best.reset_index(names="strategy")), ""]

    matrix, n_settings = penalty_matrix(table, metric=metric, alpha=alpha,
                                        lower_is_better=lower)
    if n_settings:
        frame = matrix.copy()
        frame.loc["column mean (lower is better)"] = matrix.mean(axis=0)
        lines += ["## Pairwise penalty matrix", "",
                  f"Ash et al. (2020): entry (row, column) sums, over {n_settings} setting(s), "
                  f"the fraction of label counts at which the row strategy's {metric} is "
                  f"significantly better than the column's (paired t-test over seeds, "
                  f"p < {alpha}).", "",
                  markdown_table(frame.reset_index(names="row beats column"), digits=2), "",
                  "![summary](figures/summary.png)", ""]
        plot_summary(matrix, n_settings, aulc, baseline, figures / "summary.png", lower)

    times = query_times(table)
    lines += ["## Time per round (seconds, mean)", "",
              "Query = choosing the batch; fit = retraining on the labelled set.", "",
              markdown_table(times), ""]
    return lines


def _target_section(table: pd.DataFrame, baseline: str, metric: str,
                    reference: str) -> list[str]:
    targets = labels_to_target(table, (0.95, 0.99), baseline=baseline, metric=metric,
                               reference=reference)
    shown = targets[[*SETTING, "strategy", "full_accuracy", "labels_95", "ratio_95",
                     "labels_99", "ratio_99"]].copy()
    for column in ("labels_95", "labels_99"):
        shown[column] = ["n/a" if np.isnan(v) else f"{v:.0f}" for v in shown[column]]
    for column in ("ratio_95", "ratio_99"):
        shown[column] = ["n/a" if np.isnan(v) else f"{v:.2f}" for v in shown[column]]
    shown = shown.rename(columns={
                         "full_accuracy": "full-data value", "labels_95": "labels to 95%",
                         "ratio_95": f"× {baseline}", "labels_99": "labels to 99%",
                         "ratio_99": f"× {baseline} "})
    budgets = table.groupby(SETTING)["budget"].max()
    bounds_by_pct = {pct: ratio_bounds(targets, budgets, fraction, baseline=baseline)
                     for fraction, pct in ((0.95, "95"), (0.99, "99"))}
    medians = []
    for strategy in sorted(set(targets["strategy"]) - {baseline}):
        record = {"strategy": strategy}
        for pct, all_bounds in bounds_by_pct.items():
            bounds = all_bounds[all_bounds["strategy"] == strategy]
            kinds = bounds["kind"].value_counts()
            record[f"{pct}%: both / only it / only {baseline}"] = (
                f"{kinds.get('exact', 0)} / {kinds.get('upper', 0)} / {kinds.get('never', 0)}")
            record[f"{pct}%: median ratio (bound)"] = (
                f"≤ {bounds['bound'].median():.2f}" if len(bounds) else "n/a")
        medians.append(record)
    return ["## Labels to reach 95% and 99% of full-data " + metric.replace("_", " "), "",
            f"Labels the mean {metric} curve needs to reach the fraction of the {metric} "
            "of the same model trained on the whole pool (measured in the same runs); "
            f"`× {baseline}` is the ratio to the baseline (below 1 = fewer labels). "
            "n/a: not reached within the budget.", "",
            "Summary over settings (out of "
            f"{targets[['dataset', 'model', 'initial', 'batch']].drop_duplicates().shape[0]}): "
            f"where both the strategy and {baseline} got there, where only the strategy did "
            f"(then {baseline} needs more than the budget and the ratio is below labels / "
            f"budget), and where only {baseline} did (ratio infinite). The median over those "
            "settings, with the censored ones at their bounds, is an upper bound on the "
            "median ratio; settings neither reached are left out.", "",
            markdown_table(pd.DataFrame(medians)) if medians else "(baseline only)", "",
            "<details><summary>per setting</summary>", "",
            markdown_table(shown, digits=3), "", "</details>", ""]
