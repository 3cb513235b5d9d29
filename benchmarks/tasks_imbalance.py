"""Finding rare classes: labels until every class has k examples, vs random sampling.

Run:  python benchmarks/tasks_imbalance.py [--seeds 5] [--k 5]

Sets: mnist (10,000-row subset) cut so digits 8 and 9 are 50x rarer than the others
(1:50; 500 per common digit, 10 per rare one; 50 PCA components), sms_spam
(TF-IDF, 13% spam), adbench:thyroid (2.5% anomalies as a class).
Every strategy starts from the same seed set per seed (random or k-means).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression

from activelab.data import load_dataset
from activelab.models.factory import make_text_vectorizer
from activelab.tasks.imbalance import labels_to_cover, make_imbalanced, simulate_class_discovery

PLANS = [("random", "random"), ("random", "margin"), ("random", "entropy"),
         ("kmeans", "random"), ("kmeans", "margin"), ("kmeans", "entropy")]


def datasets():
    mnist = load_dataset("mnist")
    idx = make_imbalanced(mnist.y, [8, 9], ratio=50, n_common=500)
    # 50 principal components (unsupervised, fitted on the pool) keep the 60 refits per run fast.
    X = PCA(n_components=50, random_state=0).fit_transform(mnist.X[idx])
    yield "mnist 1:50 (8, 9 rare; PCA-50)", X, mnist.y[idx]
    sms = load_dataset("sms_spam")
    X = make_text_vectorizer().set_params(dtype=np.float64).fit_transform(sms.X)
    yield "sms_spam", X, sms.y
    thyroid = load_dataset("adbench:thyroid")
    yield "adbench:thyroid", thyroid.X, thyroid.y


def random_order_expectation(y: np.ndarray, k: int, n_permutations: int = 1000) -> float:
    """Mean labels to cover when items are labelled in a uniformly random order (no cap).

    Random sampling never looks at the model, so its count is that of a random
    permutation; this gives the uncensored baseline the capped runs cannot.
    """
    rng = np.random.default_rng(0)
    classes = np.unique(y).tolist()
    return float(np.mean([labels_to_cover(y[rng.permutation(len(y))], classes, k)
                          for _ in range(n_permutations)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--initial", type=int, default=10)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--max-labels", type=int, default=600)
    args = parser.parse_args()
    print(f"| dataset | seed set | strategy | labels until every class has {args.k} "
          "(mean; budget if never) | ratio to random/random | runs covered | seconds |")
    print("|---|---|---|---|---|---|---|")
    for name, X, y in datasets():
        sparse = hasattr(X, "tocsr")
        model = LogisticRegression(max_iter=2000, C=10.0 if sparse else 1.0)
        expected = random_order_expectation(np.asarray(y), args.k)
        print(f"| {name} (n={len(y)}) | - | random order, uncapped (1000 permutations) | "
              f"{expected:.0f} | - | - | - |", flush=True)
        base = None
        for method, strategy in PLANS:
            if method == "kmeans" and sparse:
                continue  # k-means seeds need dense features
            start = time.perf_counter()
            res = simulate_class_discovery(X, y, model, strategy=strategy, initial=args.initial,
                                           initial_method=method, batch=args.batch, k=args.k,
                                           max_labels=args.max_labels, seeds=args.seeds)
            seconds = time.perf_counter() - start
            mean = res.mean_labels()
            base = mean if base is None else base
            counts = ", ".join(str(r.labels_to_cover) for r in res.runs)
            print(f"| {name} (n={len(y)}) | {method} | {strategy} | {mean:.0f} ({counts}) | "
                  f"{mean / base:.2f} | {res.n_covered()}/{len(res.runs)} | {seconds:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
