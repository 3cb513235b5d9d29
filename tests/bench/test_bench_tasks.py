"""`activelab bench` on tasks other than classification (``task = "regression"``, ...)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from activelab.bench import expand_cells, make_config, run_benchmark
from activelab.bench.cli import register
from activelab.bench.config import load_config
from activelab.bench.stats import paired_tests, penalty_matrix
from activelab.exceptions import ConfigError
from activelab.tasks.curves import TaskCurves
from activelab.tasks.registry import task_runner
from model_zoo import write_topic_jsonl


def _regression_grid(**changes):
    grid = {"task": "regression", "datasets": ["sklearn:diabetes"],
            "strategies": ["igs", "gsx"], "seeds": 2, "initial": 10, "batch": 10,
            "budget": 40}
    return make_config(**{**grid, **changes})


def test_a_task_grid_uses_the_tasks_default_model_and_adds_random():
    config = _regression_grid()
    assert config.task == "regression"
    assert config.models == ("ridge",)
    assert config.strategies == ("igs", "gsx", "random")
    cells = expand_cells(config)
    assert {cell.task for cell in cells} == {"regression"}
    assert len({cell.key for cell in cells}) == len(cells) == 6


def test_task_and_classification_cells_never_share_a_key():
    task_cell = expand_cells(_regression_grid(strategies=["random"], seeds=1))[0]
    plain = make_config(datasets=["sklearn:diabetes"], strategies=["random"], seeds=1,
                        initial=10, batch=10, budget=40, models=["logreg"])
    assert task_cell.key != expand_cells(plain)[0].key


@pytest.mark.parametrize(("changes", "message"), [
    ({"task": "astrology"}, "unknown task 'astrology'"),
    ({"strategies": ["margin"]}, "unknown regression strategy 'margin'"),
    ({"models": ["logreg"]}, "unknown model 'logreg'"),
    ({"datasets": [{"name": "sklearn:diabetes", "max_samples": 100}]},
     "reads its data whole"),
    ({"initial_method": "kmeans"}, "draws its seed sets at random"),
])
def test_a_bad_task_grid_fails_before_anything_runs(changes, message):
    with pytest.raises(ConfigError, match=message):
        _regression_grid(**changes)


def test_a_toml_task_grid_runs_resumes_and_reports(tmp_path):
    path = tmp_path / "reg.toml"
    path.write_text('task = "regression"\nseeds = 2\nbudget = 40\ninitial = [10]\n'
                    'batch = [10]\nstrategies = ["igs"]\ndatasets = ["sklearn:diabetes"]\n')
    config = load_config(path)
    first = run_benchmark(config, tmp_path / "out", progress=False)
    assert first.n_run == 4 and first.failures.empty
    table = first.table
    assert {"rmse", "mae", "r2", "query_seconds", "fit_seconds",
            "reference:full_rmse"} <= set(table["metric"])
    curve = table[(table["metric"] == "rmse") & (table["strategy"] == "igs")
                  & (table["seed"] == 0)].sort_values("round")
    assert curve["n_labels"].tolist() == [10, 20, 30, 40]
    assert np.isfinite(curve["value"]).all() and (curve["value"] > 0).all()
    again = run_benchmark(config, tmp_path / "out", progress=False)
    assert again.n_run == 0 and again.n_skipped == 4
    pd.testing.assert_frame_equal(first.table.reset_index(drop=True),
                                  again.table.reset_index(drop=True))


def test_lower_is_better_turns_a_lower_aulc_into_a_win():
    rows = [("d", "m", 10, 10, strategy, seed, value)
            for seed in range(6)
            for strategy, value in (("random", 50.0 + seed), ("igs", 40.0 + seed * 1.01))]
    aulc = pd.DataFrame(rows, columns=["dataset", "model", "initial", "batch", "strategy",
                                       "seed", "aulc"])
    assert paired_tests(aulc, lower_is_better=True)["outcome"].tolist() == ["win"]
    assert paired_tests(aulc)["outcome"].tolist() == ["loss"]


def test_penalty_matrix_with_lower_is_better_credits_the_lower_curve():
    rows = []
    for seed in range(4):
        for n_labels in (20, 30):
            rows.append(("d", "m", 10, 10, "random", seed, 40, n_labels, "rmse",
                         10.0 + 0.1 * seed))
            rows.append(("d", "m", 10, 10, "igs", seed, 40, n_labels, "rmse",
                         5.0 + 0.2 * seed))
    table = pd.DataFrame(rows, columns=["dataset", "model", "initial", "batch", "strategy",
                                        "seed", "budget", "n_labels", "metric", "value"])
    matrix, n_settings = penalty_matrix(table, metric="rmse", lower_is_better=True)
    assert n_settings == 1
    assert matrix.loc["igs", "random"] == pytest.approx(1.0)
    assert matrix.loc["random", "igs"] == 0.0


def test_multilabel_cells_run_on_a_users_jsonl(tmp_path):
    data = write_topic_jsonl(tmp_path / "docs.jsonl", seed=3)
    config = make_config(task="multilabel", datasets=[str(data)], strategies=["max-margin"],
                         seeds=1, initial=10, batch=10, budget=30)
    result = run_benchmark(config, tmp_path / "out", progress=False)
    assert result.failures.empty
    micro = result.table[result.table["metric"] == "micro_f1"]
    assert sorted(micro["n_labels"].unique()) == [10, 20, 30]
    assert micro["value"].between(0, 1).all()
    assert (result.table["metric"] == "reference:full_micro_f1").sum() == 2


def test_a_failing_task_cell_is_recorded_not_raised(tmp_path):
    config = make_config(task="regression", datasets=["sklearn:iris"], strategies=["igs"],
                         seeds=1, initial=10, batch=10, budget=30)
    result = run_benchmark(config, tmp_path, progress=False)
    assert len(result.failures) == 2
    assert result.failures["error"].str.contains("numeric target").all()


def test_curves_that_do_not_line_up_are_a_runner_bug():
    curves = TaskCurves(n_labels=[10, 20], metrics={"f1": [0.5]}, query_seconds=[0.0, 0.1],
                        fit_seconds=[0.1, 0.1])
    with pytest.raises(ValueError, match="not aligned"):
        curves.check()


def test_an_unknown_task_runner_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown task"):
        task_runner("astrology")


def test_the_bench_cli_takes_a_task_flag(tmp_path):
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    register(app)
    args = ["bench", "--task", "regression", "--datasets", "sklearn:diabetes", "--strategies",
            "igs", "--seeds", "2", "--initial", "10", "--batch", "10", "--budget", "30",
            "--out", str(tmp_path)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "mean AULC of rmse" in result.output and "lower is better" in result.output
    report = (tmp_path / "report.md").read_text()
    assert "## Normalised AULC (rmse, mean ± std over seeds; lower is better)" in report
    assert "win = significantly lower AULC than random" in report


def test_text_features_are_part_of_a_dataset_spec_and_its_key():
    plain = make_config(datasets=["sms_spam"], strategies=["margin"], seeds=1, budget=40)
    embedded = make_config(datasets=[{"name": "sms_spam", "features": "MiniLM"}],
                           strategies=["margin"], seeds=1, budget=40)
    assert embedded.datasets[0].features == "minilm"
    assert embedded.datasets[0].label == "sms_spam+minilm"
    assert expand_cells(plain)[0].key != expand_cells(embedded)[0].key
    with pytest.raises(ConfigError, match="unknown features 'word2vec'"):
        make_config(datasets=[{"name": "sms_spam", "features": "word2vec"}],
                    strategies=["margin"])
    with pytest.raises(ConfigError, match="applies to classification"):
        _regression_grid(datasets=[{"name": "sklearn:diabetes", "features": "minilm"}])
