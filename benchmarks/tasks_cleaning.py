"""Label cleaning on real data: does the review queue find injected label errors?

Run:  python benchmarks/tasks_cleaning.py [--seeds 3]

For each dataset, noise kind (uniform / class-dependent) and rate: split 75/25 (clean
test set), corrupt the training labels, compute 5-fold out-of-sample probabilities
once, and rank with (a) activelab's confident learning (normalised margin and
self-confidence) and (b) cleanlab's find_label_issues on the *same* probabilities
when cleanlab is installed.  Reports flagged count, precision/recall of the flagged
set, precision@k at k = number of injected errors, and the test accuracy of a model
trained on noisy labels, after a reviewer fixes activelab's flagged items, and on clean
labels.
"""

from __future__ import annotations

import argparse
import importlib.util
import time

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from activelab.data import load_dataset
from activelab.tasks.cleaning import (
    confident_learning,
    inject_label_noise,
    out_of_sample_probabilities,
    precision_at_k,
)

DATASETS = {"spambase": None, "letter": 5000, "sklearn:digits": None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--rates", nargs="+", type=float, default=[0.1, 0.3])
    parser.add_argument("--kinds", nargs="+", default=["uniform", "class"])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    has_cleanlab = importlib.util.find_spec("cleanlab") is not None
    if has_cleanlab:
        from cleanlab.filter import find_label_issues
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    print("| dataset | noise | method | flagged | precision | recall | P@#errors | "
          "acc noisy → fixed (clean) |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.datasets:
        ds = load_dataset(name, max_samples=DATASETS.get(name))
        for kind in args.kinds:
            for rate in args.rates:
                rows: dict[str, list[tuple[float, ...]]] = {}
                for seed in range(args.seeds):
                    train, test = train_test_split(np.arange(ds.n_samples), test_size=0.25,
                                                   stratify=ds.y, random_state=seed)
                    X, y_true = ds.X[train], ds.y[train]
                    y_noisy, flipped = inject_label_noise(y_true, rate, kind=kind,
                                                          random_state=seed)
                    start = time.perf_counter()
                    proba, classes = out_of_sample_probabilities(X, y_noisy, model, cv=5,
                                                                 random_state=seed)
                    codes = np.searchsorted(classes, y_noisy)
                    cv_seconds = time.perf_counter() - start
                    acc = {}
                    for label, y_fit in (("noisy", y_noisy), ("clean", y_true)):
                        acc[label] = clone(model).fit(X, y_fit).score(ds.X[test], ds.y[test])
                    rankings = {}
                    for method in ("normalized_margin", "self_confidence"):
                        queue = confident_learning(proba, codes, method=method)
                        rankings[f"activelab {method}"] = (queue.order[:queue.n_flagged],
                                                           queue.order)
                    if has_cleanlab:
                        issues = find_label_issues(codes, proba,
                                                   return_indices_ranked_by="normalized_margin")
                        rankings["cleanlab normalized_margin"] = (issues, issues)
                    for method, (flagged_idx, order) in rankings.items():
                        n_err = int(flipped.sum())
                        hits = flipped[flagged_idx].sum()
                        fixed = y_noisy.copy()
                        fixed[flagged_idx] = y_true[flagged_idx]  # the reviewer corrects them
                        acc_fixed = clone(model).fit(X, fixed).score(ds.X[test], ds.y[test])
                        rows.setdefault(method, []).append((
                            len(flagged_idx), hits / max(len(flagged_idx), 1), hits / n_err,
                            precision_at_k(order, flipped, n_err) if len(order) else 0.0,
                            acc["noisy"], acc_fixed, acc["clean"], cv_seconds))
                for method, values in rows.items():
                    m = np.mean(values, axis=0)
                    print(f"| {name} (n={ds.n_samples}) | {kind} {rate:.0%} | {method} | "
                          f"{m[0]:.0f} | {m[1]:.3f} | {m[2]:.3f} | {m[3]:.3f} | "
                          f"{m[4]:.3f} → {m[5]:.3f} ({m[6]:.3f}) |", flush=True)


if __name__ == "__main__":
    main()
