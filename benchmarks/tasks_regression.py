"""Regression active learning on real data: RMSE-AULC of each strategy vs random.

Run:  python benchmarks/tasks_regression.py [--seeds 5] [--budget 150] [--datasets ...]

Every strategy sees the same split, seed set and learner seed per seed (master seed 0).
Prints, per dataset and model, the mean RMSE-AULC over seeds (lower is better), its
ratio to random's in the same run, and how many seeds the strategy beat random on.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from activelab.data import load_dataset
from activelab.tasks.regression import simulate_regression

PLANS = {"ridge": ("random", "committee", "gsx", "gsy", "igs"),
         "rf": ("random", "std", "igs")}
SIZES = {"california_housing": 5000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+",
                        default=["energy_efficiency", "wine_quality_red", "california_housing"])
    parser.add_argument("--models", nargs="+", default=list(PLANS))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--initial", type=int, default=10)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--budget", type=int, default=150)
    args = parser.parse_args()
    print("| dataset | model | strategy | RMSE-AULC (mean ± sd) | ratio to random | "
          "seeds better than random | final RMSE | full-pool RMSE | seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.datasets:
        dataset = load_dataset(name, max_samples=SIZES.get(name))
        for model in args.models:
            per_seed = {}
            rows = []
            for strategy in PLANS[model]:
                start = time.perf_counter()
                result = simulate_regression(dataset, model=model, strategy=strategy,
                                             initial=args.initial, batch=args.batch,
                                             budget=args.budget, seeds=args.seeds)
                seconds = time.perf_counter() - start
                per_seed[strategy] = np.array([r.aulc(args.budget) for r in result.runs])
                final = np.mean([r.rmse[-1] for r in result.runs])
                full = np.mean([r.full_rmse for r in result.runs])
                rows.append((strategy, final, full, seconds))
            base = per_seed["random"]
            for strategy, final, full, seconds in rows:
                values = per_seed[strategy]
                wins = int(np.sum(values < base)) if strategy != "random" else "-"
                print(f"| {name} (n={dataset.n_samples}) | {model} | {strategy} | "
                      f"{values.mean():.4g} ± {values.std():.2g} | "
                      f"{values.mean() / base.mean():.3f} | {wins} | {final:.4g} | "
                      f"{full:.4g} | {seconds:.0f} |", flush=True)


if __name__ == "__main__":
    main()
