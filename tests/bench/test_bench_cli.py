"""``activelab bench`` and ``activelab datasets`` through Typer, on real (small) datasets."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from activelab.bench import COLUMNS, expand_cells, profile_config
from activelab.bench.cli import register
from activelab.data import ENV_VAR, available_datasets, find_data_dir


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    register(app)
    return app


def test_register_adds_both_commands(app):
    assert {command.name for command in app.registered_commands} == {"bench", "datasets"}


def test_datasets_lists_what_can_be_loaded(app):
    result = CliRunner().invoke(app, ["datasets"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for info in available_datasets():
        if info.available:
            assert info.name in result.output


def test_bench_from_flags_then_resume(app, tmp_path):
    args = ["bench", "--datasets", "sklearn:iris", "--strategies", "margin,auto", "--seeds", "2",
            "--initial", "6", "--batch", "6", "--budget", "30", "--out", str(tmp_path)]
    first = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    assert "6 cell(s) run, 0 already done; 0 failed" in first.output
    table = pd.read_parquet(tmp_path / "results.parquet")
    assert list(table.columns) == COLUMNS and set(table["strategy"]) == {"margin", "auto",
                                                                         "random"}
    assert (tmp_path / "report.md").exists()
    second = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert "0 cell(s) run, 6 already done" in second.output


def test_bench_rejects_a_bad_grid(app, tmp_path):
    result = CliRunner().invoke(app, ["bench", "--quick", "--profile", "default"])
    assert result.exit_code != 0
    assert "--quick is --profile quick" in str(result.exception)


@pytest.mark.slow
def test_quick_profile_end_to_end(app, tmp_path):
    """What CI runs: the quick profile (2 small datasets) in seconds on 2 cores."""
    config = profile_config("quick")
    known = {info.name: info.available for info in available_datasets()}
    missing = [spec.name for spec in config.datasets if not known.get(spec.name)]
    if missing:
        pytest.skip(f"quick-profile datasets not found here: {missing} (see activelab.data)")
    result = CliRunner().invoke(app, ["bench", "--quick", "--n-jobs", "2", "--out",
                                      str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(tmp_path / "results.parquet")
    assert table["cell"].nunique() == len(expand_cells(config))
    assert set(table["dataset"]) == {spec.label for spec in config.datasets}
    report = (tmp_path / "report.md").read_text()
    assert "Cells that could not run" not in report
    figures = {p.name for p in (tmp_path / "figures").iterdir()}
    assert figures == {"curves_sklearn_digits_1000.png", "curves_banknote.png", "summary.png"}


def test_failed_cells_exit_non_zero_and_say_why(app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["bench", "--datasets", "nope.csv,sklearn:iris", "--strategies", "margin",
            "--seeds", "1", "--initial", "6", "--batch", "6", "--budget", "18", "--out", "out"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "4 cell(s) run, 0 already done; 2 failed" in result.output
    assert "2 cell(s) failed" in result.output
    for strategy in ("margin", "random"):  # each failed cell, with its reason
        assert re.search(rf"nope\.csv · logreg · {strategy} · seed 0 · initial 6 · batch 6 +│ "
                         r"DataError: data file 'nope\.csv' does not exist", result.output)
    assert "sklearn:iris · " not in result.output  # the cells that ran are not listed
    assert "Cells that could not run" in (tmp_path / "out" / "report.md").read_text()
    # Resuming runs nothing, and still fails: the grid is incomplete.
    again = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert again.exit_code == 1 and "0 cell(s) run, 4 already done; 2 failed" in again.output


def test_datasets_says_why_a_dataset_cannot_be_loaded(app, tmp_path, monkeypatch):
    source = find_data_dir()
    if source is None or not (source / "banknote").is_dir():
        pytest.skip("the shared data folder with banknote/ is not here")
    data = tmp_path / "data"
    shutil.copytree(source / "banknote", data / "banknote")  # one dataset, not the others
    infos = {info.name: info for info in available_datasets(data)}
    assert infos["banknote"].available and infos["banknote"].unavailable_reason is None
    spambase = infos["spambase"]
    assert not spambase.available
    assert spambase.unavailable_reason == f"missing {data / 'spambase' / 'spambase.data'}"
    monkeypatch.setenv(ENV_VAR, str(data))
    listed = CliRunner().invoke(app, ["datasets"], env={"COLUMNS": "200"}).output
    assert re.search(r"│ banknote +│.*│ yes +│", listed)
    assert re.search(r"│ spambase +│.*│ no: missing", listed)
    assert "data folder was not found" not in listed
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere"))
    listed = CliRunner().invoke(app, ["datasets"], env={"COLUMNS": "200"}).output
    assert re.search(r"│ banknote +│.*│ no: no data folder +│", listed)
    assert (f"The shared data folder was not found ({ENV_VAR}='{tmp_path / 'nowhere'}' is not "
            f"a directory). Set {ENV_VAR}") in " ".join(listed.split())
    assert re.search(r"│ sklearn:iris +│.*│ yes +│", listed)
