"""`activelab simulate` on a Parquet pool kept on disk, scored here or on a Dask LocalCluster."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification

from activelab.disk_data import load_parquet_on_disk
from activelab.large_pool import ParquetFeatures, StreamingScorer
from activelab.simulation import simulate

pytest.importorskip("distributed")

LOOP = ["--initial", "20", "--batch", "10", "--budget", "60", "--seeds", "2"]


def activelab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "activelab.cli", *args], capture_output=True,
                          text=True, timeout=300)


def _write(path, n_samples, n_features, row_group_size):
    X, y = make_classification(n_samples=n_samples, n_features=n_features, n_informative=4,
                               n_classes=3, random_state=0)
    frame = pd.DataFrame(X.astype(np.float32), columns=[f"f{j}" for j in range(n_features)])
    frame["label"] = np.array(["ant", "bee", "cat"])[y]
    frame.to_parquet(path, row_group_size=row_group_size)
    return path


@pytest.fixture(scope="module")
def parquet(tmp_path_factory):
    return _write(tmp_path_factory.mktemp("disk_simulate") / "pool.parquet", 3_000, 6, 500)


@pytest.mark.slow
def test_simulate_on_disk_and_on_dask_gives_the_in_memory_curves(parquet, tmp_path):
    results = {}
    for name, extra in [("memory", []), ("disk", ["--pool-on-disk"]),
                        ("dask", ["--pool-on-disk", "--dask", "local"])]:
        out = tmp_path / f"{name}.json"
        done = activelab("simulate", str(parquet), "--target", "label", "--strategy", "margin",
                         *LOOP, *extra, "--out", str(out))
        assert done.returncode == 0, done.stderr
        results[name] = json.loads(out.read_text())["runs"]
    for name in ("disk", "dask"):
        for run, reference in zip(results[name], results["memory"], strict=True):
            assert run["n_labels"] == reference["n_labels"] == [20, 30, 40, 50, 60]
            assert run["accuracy"] == reference["accuracy"]
            assert np.isnan(run["full_accuracy"]), "not computed: it would load the pool"


@pytest.mark.parametrize("args, message", [
    (["--pool-on-disk", "--dask", "local", "--strategy", "coreset"], "--dask scores the pool"),
    (["--pool-on-disk", "--target", "nope"], "target column 'nope' is not in"),
    (["--pool-on-disk", "--task", "regression"], "--pool-on-disk applies to --task classification"),
])
def test_simulate_refuses_options_it_cannot_honour(parquet, tmp_path, args, message):
    target = [] if "--target" in args else ["--target", "label"]
    out = tmp_path / "r.json"
    done = activelab("simulate", str(parquet), *target, *args, *LOOP, "--out", str(out))
    assert done.returncode != 0
    assert message in done.stdout + done.stderr
    assert not out.exists()


@pytest.mark.slow
def test_on_disk_simulation_never_holds_the_features(tmp_path):
    """24 MB of features: a run reads them block by block and allocates a fraction of them."""
    path = _write(tmp_path / "big.parquet", 100_000, 60, 5_000)
    dataset = load_parquet_on_disk(path, "label")
    assert isinstance(dataset.X, ParquetFeatures)
    seen = []
    tracemalloc.start()
    result = simulate(dataset, strategy="margin", initial=20, batch=10, budget=40, seeds=1,
                      scorer=StreamingScorer(), on_round=lambda _seed, n: seen.append(n))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seen == [20, 30, 40] and len(result.runs[0].accuracy) == 3
    assert peak < 12_000_000, f"the run allocated {peak} bytes for 24 MB of features"
