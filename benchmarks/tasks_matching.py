"""Record matching: "same entity?" questions to reach the full-data F1, vs random pairs.

Run:  python benchmarks/tasks_matching.py [--seeds 5] [--rows 1000] [--corrupt 0.3 0.5]

Data: UCI Adult rows (shared data) as two tables of ``--rows`` rows; half of the right
table are copies of left rows re-keyed with errors (each field corrupted with
probability CORRUPT: typos, abbreviations, token swaps, case changes, digit typos in
fnlwgt, +-1..5 on age/hours; 5 % of fields blanked), the other half are other Adult
rows.  Blocking keeps 10 nearest left rows per right row (TF-IDF char 2-4-grams).
Model (--model): standardised logistic regression (default) or a random forest ("rf"),
on 51 per-field similarity features.
Every plan starts, per seed, from the same split and seed set (10 pairs: 5 from the 20
most similar, 5 at random) unless the plan says "random seed".
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from activelab.metrics import labels_to_reach, normalized_aulc
from activelab.tasks.matching import build_matching_problem, load_adult_records, simulate_matching

# (strategy, seed-set method); the first is the baseline every ratio is taken against.
PLANS = [("random", "similarity"), ("margin", "similarity"), ("auto", "similarity"),
         ("margin", "random"), ("random", "random")]


def summarise(runs, budget, target_fraction):
    aulc = [normalized_aulc(r.n_labels, r.metrics["f1"], budget) for r in runs]
    reach = [labels_to_reach(r.n_labels, r.metrics["f1"],
                             target_fraction * r.reference["full_f1"]) for r in runs]
    return {
        "aulc": np.array(aulc),
        "reach": reach,
        "final_f1": float(np.mean([r.metrics["f1"][-1] for r in runs])),
        "final_f1_non_match": float(np.mean([r.metrics["f1_non_match"][-1] for r in runs])),
    }


def reach_text(reach, budget):
    hit = [n for n in reach if n is not None]
    if not hit:
        return f"never (0/{len(reach)}) within {budget}"
    # A seed that never reaches the target counts as the budget: a lower bound.
    mean = np.mean([n if n is not None else budget for n in reach])
    more = "" if len(hit) == len(reach) else " (>=)"
    return f"{mean:.0f}{more} ({len(hit)}/{len(reach)})"


def ratio_text(reach, base, reach_capped, base_capped):
    """Mean labels to the target over the baseline's; a seed that never gets there counts
    as the budget, which makes the ratio a bound: '<=' when only the baseline missed."""
    ratio = np.mean(reach_capped) / np.mean(base_capped)
    missed, base_missed = None in reach, None in base
    if missed and base_missed:
        return f"{ratio:.2f} (both capped)"
    return ("<= " if base_missed else ">= " if missed else "") + f"{ratio:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--corrupt", type=float, nargs="+", default=[0.3, 0.5])
    parser.add_argument("--model", default="logreg", help="logreg, rf or another model name")
    parser.add_argument("--initial", type=int, default=10)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--target", type=float, default=0.95,
                        help="fraction of the full-data F1 to reach")
    args = parser.parse_args()
    print(f"| data | strategy (seed set) | F1-AULC {args.initial}-{args.budget} (mean ± sd) "
          f"| ratio to random | final F1 match / non-match | labels to {args.target:.0%} of "
          "full-data F1 (mean; seeds reaching) | labels ratio to random | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    references = []
    for corrupt in args.corrupt:
        start = time.perf_counter()
        tables = load_adult_records(args.rows, args.rows, corrupt_rate=corrupt, random_state=0)
        problem = build_matching_problem(tables)
        build = time.perf_counter() - start
        name = f"adult {args.rows}x{args.rows}, corrupt {corrupt:g}, {args.model}"
        base = None
        for strategy, seed_method in PLANS:
            start = time.perf_counter()
            runs = simulate_matching(problem, model=args.model, strategy=strategy,
                                     initial_method=seed_method,
                                     initial=args.initial, batch=args.batch,
                                     budget=args.budget, seeds=args.seeds)
            seconds = time.perf_counter() - start
            s = summarise(runs, args.budget, args.target)
            base = s if base is None else base
            reach = [n if n is not None else args.budget for n in s["reach"]]
            base_reach = [n if n is not None else args.budget for n in base["reach"]]
            print(f"| {name} | {strategy} ({seed_method}) | {s['aulc'].mean():.3f} ± "
                  f"{s['aulc'].std():.3f} | {s['aulc'].mean() / base['aulc'].mean():.2f} | "
                  f"{s['final_f1']:.3f} / {s['final_f1_non_match']:.3f} | "
                  f"{reach_text(s['reach'], args.budget)} | "
                  f"{ratio_text(s['reach'], base['reach'], reach, base_reach)} | "
                  f"{seconds + build:.0f} |", flush=True)
            build = 0.0
        ref = {key: np.mean([r.reference[key] for r in runs]) for key in runs[0].reference}
        block = problem.blocking
        references.append(
            f"| {name} | {block.n_pairs} of {block.n_possible} | {block.reduction_ratio:.4f} "
            f"| {block.recall:.3f} | {int(problem.y.sum())} ({problem.y.mean():.1%}) | "
            f"{ref['full_f1']:.3f} / {ref['full_f1_non_match']:.3f} | "
            f"{ref['threshold_f1']:.3f} |")
    print()
    print("| data | candidate pairs | reduction ratio | blocking recall | matches among "
          "candidates | full-data F1 match / non-match | best-threshold F1 (mean similarity) |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(references))


if __name__ == "__main__":
    main()
