"""Clustering with pair questions: ARI per question asked, vs random pairs.

Run:  python benchmarks/tasks_clustering.py [--seeds 3] [--budget 200] [--noise 0.0]
      [--model pckmeans|copkmeans] [--no-closure] [--sets sklearn:iris,...]

Sets: sklearn iris, wine, digits; shared banknote, phoneme (2,000-row stratified
subsample) and letter (2,000-row stratified subsample, 26 classes); all standardised,
n_clusters = number of classes. Every strategy of a seed starts alike (same model seed,
same seed pairs); the reference is plain k-means (scikit-learn, n_init=10).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from activelab.data import find_data_dir, load_dataset
from activelab.tasks.clustering import PAIR_STRATEGIES, PCKMeans, simulate_pairwise

SETS = [("sklearn:iris", None), ("sklearn:wine", None), ("sklearn:digits", None),
        ("banknote", None), ("phoneme", 2000), ("letter", 2000)]


def questions_to_reach(run, target: float) -> int | None:
    """Pair questions until ARI first reaches ``target`` (None = never within budget)."""
    for n, value in zip(run.n_labels, run.metrics["ari"], strict=True):
        if value >= target:
            return n
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--initial", type=int, default=0)
    parser.add_argument("--noise", type=float, default=0.0)
    parser.add_argument("--model", default="pckmeans", choices=["pckmeans", "copkmeans"])
    parser.add_argument("--no-closure", action="store_true",
                        help="PCKMeans penalises each answer alone (robust to wrong answers)")
    parser.add_argument("--sets", default=",".join(name for name, _ in SETS))
    args = parser.parse_args()
    wanted = args.sets.split(",")
    print(f"| dataset | strategy | ARI-AULC (0-{args.budget}) | ratio to random | "
          f"ARI at {args.budget} | k-means ARI | questions to k-means ARI + 0.1 | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for name, max_samples in SETS:
        if name not in wanted:
            continue
        if not name.startswith("sklearn:") and find_data_dir() is None:
            print(f"| {name} | skipped: shared data absent | | | | | | |")
            continue
        ds = load_dataset(name, max_samples=max_samples)
        X, y = np.asarray(ds.X, dtype=float), np.asarray(ds.y)
        k = len(np.unique(y))
        label = f"{name} (n={len(y)}, k={k})"
        model = PCKMeans(k, closure=False) if args.no_closure else args.model
        base = None
        for strategy in PAIR_STRATEGIES:
            start = time.perf_counter()
            res = simulate_pairwise(X, y, strategy=strategy, model=model,
                                    initial=args.initial, batch=args.batch,
                                    budget=args.budget, seeds=args.seeds,
                                    noise_rate=args.noise)
            seconds = time.perf_counter() - start
            aulc = res.mean_aulc("ari")
            base = aulc if base is None else base
            kmeans = float(np.mean([r.reference["kmeans_ari"] for r in res.runs]))
            reach = [questions_to_reach(r, kmeans + 0.1) for r in res.runs]
            reach_text = ", ".join("never" if q is None else str(q) for q in reach)
            print(f"| {label} | {strategy} | {aulc:.3f} | {aulc / base:.2f} | "
                  f"{res.mean_final('ari'):.3f} | {kmeans:.3f} | {reach_text} | "
                  f"{seconds:.0f} |", flush=True)


if __name__ == "__main__":
    # One BLAS thread: the per-round matrices are small, and threads only fight on a
    # shared machine (a 1797 x 64 product ran 70x slower with two busy threads).
    with threadpool_limits(1):
        main()
