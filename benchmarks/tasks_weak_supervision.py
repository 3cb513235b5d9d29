"""Weak supervision vs active learning at equal human effort, on sms_spam and trec.

Run:  python benchmarks/tasks_weak_supervision.py [--seeds 5] [--budget 300] [--batch 20]

Per seed, every strategy gets the same split, seed set, TF-IDF features and end model
(logistic regression). Effort is counted in labels: for lf-majority / lf-label-model the
rules are mined from the n gold labels (no extra cost); the hand-written rules cost
--labels-per-keyword labels per keyword (an assumption). Prints accuracy and macro-F1 at
several efforts (mean ± sd over seeds), the ratio of each to margin's and random's at the
same effort in the same run, and what the weak labels were like.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from activelab.data import load_dataset
from activelab.tasks.weak_supervision import LABELS_PER_KEYWORD, simulate_weak_supervision

STRATEGIES = ("random", "margin", "lf-majority", "lf-label-model", "lf-hand-majority",
              "lf-hand-label-model")


def _at(run, effort: int, values: list[float]) -> float:
    n = np.asarray(run.curves.n_labels)
    upto = np.flatnonzero(n <= effort)
    return float(values[upto[-1]]) if upto.size else float("nan")


def _cell(result, strategy: str, effort: int, metric: str) -> tuple[float, float]:
    values = np.array([_at(r, effort, r.curves.metrics[metric]) for r in result.of(strategy)])
    if np.isnan(values).any():
        return float("nan"), float("nan")
    return float(values.mean()), float(values.std())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["sms_spam", "trec"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--initial", type=int, default=20)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--efforts", type=int, nargs="+", default=[20, 40, 60, 100, 160, 300])
    parser.add_argument("--labels-per-keyword", type=float, default=LABELS_PER_KEYWORD)
    args = parser.parse_args()
    for name in args.datasets:
        dataset = load_dataset(name)
        start = time.perf_counter()
        result = simulate_weak_supervision(
            dataset, strategies=STRATEGIES, initial=args.initial, batch=args.batch,
            budget=args.budget, seeds=args.seeds, labels_per_keyword=args.labels_per_keyword)
        seconds = time.perf_counter() - start
        full = np.mean([r.curves.reference["full_accuracy"] for r in result.of("random")])
        cost = result.of("lf-hand-majority")[0].curves.reference["rule_effort"]
        print(f"\n### {name} (n={dataset.n_samples}, {args.seeds} seeds, {seconds:.0f} s; "
              f"full-pool accuracy {full:.3f}; hand rules cost {cost:.0f} labels)\n")
        for metric in ("accuracy", "macro_f1"):
            print(f"{metric} at effort (labels) | " + " | ".join(map(str, args.efforts)))
            print("|".join(["---"] * (len(args.efforts) + 1)))
            for strategy in STRATEGIES:
                cells = []
                for effort in args.efforts:
                    mean, sd = _cell(result, strategy, effort, metric)
                    if np.isnan(mean):
                        cells.append("-")
                        continue
                    ratios = [f"{mean / _cell(result, base, effort, metric)[0]:.2f}"
                              for base in ("margin", "random")]
                    cells.append(f"{mean:.3f} ± {sd:.3f} ({'/'.join(ratios)})")
                print(f"{strategy} | " + " | ".join(cells))
            print()
        print("weak labels at effort | rules | coverage of the rest of the pool | "
              "accuracy of the weak labels")
        print("---|---|---|---")
        for strategy in STRATEGIES[2:]:
            for effort in sorted({args.efforts[0], 100, args.budget}):
                runs = result.of(strategy)
                cover = [_at(r, effort, r.weak_coverage) for r in runs]
                if np.isnan(cover).any():  # the hand rules cost more than this effort
                    continue
                rules = np.mean([_at(r, effort, r.n_rules) for r in runs])
                accuracy = [_at(r, effort, r.weak_accuracy) for r in runs]
                accuracy = np.mean(accuracy) if not np.isnan(accuracy).all() else float("nan")
                print(f"{strategy} @ {effort} | {rules:.0f} | {np.mean(cover):.3f} | "
                      f"{accuracy:.3f}")
        for strategy in ("lf-hand-majority", "lf-hand-label-model"):
            only = [r.curves.reference["rules_only_accuracy"] for r in result.of(strategy)]
            print(f"\n{strategy}: hand rules alone, no gold label (effort {cost:.0f}): "
                  f"accuracy {np.mean(only):.3f} ± {np.std(only):.3f}")


if __name__ == "__main__":
    main()
