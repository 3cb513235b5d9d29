"""What a benchmark runs: datasets × models × strategies × seeds × (initial, batch) grids.

A :class:`BenchConfig` is read from TOML (:func:`load_config`), built from a
named profile (:func:`profile_config`) or from keyword arguments
(:func:`make_config`); all three validate through the same function, so a bad
value fails the same way with the same message wherever it came from.

TOML layout::

    name = "quick"
    master_seed = 0          # every split, seed set and model seed derives from it
    seeds = 3
    budget = 150             # labels, seed set included
    initial = [20]           # one or more seed-set sizes
    batch = [10, 25]         # one or more batch sizes
    models = ["logreg"]
    strategies = ["random", "margin"]
    baseline = "random"      # what ratios and paired tests compare against
    test_size = 0.25
    datasets = ["banknote", { name = "sklearn:digits", max_samples = 1000, budget = 120 }]

A task other than classification (``task = "regression"``, ``"anomaly"``, ...;
see :func:`activelab.tasks.registry.task_runner`) runs that task's cell runner
instead; its models and strategies are the task's own, and ``models`` may be
left out to use the task's default.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..exceptions import ConfigError

__all__ = ["BenchConfig", "DatasetSpec", "load_config", "make_config", "PROFILES",
           "profile_config"]

_TOP_KEYS = {"name", "master_seed", "seeds", "budget", "initial", "batch", "models",
             "strategies", "baseline", "test_size", "datasets", "initial_method", "description",
             "task"}
CLASSIFICATION = "classification"
_DATASET_KEYS = {"name", "max_samples", "budget", "models", "target", "text_column",
                 "features"}


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of a benchmark.

    Parameters
    ----------
    name : str
        Anything :func:`activelab.data.load_dataset` accepts ("banknote",
        "sklearn:digits", a file path).
    max_samples : int or None
        Subsample to this many items (stratified, seeded by the master seed).
    budget : int or None
        Label budget for this dataset (default: the benchmark's).
    models : tuple of str or None
        Models for this dataset (default: the benchmark's), e.g. to leave out a
        model too slow for it.
    target, text_column : str or None
        Passed to the loader for files.
    features : {"minilm"} or None
        Text features: sentence embeddings instead of TF-IDF (extra ``embeddings``).
    """

    name: str
    max_samples: int | None = None
    budget: int | None = None
    models: tuple[str, ...] | None = None
    target: str | None = None
    text_column: str | None = None
    features: str | None = None

    @property
    def label(self) -> str:
        """How tables and figures name the dataset."""
        label = self.name if self.max_samples is None else f"{self.name}[{self.max_samples}]"
        return label if self.features is None else f"{label}+{self.features}"


@dataclass(frozen=True)
class BenchConfig:
    """A validated benchmark grid; build with :func:`make_config` or :func:`load_config`."""

    datasets: tuple[DatasetSpec, ...]
    strategies: tuple[str, ...]
    models: tuple[str, ...] = ("logreg",)
    seeds: int = 5
    initial: tuple[int, ...] = (20,)
    batch: tuple[int, ...] = (10,)
    budget: int = 300
    test_size: float = 0.25
    master_seed: int = 0
    baseline: str = "random"
    initial_method: str = "random"
    name: str = "bench"
    description: str = ""
    task: str = CLASSIFICATION

    def budget_for(self, dataset: DatasetSpec) -> int:
        return dataset.budget if dataset.budget is not None else self.budget

    def models_for(self, dataset: DatasetSpec) -> tuple[str, ...]:
        return dataset.models if dataset.models is not None else self.models


def _int(value: Any, key: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{key} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{key} must be at least {minimum}, got {value}")
    return value


def _ints(value: Any, key: str, minimum: int) -> tuple[int, ...]:
    values = value if isinstance(value, list | tuple) else [value]
    if not values:
        raise ConfigError(f"{key} must list at least one value")
    return tuple(dict.fromkeys(_int(v, key, minimum) for v in values))


def _names(value: Any, key: str) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list | tuple) or not values:
        raise ConfigError(f"{key} must be a non-empty list of names, got {value!r}")
    for v in values:
        if not isinstance(v, str) or not v.strip():
            raise ConfigError(f"{key} must hold non-empty strings, got {v!r}")
    return tuple(dict.fromkeys(v.strip() for v in values))


