"""Large-pool benchmark: activelab's batch strategies vs scikit-activeml and modAL, one command.

    python benchmarks/scale.py --quick            # 20k and 200k rows, peers limited to 120 s
    python benchmarks/scale.py                    # 20k, 200k, 1M rows and a 10M-row memmap

Every (method, dataset, size) runs in its own subprocess; ours and the peer's
run in the same invocation, so ratios are comparable even on a busy machine.
Each measurement has a time limit; a method over it is reported as "> limit".

Memory is the method's own extra peak over a baseline taken after the pool is
loaded, the model fitted and the library imported: the process's high-water
mark is reset there (``5`` written to ``/proc/self/clear_refs``) and read back
as ``VmHWM`` afterwards, and tracemalloc (which sees NumPy's allocations)
cross-checks it.  Both are printed in bytes and as a ratio to the pool's bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BATCH = 1_000
N_LABELS = 200
COVER = Path(__file__).resolve().parents[1] / "../shared/data/adbench_classical/10_cover.npz"

OURS = ["coreset", "badge", "cluster-margin", "typiclust", "qbc-kl", "margin", "seals-margin"]
PEERS = ["skactiveml CoreSet", "skactiveml Badge", "skactiveml TypiClust", "skactiveml QBC",
         "modAL ranked batch"]
#: (ours, peer's equivalent) rows of the report; None = no peer equivalent.
PAIRS = [("coreset", "skactiveml CoreSet"), ("badge", "skactiveml Badge"),
         ("typiclust", "skactiveml TypiClust"), ("cluster-margin", "skactiveml TypiClust"),
         ("cluster-margin", "modAL ranked batch"), ("qbc-kl", "skactiveml QBC"),
         ("margin", None), ("seals-margin", None)]


# ---------------------------------------------------------------- data (parent process)
def synthetic(n: int, cache: Path) -> Path:
    """make_classification-like 5-class pool, 50 float32 features, cached as .npy files."""
    path = cache / f"synthetic_{n}"
    if not (path / "X.npy").exists():
        from sklearn.datasets import make_classification

        path.mkdir(parents=True, exist_ok=True)
        X, y = make_classification(n_samples=n, n_features=50, n_informative=20,
                                   n_redundant=10, n_classes=5, random_state=0)
        np.save(path / "X.npy", X.astype(np.float32))
        np.save(path / "y.npy", y)
    return path


def cover(n: int, cache: Path) -> Path | None:
    """ADBench covertype (286,048 x 10, standardised), subsampled to ``n`` rows."""
    if not COVER.exists():
        return None
    data = np.load(COVER)
    total = len(data["y"])
    n = min(n, total)
    path = cache / f"cover_{n}"
    if not (path / "X.npy").exists():
        path.mkdir(parents=True, exist_ok=True)
        rows = np.sort(np.random.default_rng(0).choice(total, n, replace=False))
        X = data["X"][rows].astype(np.float64)
        X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
        np.save(path / "X.npy", X.astype(np.float32))
        np.save(path / "y.npy", data["y"][rows].astype(int))
    return path


def memmap_pool(n: int, cache: Path) -> Path:
    """An ``n`` x 50 float32 .npy written chunk by chunk (never whole in memory)."""
    path = cache / f"memmap_{n}"
    if not (path / "X.npy").exists():
        path.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(0)
        centers = rng.normal(size=(5, 50)).astype(np.float32) * 1.5
        X = np.lib.format.open_memmap(path / "X.npy", mode="w+", dtype=np.float32,
                                      shape=(n, 50))
        y = rng.integers(0, 5, n)
        for start in range(0, n, 1 << 20):
            stop = min(n, start + (1 << 20))
            X[start:stop] = centers[y[start:stop]] + rng.normal(size=(stop - start, 50))
        X.flush()
        np.save(path / "y.npy", y)
    return path


# ---------------------------------------------------------------- one measurement (child)
def _status_bytes(field: str) -> int:
    """``VmRSS`` or ``VmHWM`` of this process from /proc/self/status, in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak_rss() -> int:
    """Reset the high-water mark to the current RSS and return that RSS (the baseline).

    Without the reset the peak would still hold whatever loading the data and
    fitting the model needed, long before the method ran.
    """
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return _status_bytes("VmHWM")


