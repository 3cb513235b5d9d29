"""Benchmark grids: TOML parsing, profiles, flag overrides, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from activelab import ConfigError
from activelab.bench import DatasetSpec, expand_cells, load_config, make_config, profile_config
from activelab.bench.cli import resolve_config
from activelab.bench.config import PROFILES

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

GOOD = """
name = "mine"
master_seed = 7
seeds = 2
budget = 60
initial = [10, 20]
batch = [5]
models = ["logreg", "nb"]
strategies = ["margin", "modal:margin"]
datasets = ["banknote", { name = "sklearn:digits", max_samples = 500, budget = 80 }]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "grid.toml"
    path.write_text(text)
    return path


def test_toml_is_parsed_into_a_grid(tmp_path):
    config = load_config(write(tmp_path, GOOD))
    assert config.name == "mine" and config.master_seed == 7 and config.seeds == 2
    assert config.initial == (10, 20) and config.batch == (5,)
    assert config.models == ("logreg", "nb")
    # the baseline is added so that every ratio has its reference run on the same splits
    assert config.strategies == ("margin", "modal:margin", "random")
    assert config.datasets == (DatasetSpec("banknote"),
                               DatasetSpec("sklearn:digits", max_samples=500, budget=80))
    assert config.budget_for(config.datasets[0]) == 60
    assert config.budget_for(config.datasets[1]) == 80


def test_cells_cover_the_grid_and_share_seeds(tmp_path):
    config = load_config(write(tmp_path, GOOD))
    cells = expand_cells(config)
    assert len(cells) == 2 * 2 * 2 * 2 * 1 * 3  # datasets, seeds, models, initial, batch, strat
    assert len({cell.key for cell in cells}) == len(cells)
    assert {cell.master_seed for cell in cells} == {7}
    digits = [cell for cell in cells if cell.dataset.name == "sklearn:digits"]
    assert {cell.budget for cell in digits} == {80}


def test_a_dataset_can_narrow_the_models(tmp_path):
    text = GOOD.replace('"banknote",', '{ name = "banknote", models = ["nb"] },')
    config = load_config(write(tmp_path, text))
    cells = expand_cells(config)
    assert {c.model for c in cells if c.dataset.name == "banknote"} == {"nb"}
    assert {c.model for c in cells if c.dataset.name == "sklearn:digits"} == {"logreg", "nb"}
    # the override picks cells; it does not change what a cell is
    plain = {c.key for c in expand_cells(load_config(write(tmp_path, GOOD)))}
    assert {c.key for c in cells} < plain
    with pytest.raises(ConfigError, match=r"unknown model 'forest' in datasets\[0\]\.models"):
        make_config(datasets=[{"name": "x", "models": ["forest"]}], strategies=["margin"])


def test_cell_keys_are_stable_and_depend_on_every_field():
    config = make_config(datasets=["banknote"], strategies=["margin"], seeds=1, budget=40)
    first = expand_cells(config)
    again = expand_cells(make_config(datasets=["banknote"], strategies=["margin"], seeds=1,
                                     budget=40))
    assert [c.key for c in first] == [c.key for c in again]
    other = expand_cells(make_config(datasets=["banknote"], strategies=["margin"], seeds=1,
                                     budget=41))
    assert not {c.key for c in first} & {c.key for c in other}


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_shipped_toml_files_match_the_builtin_profiles(profile):
    assert load_config(BENCHMARKS / f"suite_{profile}.toml") == profile_config(profile)


@pytest.mark.parametrize("path", sorted(BENCHMARKS.glob("suite_*.toml")), ids=lambda p: p.stem)
def test_every_shipped_suite_is_valid(path):
    config = load_config(path)
    assert config.name == path.stem.removeprefix("suite_")


def test_default_profile_meets_the_protocol():
    config = profile_config("default")
    assert len(config.datasets) >= 12 and len(config.models) >= 3
    assert len(config.batch) >= 2 and config.seeds >= 5
    assert max(config.budget_for(d) for d in config.datasets) == 1000


@pytest.mark.parametrize(("text", "message"), [
    ('strategies = ["margin"]', "missing required key 'datasets'"),
    ('datasets = ["x"]', "missing required key 'strategies'"),
    ('datasets = ["x"]\nstrategies = ["psychic"]', "unknown strategy 'psychic'"),
    ('datasets = ["x"]\nstrategies = ["modal:psychic"]', "unknown strategy 'modal:psychic'"),
    ('datasets = ["x"]\nstrategies = ["margin"]\nmodels = ["forest"]', "unknown model 'forest'"),
    ('datasets = ["x"]\nstrategies = ["margin"]\nseeds = 0', "seeds must be at least 1"),
    ('datasets = ["x"]\nstrategies = ["margin"]\nseeds = "3"', "seeds must be an integer"),
    ('datasets = ["x"]\nstrategies = ["margin"]\nbatch = []', "batch must list at least one"),
    ('datasets = ["x"]\nstrategies = ["margin"]\ntest_size = 1.5', "test_size must be"),
    ('datasets = ["x"]\nstrategies = ["margin"]\nbudget = 20', "must exceed the largest seed"),
    ('datasets = []\nstrategies = ["margin"]', "datasets must list at least one"),
    ('datasets = ["x", "x"]\nstrategies = ["margin"]', "more than once"),
    ('datasets = [{ max_samples = 5 }]\nstrategies = ["margin"]', "needs a non-empty 'name'"),
    ('datasets = [{ name = "x", rows = 5 }]\nstrategies = ["margin"]', "unknown key(s) ['rows']"),
    ('datasets = ["x"]\nstrategies = ["margin"]\nbugdet = 5', "unknown key(s) ['bugdet']"),
    ('datasets = ["x"\nstrategies = ["margin"]', "not valid TOML"),
])
def test_bad_configs_fail_with_a_clear_message(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=r"grid\.toml") as error:
        load_config(path)
    assert message in str(error.value)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_unknown_profile():
    with pytest.raises(ConfigError, match="unknown profile 'huge'"):
        profile_config("huge")


def test_flags_override_a_profile_and_build_a_grid_alone():
    quick = resolve_config(None, profile="quick", seeds=2, batch="5,10")
    assert quick.seeds == 2 and quick.batch == (5, 10)
    assert quick.datasets == profile_config("quick").datasets
    flags = resolve_config(None, datasets="banknote,sklearn:wine", max_samples=100,
                           strategies="margin", budget=50)
    assert [d.label for d in flags.datasets] == ["banknote[100]", "sklearn:wine[100]"]
    assert flags.strategies == ("margin", "random")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "give a config file"),
    ({"datasets": "banknote"}, "give a config file"),
    ({"profile": "quick", "batch": "5,x"}, "--batch takes comma-separated integers"),
    ({"max_samples": 10, "profile": "quick"}, "--max-samples applies to --datasets"),
])
def test_bad_flags(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        resolve_config(None, **kwargs)


def test_config_file_and_profile_are_exclusive(tmp_path):
    with pytest.raises(ConfigError, match="not both"):
        resolve_config(write(tmp_path, GOOD), profile="quick")