def _dataset(entry: Any, position: int, task: str = CLASSIFICATION) -> DatasetSpec:
    where = f"datasets[{position}]"
    if isinstance(entry, DatasetSpec):
        return entry
    if isinstance(entry, str):
        entry = {"name": entry}
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where} must be a name or a table with a 'name', got {entry!r}")
    unknown = set(entry) - _DATASET_KEYS
    if unknown:
        raise ConfigError(f"{where} has unknown key(s) {sorted(unknown)}; allowed: "
                          f"{sorted(_DATASET_KEYS)}")
    if not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise ConfigError(f"{where} needs a non-empty 'name'")
    max_samples = entry.get("max_samples")
    budget = entry.get("budget")
    for key in ("target", "text_column", "features"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise ConfigError(f"{where}.{key} must be a string, got {entry[key]!r}")
    models = entry.get("models")
    if models is not None:
        models = _names(models, f"{where}.models")
        _check_models(models, f"{where}.models", task)
    if task != CLASSIFICATION and max_samples is not None:
        raise ConfigError(f"{where}.max_samples: the {task} task reads its data whole")
    return DatasetSpec(
        name=entry["name"].strip(),
        max_samples=None if max_samples is None else _int(max_samples,
                                                          f"{where}.max_samples", 10),
        budget=None if budget is None else _int(budget, f"{where}.budget", 1),
        models=models, target=entry.get("target"), text_column=entry.get("text_column"),
        features=_features(entry.get("features"), where, task))


def _features(value: str | None, where: str, task: str) -> str | None:
    if value is None:
        return None
    from ..data import check_features

    if task != CLASSIFICATION:
        raise ConfigError(f"{where}.features applies to classification grids")
    try:
        return check_features(value)
    except ConfigError as error:
        raise ConfigError(f"{where}.features: {error}") from None


def _check_models(models: tuple[str, ...], key: str, task: str = CLASSIFICATION) -> None:
    known = _task_names(task, "MODELS")
    for model in models:
        if known is not None and model not in known and model != "default":
            raise ConfigError(f"unknown model {model!r} in {key}; choose from "
                              f"{', '.join(known)}")


def _task_names(task: str, kind: str) -> tuple[str, ...] | None:
    from ..tasks.registry import task_names

    return task_names(task, kind)


def _check_task_strategy(task: str, name: str) -> None:
    known = _task_names(task, "STRATEGIES")
    if known is not None and name not in known:
        raise ConfigError(f"unknown {task} strategy {name!r}; choose from {', '.join(known)}")


def _check_task(task: Any) -> str:
    from ..tasks.registry import TASKS

    if not isinstance(task, str) or task not in TASKS:
        raise ConfigError(f"unknown task {task!r}; choose from {', '.join(TASKS)}")
    return task


def make_config(*, datasets: Sequence[Any], strategies: Sequence[str],
                models: Sequence[str] | None = None, seeds: int = 5,
                initial: int | Sequence[int] = (20,), batch: int | Sequence[int] = (10,),
                budget: int = 300, test_size: float = 0.25, master_seed: int = 0,
                baseline: str = "random", initial_method: str = "random",
                name: str = "bench", description: str = "",
                task: str = CLASSIFICATION) -> BenchConfig:
    """Validate a benchmark grid.

    ``models`` defaults to logistic regression, or to the task's default model.

    Raises
    ------
    ConfigError
        Naming the key and the value that is wrong.

    Examples
    --------
    >>> cfg = make_config(datasets=["sklearn:iris"], strategies=["margin"], seeds=2)
    >>> cfg.strategies
    ('margin', 'random')
    """
    from .strategies import check_strategy_name

    task = _check_task(task)
    check_name = check_strategy_name if task == CLASSIFICATION else (
        lambda name: _check_task_strategy(task, name))
    if models is None:
        models = (_default_model(task),)
    if not isinstance(datasets, list | tuple) or not datasets:
        raise ConfigError("datasets must list at least one dataset")
    specs = tuple(_dataset(entry, i, task) for i, entry in enumerate(datasets))
    labels = [spec.label for spec in specs]
    duplicated = sorted({label for label in labels if labels.count(label) > 1})
    if duplicated:
        raise ConfigError(f"datasets lists {duplicated} more than once")
    strategy_names = _names(strategies, "strategies")
    for strategy in strategy_names:
        check_name(strategy)
    if not isinstance(baseline, str):
        raise ConfigError(f"baseline must be a strategy name, got {baseline!r}")
    check_name(baseline)
    if baseline not in strategy_names:  # ratios need the baseline run on the same splits
        strategy_names = (*strategy_names, baseline)
    model_names = _names(models, "models")
    _check_models(model_names, "models", task)
    if isinstance(test_size, bool) or not isinstance(test_size, int | float) \
            or not 0 < test_size < 1:
        raise ConfigError(f"test_size must be a number in (0, 1), got {test_size!r}")
    if initial_method not in ("random", "kmeans"):
        raise ConfigError(f"initial_method must be 'random' or 'kmeans', got {initial_method!r}")
    if task != CLASSIFICATION and initial_method != "random":
        raise ConfigError(f"the {task} task draws its seed sets at random; initial_method "
                          f"{initial_method!r} applies to classification")
    config = BenchConfig(
        datasets=specs, strategies=strategy_names, models=model_names,
        seeds=_int(seeds, "seeds", 1), initial=_ints(initial, "initial", 1),
        batch=_ints(batch, "batch", 1), budget=_int(budget, "budget", 1),
        test_size=float(test_size), master_seed=_int(master_seed, "master_seed", 0),
        baseline=baseline, initial_method=initial_method, name=str(name),
        description=str(description), task=task)
    for spec in specs:
        if config.budget_for(spec) <= max(config.initial):
            raise ConfigError(
                f"the budget of {spec.label} ({config.budget_for(spec)}) must exceed the "
                f"largest seed set ({max(config.initial)}), or no item is ever queried")
    return config


def _default_model(task: str) -> str:
    from ..tasks.registry import get_task

    return get_task(task).default_model or "default"


def config_from_mapping(data: Mapping[str, Any], *, source: str = "config") -> BenchConfig:
    """Validate a parsed TOML document (or any mapping of the same shape)."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {sorted(unknown)}; allowed: "
                          f"{sorted(_TOP_KEYS)}")
    for required in ("datasets", "strategies"):
        if required not in data:
            raise ConfigError(f"{source}: missing required key {required!r}")
    try:
        return make_config(**dict(data))
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None


def load_config(path: str | Path) -> BenchConfig:
    """Read and validate a benchmark TOML file.

    Raises
    ------
    ConfigError
        When the file is missing, is not valid TOML, or holds a bad value.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"benchmark config {str(path)!r} does not exist") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    data.setdefault("name", path.stem)
    return config_from_mapping(data, source=str(path))