def _labelled(y: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(0)
    first = [rng.choice(np.flatnonzero(y == c)) for c in np.unique(y)]
    rest = rng.choice(np.setdiff1d(np.arange(len(y)), first), N_LABELS - len(first),
                      replace=False)
    return np.sort(np.concatenate([first, rest]))


def _run_peer(method, X, y, labeled, model):
    from sklearn.linear_model import LogisticRegression

    classes = np.unique(y)
    if method == "modAL ranked batch":
        from modAL.batch import uncertainty_batch_sampling
        from modAL.models import ActiveLearner

        learner = ActiveLearner(LogisticRegression(max_iter=1000), X_training=X[labeled],
                                y_training=y[labeled])
        unlabeled = np.setdiff1d(np.arange(len(X)), labeled)
        return uncertainty_batch_sampling(learner, X[unlabeled], n_instances=BATCH)
    from skactiveml.classifier import SklearnClassifier
    from skactiveml.pool import Badge, CoreSet, QueryByCommittee, TypiClust

    y_missing = np.full(len(y), np.nan)
    y_missing[labeled] = y[labeled]
    if method == "skactiveml CoreSet":
        return CoreSet(random_state=0).query(X, y_missing, batch_size=BATCH)
    if method == "skactiveml TypiClust":
        return TypiClust(random_state=0).query(X, y_missing, batch_size=BATCH)
    if method == "skactiveml Badge":
        clf = SklearnClassifier(LogisticRegression(max_iter=1000), classes=classes,
                                random_state=0)
        return Badge(random_state=0).query(X, y_missing, clf=clf, batch_size=BATCH)
    if method == "skactiveml QBC":
        from sklearn.ensemble import BaggingClassifier

        ensemble = SklearnClassifier(BaggingClassifier(LogisticRegression(max_iter=1000),
                                                       n_estimators=5, random_state=0),
                                     classes=classes, random_state=0)
        return QueryByCommittee(random_state=0).query(X, y_missing, ensemble=ensemble,
                                                      batch_size=BATCH)
    raise ValueError(method)


def _stream_methods(method, path, model):
    """10M-row memmap: activelab's streamed top-k vs a plain numpy pass over the file."""
    from activelab import Pool
    from activelab.large_pool import score_pool_streaming
    from activelab.strategies.scores import margin

    X = np.load(path / "X.npy", mmap_mode="r")
    if method == "numpy margin pass":
        scores = np.empty(len(X), dtype=np.float32)
        for start in range(0, len(X), 65_536):
            scores[start:start + 65_536] = margin(model.predict_proba(X[start:start + 65_536]))
        return np.argpartition(-scores, BATCH)[:BATCH]
    pool = Pool(X)  # validation streams over the file too; it is part of the timing
    pool.teach(_labelled_memmap(path), np.load(path / "y.npy")[_labelled_memmap(path)])
    return score_pool_streaming(pool, model, BATCH)[0]


def _labelled_memmap(path):
    return np.arange(N_LABELS) * 7


def child(spec: dict) -> dict:
    import warnings

    from sklearn.linear_model import LogisticRegression

    warnings.filterwarnings("ignore")
    path, method = Path(spec["path"]), spec["method"]
    streamed = spec["kind"] == "memmap"
    X = np.load(path / "X.npy", mmap_mode="r" if streamed else None)
    y = np.load(path / "y.npy")
    labeled = _labelled_memmap(path) if streamed else _labelled(y)
    model = LogisticRegression(max_iter=1000).fit(np.asarray(X[labeled]), y[labeled])
    # Import the library under test before the baseline, so it counts as interpreter, not run.
    if method.startswith("skactiveml"):
        import skactiveml.pool  # noqa: F401
    elif method.startswith("modAL"):
        import modAL.batch  # noqa: F401
    else:
        import activelab.large_pool  # noqa: F401
        import activelab.strategies  # noqa: F401
    import tracemalloc

    pool = None
    if not streamed and method in OURS:
        from activelab import Pool

        # The pool and its label state (one int64 class code per item) exist whatever the
        # method; the baseline comes after them, so the figure is the method's own.
        pool = Pool(X)
        pool.teach(labeled, y[labeled])
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError()))
    signal.alarm(int(spec["limit"]))
    extra: dict = {}
    baseline = _reset_peak_rss()
    # Mapped file pages count in RSS; tracemalloc sees only real allocations.
    tracemalloc.start()
    start = time.perf_counter()
    try:
        if streamed:
            _stream_methods(method, path, model)
        elif pool is not None:
            from activelab.strategies import make_strategy

            params = {"n_jobs": 2} if method == "seals-margin" else {}
            strategy = make_strategy(method, random_state=0, **params)
            strategy.query(pool, model, BATCH)
            if method == "seals-margin":  # second query: the index is built once per pool
                first = time.perf_counter() - start
                again = time.perf_counter()
                strategy.query(pool, model, BATCH)
                extra = {"first_query_s": first, "cached_index_s": time.perf_counter() - again}
        else:
            _run_peer(method, X, y, labeled, model)
        seconds = time.perf_counter() - start
        status = "ok"
    except TimeoutError:
        seconds, status = float(spec["limit"]), "timeout"
    signal.alarm(0)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    peak = _status_bytes("VmHWM")
    return {**spec, "status": status, "seconds": seconds, "baseline_rss": baseline,
            "peak_rss": peak, "extra_peak": max(0, peak - baseline),
            "traced_peak": traced_peak, "pool_bytes": int(X.nbytes), **extra}


