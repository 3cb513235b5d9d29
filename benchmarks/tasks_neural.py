"""Neural networks: MC-dropout strategies on an MLP, and sentence embeddings vs TF-IDF.

Run:  python benchmarks/tasks_neural.py [--seeds 3] [--part mnist|text|both]

(a) mnist subset: a PyTorch MLP (one hidden layer of 128, dropout 0.5) in a
    StandardScaler pipeline, queried by BALD, greedy BatchBALD, mean-std
    (all on 20 consistent MC-dropout samples), margin and random.
(b) a text set: logistic regression on all-MiniLM-L6-v2 sentence embeddings vs
    on TF-IDF (fitted on the pool), each with margin and random.

Every strategy of one seed shares the split, the seed set and the learner seed
(``activelab.simulation.make_split``); AULC is the mean accuracy over the label
budget, and the ratio is against random on the same features and seeds.
Needs the ``torch`` and ``embeddings`` extras.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from activelab.data import load_dataset
from activelab.simulation import full_data_accuracy, make_split, simulate_run

MASTER_SEED = 0


def run_plans(dataset, plans, *, seeds: int, initial: int, batch: int, budget: int,
              test_size: float) -> dict[tuple[str, str], list]:
    """Runs of every ``(label, model, strategy)`` plan, per seed; same splits for all."""
    y = np.asarray(dataset.y)
    runs: dict[tuple[str, str], list] = {}
    full: dict[tuple[int, str], float] = {}
    for seed in range(seeds):
        split = make_split(y, seed, master_seed=MASTER_SEED, test_size=test_size,
                           initial=initial)
        for label, data, model, strategy in plans:
            data = dataset if data is None else data
            key = (seed, label)
            if key not in full:
                full[key] = full_data_accuracy(data, split, model)
            start = time.perf_counter()
            run = simulate_run(data, split, seed=seed, model=model, strategy=strategy,
                               batch=batch, budget=budget, full_accuracy=full[key])
            run.seconds = time.perf_counter() - start
            runs.setdefault((label, strategy), []).append(run)
            print(f"  seed {seed} {label:<18} {strategy:<10} AULC {run.aulc(budget):.3f} "
                  f"final {run.accuracy[-1]:.3f} ({run.seconds:.0f} s)", flush=True)
    return runs


def report(title: str, runs, budget: int, fraction: float, checkpoints: list[int]) -> None:
    print(f"\n### {title}\n")
    head = " | ".join(f"acc@{n}" for n in checkpoints)
    print(f"| features/model | strategy | AULC (mean ± sd) | vs random | {head} | "
          f"labels to {fraction:.0%} of full | full-data acc | s/run |")
    print("|---|---|---|---|" + "---|" * len(checkpoints) + "---|---|---|")
    for (label, strategy), seed_runs in runs.items():
        aulc = np.array([r.aulc(budget) for r in seed_runs])
        base = np.array([r.aulc(budget) for r in runs[(label, "random")]])
        ratio = (aulc / base).mean()
        accs = []
        for n in checkpoints:
            values = [r.accuracy[r.n_labels.index(n)] for r in seed_runs if n in r.n_labels]
            accs.append(f"{np.mean(values):.3f}" if values else "-")
        reach = [r.labels_to_fraction(fraction) for r in seed_runs]
        reached = [v for v in reach if v is not None]
        reach_text = ", ".join("never" if v is None else str(v) for v in reach)
        if reached and len(reached) == len(reach):
            reach_text += f" (mean {np.mean(reached):.0f})"
        full = np.mean([r.full_accuracy for r in seed_runs])
        secs = np.mean([r.seconds for r in seed_runs])
        print(f"| {label} | {strategy} | {aulc.mean():.3f} ± {aulc.std():.3f} | "
              f"{ratio:.3f} | {' | '.join(accs)} | {reach_text} | {full:.3f} | {secs:.0f} |")


def mnist_part(args) -> None:
    data = load_dataset("mnist", max_samples=args.mnist_rows, random_state=0)
    print(f"mnist subset: {data.n_samples} rows, torch-mlp", flush=True)
    plans = [("torch-mlp (MC dropout)", None, "torch-mlp", s)
             for s in ("random", "margin", "bald", "batchbald", "mean-std")]
    runs = run_plans(data, plans, seeds=args.seeds, initial=args.initial, batch=args.batch,
                     budget=args.budget, test_size=0.25)
    points = sorted({args.initial, args.budget // 2, args.budget})
    report(f"mnist ({data.n_samples:,} rows), MLP, seed set {args.initial}, batches of "
           f"{args.batch}, budget {args.budget}", runs, args.budget, args.mnist_fraction, points)


def text_part(args) -> None:
    raw = load_dataset(args.text)
    start = time.perf_counter()
    embedded = load_dataset(args.text, features="minilm")
    print(f"{args.text}: {raw.n_samples} texts embedded in {time.perf_counter() - start:.0f} s",
          flush=True)
    plans = [(label, data, "logreg", s) for label, data in
             (("TF-IDF + LR", raw), ("MiniLM + LR", embedded)) for s in ("random", "margin")]
    runs = run_plans(raw, plans, seeds=args.seeds, initial=args.text_initial,
                     batch=args.text_batch, budget=args.text_budget, test_size=0.25)
    budget = args.text_budget
    points = sorted({args.text_initial, budget // 4, budget // 2, budget})
    report(f"{args.text} ({raw.n_samples:,} texts), logistic regression, seed set "
           f"{args.text_initial}, batches of {args.text_batch}, budget {budget}", runs, budget,
           0.95, points)
    print()
    for strategy in ("random", "margin"):
        ratio = np.mean([e.aulc(budget) / t.aulc(budget) for e, t in
                         zip(runs[("MiniLM + LR", strategy)], runs[("TF-IDF + LR", strategy)],
                             strict=True)])
        print(f"AULC MiniLM / TF-IDF with {strategy}: {ratio:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("mnist", "text", "both"), default="both")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--mnist-rows", type=int, default=2000)
    parser.add_argument("--initial", type=int, default=20)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--mnist-fraction", type=float, default=0.8)
    parser.add_argument("--text", default="trec")
    parser.add_argument("--text-initial", type=int, default=20)
    parser.add_argument("--text-batch", type=int, default=20)
    parser.add_argument("--text-budget", type=int, default=400)
    args = parser.parse_args()
    start = time.perf_counter()
    if args.part in ("mnist", "both"):
        mnist_part(args)
    if args.part in ("text", "both"):
        text_part(args)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
