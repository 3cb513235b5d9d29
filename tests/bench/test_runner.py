"""Running a grid: the tidy table, resuming, failures, determinism, parallel back-ends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _bench_helpers import toy_loader

from activelab import ConfigError
from activelab.bench import (
    COLUMNS,
    ResultStore,
    expand_cells,
    make_config,
    run_benchmark,
    run_cell,
)
from activelab.bench import runner as runner_module
from activelab.bench.cells import CURVE_METRICS

GRID = dict(datasets=["blobs-240"], strategies=["margin", "auto"], seeds=2, initial=[12],
            batch=[6, 12], budget=48)


def run(tmp_path, name="out", **kwargs):
    config = make_config(**{**GRID, **kwargs.pop("grid", {})})
    return run_benchmark(config, tmp_path / name, loader=toy_loader, progress=False, **kwargs)


def sorted_rows(table: pd.DataFrame) -> pd.DataFrame:
    keep = table[~table["metric"].isin(["query_seconds", "fit_seconds"])]
    return keep.sort_values(["cell", "metric", "round"]).reset_index(drop=True)


def test_tidy_table_schema(tmp_path):
    result = run(tmp_path)
    table = result.table
    assert list(table.columns) == COLUMNS
    assert result.n_cells == result.n_run == 1 * 2 * 1 * 1 * 2 * 3  # random is added
    assert set(table["metric"]) == {*CURVE_METRICS, "full_accuracy"}
    assert table["value"].dtype == np.float64
    for column in ("seed", "initial", "batch", "budget", "round", "n_labels"):
        assert table[column].dtype == np.int64, column
    # one row per (cell, metric, round); every curve runs from the seed set to the budget
    assert not table.duplicated(["cell", "metric", "round"]).any()
    curve = table[(table["metric"] == "accuracy") & (table["batch"] == 6)]
    for _, rows in curve.groupby("cell"):
        assert rows["n_labels"].tolist() == list(range(12, 49, 6))
    accuracy = table[table["metric"].isin(["accuracy", "balanced_accuracy", "macro_f1"])]
    assert accuracy["value"].between(0, 1).all()
    full = table[table["metric"] == "full_accuracy"]
    assert len(full) == result.n_cells and (full["n_labels"] == 180).all()  # 75% of 240
    assert (table.loc[table["metric"] == "query_seconds", "value"] >= 0).all()
    # what is stored is what was returned: per-cell files and the combined file
    assert result.results_path.exists()
    stored = pd.read_parquet(result.results_path)
    pd.testing.assert_frame_equal(sorted_rows(stored), sorted_rows(table))


def test_strategies_of_one_seed_share_split_and_seed_set(tmp_path):
    table = run(tmp_path).table
    first = table[(table["metric"] == "accuracy") & (table["round"] == 0)]
    # round 0 is the seed set alone: identical model, identical accuracy for every strategy
    assert first.groupby(["seed", "batch"])["value"].nunique().eq(1).all()
    full = table[table["metric"] == "full_accuracy"]
    assert full.groupby("seed")["value"].nunique().eq(1).all()
    assert full.groupby("seed")["value"].first().nunique() == 2  # but seeds differ


class Interrupted(Exception):
    """Stands in for Ctrl-C or a killed job in the middle of a run."""


def test_resume_skips_finished_cells(tmp_path, monkeypatch):
    calls = []
    interrupt_at = [4]
    real = runner_module.run_cell

    def counting(cell, loader=None):
        calls.append(cell.key)
        if len(calls) == interrupt_at[0]:
            raise Interrupted  # after three cells were written
        return real(cell, loader)

    monkeypatch.setattr(runner_module, "run_cell", counting)
    with pytest.raises(Interrupted):
        run(tmp_path)
    store = ResultStore(tmp_path / "out")
    finished_first = store.finished_keys()
    assert len(finished_first) == 3
    assert not list((tmp_path / "out" / "cells").glob(".*"))  # no half-written file left

    calls.clear()
    interrupt_at[0] = -1
    result = run(tmp_path)
    assert result.n_skipped == 3 and result.n_run == 9 and len(calls) == 9
    assert not set(calls) & finished_first  # nothing finished was redone
    calls.clear()
    again = run(tmp_path)
    assert calls == [] and again.n_run == 0 and again.n_skipped == 12
    pd.testing.assert_frame_equal(sorted_rows(again.table), sorted_rows(result.table))


@pytest.mark.slow
def test_same_master_seed_same_results(tmp_path):
    first = run(tmp_path, "a").table
    second = run(tmp_path, "b").table
    pd.testing.assert_frame_equal(sorted_rows(first), sorted_rows(second))
    other = run(tmp_path, "c", grid={"master_seed": 1}).table
    assert not set(first["cell"]) & set(other["cell"])
    assert not np.allclose(sorted_rows(first)["value"], sorted_rows(other)["value"])


def test_a_failing_cell_is_recorded_not_raised(tmp_path, monkeypatch):
    # modAL needs predict_proba; LinearSVC has none: that case fails, the rest runs.
    pytest.importorskip("modAL")
    grid = {"strategies": ["modal:margin"], "models": ["linearsvm", "logreg"], "batch": [12]}
    result = run(tmp_path, grid=grid)
    failures = result.failures
    assert len(failures) == 2
    assert set(failures["model"]) == {"linearsvm"}
    assert failures["error"].str.contains("predict_proba").all()
    assert set(result.table["model"]) == {"linearsvm", "logreg"}  # random ran on both
    assert set(result.table.query("model == 'linearsvm'")["strategy"]) == {"random"}
    # a failure is an outcome: not retried unless asked
    calls = []
    real = runner_module.run_cell
    monkeypatch.setattr(runner_module, "run_cell",
                        lambda cell, loader=None: calls.append(cell) or real(cell, loader))
    run(tmp_path, grid=grid)
    assert calls == []
    retried = run(tmp_path, grid=grid, retry_failed=True)
    assert len(calls) == 2 and len(retried.failures) == 2


def test_peers_choose_like_activelab_on_the_same_model(tmp_path):
    # Same split, seed set, model and batch: modAL's and scikit-activeml's margin must pick the
    # same items as activelab's margin (logistic regression has no tied margins here).
    pytest.importorskip("modAL")
    pytest.importorskip("skactiveml")
    grid = {"strategies": ["margin", "modal:margin", "skactiveml:margin"], "batch": [6]}
    table = run(tmp_path, grid=grid).table
    accuracy = table[table["metric"] == "accuracy"].pivot_table(
        index=["seed", "n_labels"], columns="strategy", values="value")
    np.testing.assert_array_equal(accuracy["modal:margin"], accuracy["margin"])
    np.testing.assert_array_equal(accuracy["skactiveml:margin"], accuracy["margin"])
    assert not np.array_equal(accuracy["random"], accuracy["margin"])


def test_bad_n_jobs(tmp_path):
    with pytest.raises(ConfigError, match="n_jobs"):
        run(tmp_path, n_jobs=0)


def test_joblib_equals_sequential(tmp_path):
    sequential = run(tmp_path, "seq").table
    parallel = run(tmp_path, "par", n_jobs=2).table
    pd.testing.assert_frame_equal(sorted_rows(parallel), sorted_rows(sequential))


@pytest.mark.slow
def test_dask_local_cluster_equals_sequential(tmp_path):
    distributed = pytest.importorskip("distributed")
    sequential = run(tmp_path, "seq").table
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        on_cluster = run(tmp_path, "dask", dask_scheduler=client)
        assert on_cluster.n_run == len(expand_cells(make_config(**GRID)))
        by_address = run(tmp_path, "dask2", dask_scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(sorted_rows(on_cluster.table), sorted_rows(sequential))
    pd.testing.assert_frame_equal(sorted_rows(by_address.table), sorted_rows(sequential))


def test_text_cells_run_and_a_peer_without_sparse_support_is_recorded(tmp_path):
    pytest.importorskip("skactiveml")
    grid = {"datasets": ["texts-160"], "strategies": ["auto", "skactiveml:margin"],
            "seeds": 1, "batch": [6]}
    result = run(tmp_path, grid=grid)
    assert set(result.table["strategy"]) == {"auto", "random"}
    assert result.failures["strategy"].tolist() == ["skactiveml:margin"]
    assert "Sparse data was passed" in result.failures["error"].iloc[0]


def test_csv_fallback_round_trips(tmp_path):
    cell = expand_cells(make_config(**{**GRID, "seeds": 1, "batch": [12]}))[0]
    outcome = run_cell(cell, toy_loader)
    store = ResultStore(tmp_path, use_parquet=False)
    store.write(outcome)
    assert store.cell_path(cell.key).name == f"{cell.key}.csv"
    assert store.finished_keys() == {cell.key}
    loaded = store.load()
    pd.testing.assert_frame_equal(loaded, outcome.table, check_dtype=False)
    assert store.write_combined(loaded).name == "results.csv"


def test_full_data_reference_is_fitted_once_per_seed_and_model(monkeypatch):
    """Strategies and batch sizes of one seed share the full-data fit; seeds do not."""
    from activelab.bench import DatasetSpec
    from activelab.bench import cells as cells_module
    from activelab.data import load_dataset

    dataset = load_dataset("sklearn:iris")
    calls = []
    real = cells_module.full_data_accuracy

    def counting(*args, **kwargs):
        calls.append(args[1].learner_seed)
        return real(*args, **kwargs)

    monkeypatch.setattr(cells_module, "full_data_accuracy", counting)
    spec = DatasetSpec(name="sklearn:iris")
    outcomes = [
        cells_module.run_cell(cells_module.Cell(spec, "logreg", strategy, seed, 6, batch, 18,
                                                0.25, 0), loader=lambda *_: dataset)
        for seed in (0, 1) for strategy in ("random", "margin") for batch in (3, 6)]
    assert all(outcome.error is None for outcome in outcomes)
    assert len(calls) == 2 and calls[0] != calls[1]
    fulls = [o.table.loc[o.table["metric"] == "full_accuracy", "value"].iloc[0]
             for o in outcomes]
    assert len(set(fulls[:4])) == 1 and len(set(fulls[4:])) == 1
