"""Label efficiency of the default configuration against margin, random and the peers' margin.

    python benchmarks/fewlabels.py                          # the small run of docs/benchmarks.md
    python benchmarks/fewlabels.py --datasets sklearn:digits,wine --seeds 5 --budget 300

Every strategy runs on the same splits, seed sets and base model (logistic
regression): ``default`` is ``activelab simulate``'s default configuration
(``auto`` with the model chosen among its semi-supervised variants by
cross-validation); ``margin``, ``random`` and the peers' margin (modAL,
scikit-activeml, small-text, each when installed) run the plain model, as a peer
library would.  The report gives, per dataset and overall:

- AULC (mean normalised area under the accuracy curve, over seeds; a seed whose
  seed set holds a single class has no model for its first round, which is left
  out of the curve, the same for every strategy);
- labels to reach 95% and 99% of the full-data accuracy (the same model on the
  whole pool), median over seeds, as a ratio to random's (``>`` budget: never
  reached; a ratio with ``<=`` is a bound, random never got there; settings where
  neither got there are left out of the medians);
- paired tests of per-seed AULC against margin and against random: win / tie / loss
  at p < 0.05 (Wilcoxon signed-rank from 6 seeds on, the paired t-test below, where
  Wilcoxon cannot reach p < 0.05).

BLAS runs single-threaded; the run prints its own wall time.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from activelab.bench.peers import make_peer_strategy
from activelab.bench.stats import paired_p_value
from activelab.data import load_dataset, subsample
from activelab.metrics import normalized_aulc
from activelab.simulation import DEFAULT_CONFIGURATION, configuration, simulate

#: Datasets looked at while the default configuration was built, and the rest (held out).
DEVELOPMENT = ("sklearn:digits", "sklearn:breast_cancer", "sms_spam[2000]")
HELD_OUT = ("sklearn:wine", "phoneme[2000]", "spambase[2000]", "trec[2000]")
# Any dataset not in DEVELOPMENT counts as held out.
PEERS = {"modal:margin": "modAL", "skactiveml:margin": "skactiveml",
         "small-text:margin": "small_text"}
FRACTIONS = (0.95, 0.99)
ALPHA = 0.05


def _load(name: str) -> Any:
    if name.endswith("]"):
        base, size = name[:-1].split("[")
        return subsample(load_dataset(base), int(size), random_state=0)
    return load_dataset(name)


def _peer(name: str) -> Any | None:
    """The peer's margin strategy, or None when its library is not installed (or has no
    adapter here)."""
    try:
        importlib.import_module(PEERS[name])
        return make_peer_strategy(name)
    except Exception:  # not installed, or no adapter: skipped and reported
        return None


def _run(dataset: Any, name: str, loop: dict[str, int]) -> Any:
    if name in PEERS:
        strategy = _peer(name)
        return simulate(dataset, strategy=strategy, name=name, **loop)
    return simulate(dataset, **configuration(name), **loop)


def _labels_to(result: Any, fraction: float) -> float:
    """Median over seeds of the labels to ``fraction`` of full-data accuracy (inf: never)."""
    reached = [run.labels_to_fraction(fraction) for run in result.runs]
    return float(np.median([np.inf if n is None else n for n in reached]))


def _ratio(labels: float, random_labels: float, budget: int) -> tuple[float, str]:
    if np.isinf(labels) and np.isinf(random_labels):  # left out of the medians
        return np.nan, f"neither within {budget}"
    if np.isinf(labels):
        return np.inf, f"> {budget} (random {random_labels:g})"
    if np.isinf(random_labels):  # random needs more than the budget: a bound
        return labels / budget, f"<= {labels / budget:.2f}"
    return labels / random_labels, f"{labels / random_labels:.2f}"


def _aulc(run: Any, budget: int) -> float:
    """AULC over the rounds that had a model: a seed set of a single class (rare on
    imbalanced sets) fits none, on the same seed for every strategy."""
    accuracy = np.asarray(run.accuracy, dtype=float)
    fitted = ~np.isnan(accuracy)
    return normalized_aulc(np.asarray(run.n_labels)[fitted], accuracy[fitted], budget)


def _verdict(ours: np.ndarray, theirs: np.ndarray) -> str:
    p, _ = paired_p_value(ours - theirs)
    if np.isnan(p) or p >= ALPHA:
        return "tie"
    return "win" if np.mean(ours - theirs) > 0 else "loss"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DEVELOPMENT + HELD_OUT))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--initial", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("runs/fewlabels.json"))
    args = parser.parse_args(argv)
    loop = {"initial": args.initial, "batch": args.batch, "budget": args.budget,
            "seeds": args.seeds}
    peers = [name for name in PEERS if _peer(name) is not None]
    skipped = [name for name in PEERS if name not in peers]
    names = [DEFAULT_CONFIGURATION, "margin", "random", *peers]
    start = time.perf_counter()
    rows: dict[str, dict[str, Any]] = {}
    for data in args.datasets.split(","):
        dataset = _load(data)
        results = {}
        for name in names:
            began = time.perf_counter()
            with threadpool_limits(1), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    results[name] = _run(dataset, name, loop)
                except Exception as error:  # a peer that cannot run this data
                    print(f"{data} {name}: failed ({type(error).__name__}: {error})",
                          file=sys.stderr)
                    continue
            aulc = np.mean([_aulc(run, args.budget) for run in results[name].runs])
            print(f"{data:>24} {name:>18} AULC {aulc:.4f} "
                  f"({time.perf_counter() - began:.0f} s)", file=sys.stderr, flush=True)
        rows[data] = _setting(results, args.budget)
        report = {"command": "python benchmarks/fewlabels.py " + " ".join(argv),
                  "held_out": [d for d in rows if d not in DEVELOPMENT],
                  "development": [d for d in rows if d in DEVELOPMENT],
                  "peers_skipped": skipped, "seconds": round(time.perf_counter() - start),
                  "settings": rows, "overall": _overall(rows, names)}
        # Written after every dataset: an interrupted run keeps what it measured.
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1))
        args.out.with_suffix(".md").write_text(_markdown(report, names) + "\n")
    print(args.out.with_suffix(".md").read_text())


def _setting(results: dict[str, Any], budget: int) -> dict[str, Any]:
    aulcs = {name: np.array([_aulc(run, budget) for run in r.runs]) for name, r in
             results.items()}
    row: dict[str, Any] = {"aulc": {n: float(a.mean()) for n, a in aulcs.items()}}
    for fraction in FRACTIONS:
        key = f"to_{round(fraction * 100)}"
        random_labels = _labels_to(results["random"], fraction)
        row[key] = {n: _ratio(_labels_to(r, fraction), random_labels, budget)
                    for n, r in results.items() if n != "random"}
    row["vs_margin"] = {n: _verdict(a, aulcs["margin"]) for n, a in aulcs.items()
                        if n != "margin"}
    row["vs_random"] = {n: _verdict(a, aulcs["random"]) for n, a in aulcs.items()
                        if n != "random"}
    return row


def _overall(rows: dict[str, dict[str, Any]], names: list[str]) -> dict[str, Any]:
    overall: dict[str, Any] = {}
    for name in names:
        entry: dict[str, Any] = {
            "mean_aulc": float(np.mean([r["aulc"][name] for r in rows.values()
                                        if name in r["aulc"]]))}
        for key in ("vs_margin", "vs_random"):
            verdicts = [r[key][name] for r in rows.values() if name in r[key]]
            if verdicts:
                entry[key] = "/".join(str(verdicts.count(v)) for v in ("win", "tie", "loss"))
        for fraction in FRACTIONS:
            key = f"to_{round(fraction * 100)}"
            ratios = [r[key][name][0] for r in rows.values()
                      if name in r.get(key, {}) and not np.isnan(r[key][name][0])]
            if ratios:
                entry[f"median_ratio_{key}"] = float(np.median(ratios))
        overall[name] = entry
    return overall


def _markdown(report: dict[str, Any], names: list[str]) -> str:
    lines = [f"command: {report['command']}  ({report['seconds']} s)",
             f"held out: {', '.join(report['held_out'])}; development: "
             f"{', '.join(report['development'])}; peers skipped (not installed): "
             f"{', '.join(report['peers_skipped']) or 'none'}", "",
             "| dataset | " + " | ".join(f"{n} AULC" for n in names) +
             " | default labels to 95% / 99% vs random | margin labels to 95% / 99% vs random"
             " | default vs margin | default vs random |",
             "|---" * (len(names) + 5) + "|"]
    for data, row in report["settings"].items():
        cells = [f"{row['aulc'].get(n, float('nan')):.4f}" for n in names]
        for name in (DEFAULT_CONFIGURATION, "margin"):
            cells.append(" / ".join(row[f"to_{round(f * 100)}"].get(name, (0, "n/a"))[1]
                                    for f in FRACTIONS))
        cells += [row["vs_margin"].get(DEFAULT_CONFIGURATION, "n/a"),
                  row["vs_random"].get(DEFAULT_CONFIGURATION, "n/a")]
        lines.append(f"| {data} | " + " | ".join(cells) + " |")
    lines += ["", "| strategy | mean AULC | vs margin W/T/L | vs random W/T/L | median ratio to "
              "random, labels to 95% | to 99% |", "|---|---|---|---|---|---|"]
    for name, entry in report["overall"].items():
        lines.append(f"| {name} | {entry['mean_aulc']:.4f} | {entry.get('vs_margin', '—')} | "
                     f"{entry.get('vs_random', '—')} | "
                     f"{entry.get('median_ratio_to_95', float('nan')):.2f} | "
                     f"{entry.get('median_ratio_to_99', float('nan')):.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main(sys.argv[1:])
