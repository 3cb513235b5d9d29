"""Active anomaly detection on ADBench sets: labels vs the isolation forest alone.

Run:  python benchmarks/tasks_anomaly.py [--seeds 5] [--budget 100] [--datasets ...]

For each dataset and seed, every strategy sees the same stratified split (25% held
out), the same random seed set and the same isolation forest (master seed 0). The
baseline is measured in the same run: the forest's ranking with no label used.
Printed per strategy (means over seeds):

* P@k AULC - mean height of the precision@k curve on the held-out split (k = its
  number of anomalies) from the seed set to the budget, and its ratio to the
  forest's precision@k;
* final P@k and average precision after the budget;
* found/label - anomalies among all labels spent (seed set included), and its
  ratio to the forest's queue followed for as many labels;
* wins - seeds where the final P@k beats the forest's.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from activelab.tasks.anomaly import load_anomaly_dataset, simulate_anomaly

STRATEGIES = ("most-anomalous", "threshold-uncertainty", "hybrid", "random")
DATASETS = ("adbench:thyroid", "adbench:cardio", "adbench:annthyroid", "adbench:pima",
            "adbench:breastw", "adbench:ionosphere")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--models", nargs="+", default=["logreg"])
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--initial", type=int, default=10)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--budget", type=int, default=100)
    args = parser.parse_args()
    print("| dataset | model | strategy | P@k AULC | ratio to forest | final P@k | final AP | "
          "found/label | ratio to forest | wins (P@k) | seconds |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in args.datasets:
        dataset = load_anomaly_dataset(name)
        label = f"{name.removeprefix('adbench:')} (n={len(dataset.y)}, " \
                f"{dataset.y.mean():.1%} anom.)"
        for model in args.models:
            baseline_printed = False
            for strategy in args.strategies:
                start = time.perf_counter()
                result = simulate_anomaly(dataset, model=model, strategy=strategy,
                                          initial=args.initial, batch=args.batch,
                                          budget=args.budget, seeds=args.seeds)
                seconds = time.perf_counter() - start
                forest_pk = np.array([r.reference["unsupervised_precision_at_k"]
                                      for r in result.runs])
                forest_found = result.mean_reference("unsupervised_found_per_label")
                if not baseline_printed:
                    print(f"| {label} | - | forest alone (no labels) | {forest_pk.mean():.3f} | "
                          f"1 | {forest_pk.mean():.3f} | "
                          f"{result.mean_reference('unsupervised_average_precision'):.3f} | "
                          f"{forest_found:.3f} | 1 | - | - |")
                    print(f"| {label} | {model} | all pool labels (upper reference) | - | - | "
                          f"{result.mean_reference('all_labels_precision_at_k'):.3f} | - | - | "
                          f"- | - | - |")
                    baseline_printed = True
                final_pk = np.array([r.metrics["precision_at_k"][-1] for r in result.runs])
                aulc = result.mean_aulc("precision_at_k")
                found = result.mean_final("found_per_label")
                wins = int(np.sum(final_pk > forest_pk))
                print(f"| {label} | {model} | {strategy} | {aulc:.3f} | "
                      f"{aulc / forest_pk.mean():.2f} | {final_pk.mean():.3f} | "
                      f"{result.mean_final('average_precision'):.3f} | {found:.3f} | "
                      f"{found / forest_found:.2f} | {wins}/{args.seeds} | {seconds:.0f} |",
                      flush=True)


if __name__ == "__main__":
    main()