# ---------------------------------------------------------------- driver
def measure(spec: dict) -> dict:
    cmd = [sys.executable, __file__, "--child", json.dumps(spec)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=spec["limit"] + 600)
    except subprocess.TimeoutExpired:
        return {**spec, "status": "timeout", "seconds": spec["limit"]}
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["killed"])[-1][:120]
        return {**spec, "status": f"failed: {reason}", "seconds": float("nan")}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _available(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _fmt(r: dict | None) -> str:
    if r is None:
        return "not run"
    if r["status"] == "timeout":
        return f"> {r['limit']:.0f} s"
    if r["status"] != "ok":
        return r["status"]
    return f"{r['seconds']:.2f} s"


def report(results: list[dict]) -> str:
    by_key = {(r["dataset"], r["n"], r["method"]): r for r in results}
    lines = ["| dataset | rows | ours | time | extra peak RSS (x pool) | "
             "traced peak (x pool) | peer | peer time | speed-up |",
             "|---|---:|---|---:|---:|---:|---|---:|---:|"]
    for dataset, n in sorted({(r["dataset"], r["n"]) for r in results if r["kind"] != "memmap"},
                             key=lambda t: (t[0], t[1])):
        for ours, peer in PAIRS:
            mine = by_key.get((dataset, n, ours))
            if mine is None:
                continue
            theirs = by_key.get((dataset, n, peer)) if peer else None
            ratio = ""
            if mine["status"] == "ok" and theirs is not None:
                if theirs["status"] == "ok":
                    ratio = f"{theirs['seconds'] / mine['seconds']:.1f}x"
                elif theirs["status"] == "timeout":
                    ratio = f"> {theirs['limit'] / mine['seconds']:.0f}x"
            memory = (f"{_memory(mine, 'extra_peak')} | {_memory(mine, 'traced_peak')}"
                      if mine["status"] == "ok" else " | ")
            note = ""
            if ours == "seals-margin" and mine["status"] == "ok":
                note = f" (first {mine['first_query_s']:.1f} s incl. index, " \
                       f"then {mine['cached_index_s']:.2f} s)"
            lines.append(f"| {dataset} | {n:,} | {ours} | {_fmt(mine)}{note} | {memory} | "
                         f"{peer or '-'} | {_fmt(theirs) if peer else '-'} | {ratio} |")
    for r in results:
        if r["kind"] == "memmap" and r["status"] == "ok":
            lines.append(f"| memmap | {r['n']:,} | {r['method']} | {_fmt(r)} | "
                         f"{_memory(r, 'extra_peak')} (file pages) | "
                         f"{_memory(r, 'traced_peak')} | | | |")
    return "\n".join(lines)


DIVERSITY = ["coreset", "badge", "cluster-margin", "typiclust"]


def over_budget(results: list[dict]) -> str:
    """Which diversity batch methods needed more than 1x the pool's bytes extra."""
    over = [f"{r['method']} on {r['dataset']} {r['n']:,}: "
            f"{max(r['extra_peak'], r['traced_peak']) / r['pool_bytes']:.2f}x"
            for r in results
            if r["method"] in DIVERSITY and r["status"] == "ok"
            and max(r["extra_peak"], r["traced_peak"]) > r["pool_bytes"]]
    return ("\nextra peak over 1x the pool: " + ("; ".join(over) if over else "none")
            + " (diversity batch methods, larger of RSS and traced)")


def _memory(r: dict, key: str) -> str:
    """Extra bytes of one measurement, in MB and as a ratio to the pool's bytes."""
    return f"{r[key] / 2**20:.0f} MB ({r[key] / r['pool_bytes']:.2f}x)"


def plot(results: list[dict], path: str) -> None:
    """Seconds and extra peak memory (x the pool) of our methods, one bar group per pool."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ours = [r for r in results if r["method"] in OURS and r["status"] == "ok"]
    pools = sorted({(r["dataset"], r["n"]) for r in ours})
    methods = [m for m in OURS if any(r["method"] == m for r in ours)]
    by_key = {(r["dataset"], r["n"], r["method"]): r for r in ours}
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    width = 0.8 / max(1, len(pools))
    for i, (dataset, n) in enumerate(pools):
        xs = np.arange(len(methods)) + i * width
        rows = [by_key.get((dataset, n, m)) for m in methods]
        axes[0].bar(xs, [r["seconds"] if r else 0 for r in rows], width,
                    label=f"{dataset} {n:,}")
        axes[1].bar(xs, [max(r["extra_peak"], r["traced_peak"]) / r["pool_bytes"] if r else 0
                         for r in rows], width)
    for ax, title in zip(axes, ("seconds per batch of 1,000", "extra peak memory (x pool)"),
                         strict=True):
        ax.set_xticks(np.arange(len(methods)) + 0.4 - width / 2, methods, rotation=30)
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
    axes[1].axhline(1.0, color="grey", linestyle="--", linewidth=1)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def label_efficiency(datasets: list[str], seeds: int, out: str) -> None:
    """Normalised AULC of fast (pre-filtered / sampled) vs exact modes on real datasets.

    The pools here are small, so fast mode is forced with a candidate budget of
    500 (a 10-40x thinning of these pools, more than 1M -> 50k).
    """
    import warnings

    from activelab.data import load_dataset
    from activelab.simulation import simulate
    from activelab.strategies import BADGE, ClusterMargin, CoreSet, TypiClust

    warnings.filterwarnings("ignore")
    variants = {
        ("coreset", "exact"): CoreSet(max_candidates=None, random_state=0),
        ("coreset", "fast"): CoreSet(max_candidates=500, random_state=0),
        ("badge", "exact"): BADGE(max_candidates=None, random_state=0),
        ("badge", "fast"): BADGE(max_candidates=500, random_state=0),
        ("typiclust", "exact"): TypiClust(max_candidates=None, random_state=0),
        ("typiclust", "fast"): TypiClust(max_candidates=500, random_state=0),
        ("cluster-margin", "exact"): ClusterMargin(max_cluster_rows=None, random_state=0),
        ("cluster-margin", "fast"): ClusterMargin(max_cluster_rows=500, random_state=0),
    }
    rows = []
    for name in datasets:
        dataset = load_dataset(name)
        for (strategy, mode), instance in variants.items():
            result = simulate(dataset, model="logreg", strategy=instance, initial=20,
                              batch=20, budget=300, seeds=seeds)
            aulc = [run.aulc() for run in result.runs]
            rows.append({"dataset": name, "strategy": strategy, "mode": mode,
                         "aulc_mean": float(np.mean(aulc)), "aulc_sd": float(np.std(aulc))})
            print(f"{name:>20} {strategy:>15} {mode:>6} AULC {np.mean(aulc):.4f} "
                  f"+- {np.std(aulc):.4f}", flush=True)
    Path(out).write_text(json.dumps(rows, indent=1))
    print("\n| dataset | strategy | exact AULC | fast AULC | fast - exact |")
    print("|---|---|---:|---:|---:|")
    for name in datasets:
        for strategy in ("coreset", "badge", "typiclust", "cluster-margin"):
            exact, fast = (next(r for r in rows if r["dataset"] == name and
                                r["strategy"] == strategy and r["mode"] == m)
                           for m in ("exact", "fast"))
            print(f"| {name} | {strategy} | {exact['aulc_mean']:.4f} +- {exact['aulc_sd']:.4f} "
                  f"| {fast['aulc_mean']:.4f} +- {fast['aulc_sd']:.4f} | "
                  f"{fast['aulc_mean'] - exact['aulc_mean']:+.4f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,200000,1000000",
                        help="comma-separated pool sizes")
    parser.add_argument("--limit", type=float, default=600.0,
                        help="seconds per measurement before it is reported as '> limit'")
    parser.add_argument("--memmap-rows", type=int, default=10_000_000,
                        help="rows of the streamed-margin memmap pool (0 to skip)")
    parser.add_argument("--quick", action="store_true",
                        help="sizes 20k,200k, limit 120 s, no memmap pool")
    parser.add_argument("--datasets", default="synthetic,cover")
    parser.add_argument("--methods", default="", help="comma-separated subset of methods")
    parser.add_argument("--cache", default=os.environ.get("ACTIVELAB_SCALE_CACHE",
                                                          "/tmp/activelab-scale"))
    parser.add_argument("--out", default="scale_results.json")
    parser.add_argument("--label-efficiency", action="store_true",
                        help="instead: AULC of fast vs exact modes on real datasets")
    parser.add_argument("--le-datasets", default="sklearn:digits,spambase,phoneme,covertype_head6k")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--plot", help="also draw seconds and memory of our methods to this PNG")
    parser.add_argument("--from-json", help="report (and plot) the results of an earlier --out "
                                            "instead of measuring")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    if args.from_json:
        results = json.loads(Path(args.from_json).read_text())
        print(report(results))
        print(over_budget(results))
        if args.plot:
            plot(results, args.plot)
        return
    if args.label_efficiency:
        label_efficiency(args.le_datasets.split(","), args.seeds, args.out)
        return
    if args.quick:
        args.sizes, args.limit, args.memmap_rows = "20000,200000", min(args.limit, 120.0), 0
    sizes = [int(s) for s in args.sizes.split(",") if s]
    cache = Path(args.cache)
    methods = list(OURS)
    methods += [p for p in PEERS if _available("skactiveml" if "skactiveml" in p else "modAL")]
    missing = [p for p in PEERS if p not in methods]
    if args.methods:
        methods = [m for m in methods if m in args.methods.split(",")]
    specs = []
    for dataset in args.datasets.split(","):
        for n in sizes:
            path = synthetic(n, cache) if dataset == "synthetic" else cover(n, cache)
            if path is None:
                print(f"skipping {dataset}: {COVER} not found", file=sys.stderr)
                break
            rows = len(np.load(path / "y.npy", mmap_mode="r"))
            if any(s["dataset"] == dataset and s["n"] == rows for s in specs):
                continue  # a real pool smaller than the requested size
            specs += [{"dataset": dataset, "n": rows, "kind": "dense", "method": m,
                       "path": str(path), "limit": args.limit} for m in methods]
    if args.memmap_rows:
        path = memmap_pool(args.memmap_rows, cache)
        specs += [{"dataset": "memmap", "n": args.memmap_rows, "kind": "memmap", "method": m,
                   "path": str(path), "limit": args.limit}
                  for m in ("numpy margin pass", "activelab score_pool_streaming")]
    results = []
    for spec in specs:
        result = measure(spec)
        results.append(result)
        print(f"{spec['dataset']:>9} {spec['n']:>9,} {spec['method']:<32} {_fmt(result)}",
              flush=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(f"\nmachine: {platform.platform()}, {os.cpu_count()} CPUs, "
          f"python {platform.python_version()}; peers not installed: {missing or 'none'}")
    print(f"command: python benchmarks/scale.py {' '.join(argv or sys.argv[1:])}\n")
    print(report(results))
    print(over_budget(results))
    if args.plot:
        plot(results, args.plot)


if __name__ == "__main__":
    main()