#: Built-in profiles; ``benchmarks/suite_<name>.toml`` hold the same grids (a test checks it).
PROFILES: dict[str, dict[str, Any]] = {
    "quick": {
        "name": "quick",
        "description": "Smoke profile: 2 small datasets, 3 strategies, 3 seeds (< 5 min on "
                       "2 cores).",
        "datasets": [{"name": "sklearn:digits", "max_samples": 1000},
                     {"name": "banknote"}],
        "strategies": ["random", "margin", "auto"],
        "models": ["logreg"],
        "seeds": 3,
        "initial": [20],
        "batch": [10],
        "budget": 150,
    },
    "default": {
        "name": "default",
        "description": "13 datasets (6 tabular, 5 text, 2 image), 3 model families, "
                       "2 batch sizes, 10 seeds.",
        "datasets": [
            {"name": "spambase", "max_samples": 2000},
            {"name": "banknote"},
            {"name": "letter", "max_samples": 3000, "budget": 1000},
            {"name": "phoneme", "max_samples": 2000},
            {"name": "adult", "max_samples": 3000},
            {"name": "breast_cancer_wisconsin", "budget": 200},
            {"name": "sms_spam", "max_samples": 2000},
            {"name": "trec", "max_samples": 2000},
            {"name": "mr_polarity", "max_samples": 2000},
            {"name": "sst2", "max_samples": 2000},
            # logistic regression (C=10, 20 classes, 50k TF-IDF features) needs ~4 s a fit here
            {"name": "20newsgroups", "max_samples": 2000, "budget": 600,
             "models": ["nb", "linearsvm"]},
            # LinearSVC's full-data reference fit alone takes ~35 s per run here
            {"name": "mnist", "max_samples": 2000, "budget": 300, "models": ["logreg", "nb"]},
            {"name": "sklearn:digits"},
        ],
        "strategies": ["random", "margin", "entropy", "auto"],
        "models": ["logreg", "nb", "linearsvm"],
        "seeds": 10,
        "initial": [20],
        "batch": [20, 50],
        "budget": 400,
    },
}


def profile_config(name: str) -> BenchConfig:
    """The built-in profile ``name`` ("quick" or "default")."""
    if name not in PROFILES:
        raise ConfigError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    return config_from_mapping(PROFILES[name], source=f"profile {name!r}")


def override(config: BenchConfig, **changes: Any) -> BenchConfig:
    """A copy of ``config`` with the non-None ``changes``, validated again."""
    changes = {key: value for key, value in changes.items() if value is not None}
    if not changes:
        return config
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                              for k, v in changes.items()}
    merged = replace(config, **fields)
    return make_config(
        datasets=list(merged.datasets), strategies=list(merged.strategies),
        models=list(merged.models), seeds=merged.seeds, initial=list(merged.initial),
        batch=list(merged.batch), budget=merged.budget, test_size=merged.test_size,
        master_seed=merged.master_seed, baseline=merged.baseline,
        initial_method=merged.initial_method, name=merged.name,
        description=merged.description, task=merged.task)
