"""``activelab bench`` and ``activelab datasets``: attach them with :func:`register`.

In ``activelab/cli.py``::

    from .bench.cli import register
    register(app)
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from .._console import help_examples, stderr_console, stdout_console
from ..exceptions import ConfigError
from .config import PROFILES, BenchConfig, load_config, override, profile_config
from .peers import PEER_LIBRARIES, is_peer_name, peer_status
from .report import write_report
from .runner import run_benchmark
from .stats import aulc_per_seed, paired_tests, win_tie_loss

__all__ = ["register", "bench_command", "datasets_command", "resolve_config", "peer_notes"]

console = stderr_console()
out = stdout_console()


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise ConfigError(f"expected a comma-separated list, got {value!r}")
    return items


def _ints(value: str | None, option: str) -> list[int] | None:
    items = _split(value)
    if items is None:
        return None
    try:
        return [int(item) for item in items]
    except ValueError:
        raise ConfigError(f"{option} takes comma-separated integers, got {value!r}") from None


def resolve_config(config_path: Path | None, *, profile: str | None = None,
                   datasets: str | None = None, max_samples: int | None = None,
                   strategies: str | None = None, models: str | None = None,
                   seeds: int | None = None, initial: str | None = None,
                   batch: str | None = None, budget: int | None = None,
                   master_seed: int | None = None, baseline: str | None = None,
                   task: str | None = None) -> BenchConfig:
    """The grid from a TOML file, a profile or flags alone, with flags overriding."""
    if config_path is not None and profile is not None:
        raise ConfigError("give either a config file or a profile (--quick/--profile), not both")
    dataset_entries = None
    if datasets is not None:
        dataset_entries = [{"name": name, **({"max_samples": max_samples} if max_samples else {})}
                           for name in _split(datasets) or []]
    elif max_samples is not None:
        raise ConfigError("--max-samples applies to --datasets; set max_samples per dataset "
                          "in the config file instead")
    changes: dict[str, Any] = {"datasets": dataset_entries, "strategies": _split(strategies),
               "models": _split(models), "seeds": seeds,
               "initial": _ints(initial, "--initial"), "batch": _ints(batch, "--batch"),
               "budget": budget, "master_seed": master_seed, "baseline": baseline,
               "task": task}
    if config_path is not None:
        return override(load_config(config_path), **changes)
    if profile is not None:
        return override(profile_config(profile), **changes)
    from .config import make_config

    if dataset_entries is None or changes["strategies"] is None:
        raise ConfigError("give a config file (activelab bench suite.toml), a profile "
                          "(--quick), or at least --datasets and --strategies")
    return make_config(**{k: v for k, v in changes.items() if v is not None})


def peer_notes(config: BenchConfig) -> list[str]:
    """One line per peer library the grid uses: its version, or why it cannot run."""
    prefixes = sorted({name.split(":", 1)[0] for name in config.strategies if is_peer_name(name)})
    notes = []
    for prefix in prefixes:
        ok, detail = peer_status(prefix)
        package = PEER_LIBRARIES[prefix][1]
        notes.append(f"peer {package}: {detail}" if ok else
                     f"peer {package} is not usable, its cells fail: {detail}")
    return notes


def headline(task: str) -> tuple[str, bool, str | None]:
    """The metric a task's report summarises, whether lower is better, its reference rows."""
    if task == "classification":
        return "accuracy", False, "full_accuracy"
    from ..tasks.registry import get_task

    found = get_task(task)
    return found.headline, found.lower_is_better, f"reference:full_{found.headline}"


def _summary_rows(result, baseline: str) -> list[dict]:  # noqa: ANN001
    """Mean AULC of each strategy, best first, with its paired wins/ties/losses."""
    if result.table.empty:
        return []
    metric, lower, _ = headline(result.config.task)
    aulc = aulc_per_seed(result.table, metric)
    means = aulc.groupby("strategy")["aulc"].mean()
    counts = win_tie_loss(paired_tests(aulc, baseline=baseline, lower_is_better=lower)) \
        if baseline in set(aulc["strategy"]) else None
    rows = []
    for strategy, value in means.sort_values(ascending=lower).items():
        row = {"strategy": strategy, "metric": metric, "lower_is_better": lower,
               "mean_aulc": float(value), "win": None, "tie": None, "loss": None}
        if counts is not None and strategy in counts.index:
            row.update({key: int(counts.loc[strategy][key]) for key in ("win", "tie", "loss")})
        rows.append(row)
    return rows


def _print_summary(result, baseline: str) -> None:  # noqa: ANN001
    rows = _summary_rows(result, baseline)
    if not rows:
        return
    metric, lower = rows[0]["metric"], rows[0]["lower_is_better"]
    table = Table(title=f"{result.config.name}: mean AULC of {metric} (over the settings each "
                        f"strategy finished; {'lower' if lower else 'higher'} is better) and "
                        f"paired tests against {baseline}")
    for column in ("strategy", "mean AULC", "win", "tie", "loss"):
        table.add_column(column, justify="left" if column == "strategy" else "right")
    for row in rows:
        cells = ["—" if row[key] is None else str(row[key]) for key in ("win", "tie", "loss")]
        table.add_row(row["strategy"], f"{row['mean_aulc']:.4f}", *cells)
    out.print(table)


def bench_command(
    config: Annotated[Path | None, typer.Argument(
        help="Benchmark TOML (see benchmarks/suite_quick.toml).", show_default=False)] = None,
    quick: Annotated[bool, typer.Option(
        "--quick", help="The quick profile: 2 small datasets, < 5 minutes.")] = False,
    profile: Annotated[str | None, typer.Option(
        help=f"A built-in profile: {', '.join(PROFILES)}.")] = None,
    out_dir: Annotated[Path, typer.Option(
        "--out", help="Results directory; running again resumes it.")] = Path("runs/bench"),
    datasets: Annotated[str | None, typer.Option(
        help="Comma-separated dataset names (replaces the config's).")] = None,
    max_samples: Annotated[int | None, typer.Option(
        help="Subsample each --datasets dataset to this many items.")] = None,
    strategies: Annotated[str | None, typer.Option(help="Comma-separated strategies.")] = None,
    models: Annotated[str | None, typer.Option(help="Comma-separated models.")] = None,
    seeds: Annotated[int | None, typer.Option(help="Seeds per setting.")] = None,
    initial: Annotated[str | None, typer.Option(help="Seed-set sizes, e.g. 20,50.")] = None,
    batch: Annotated[str | None, typer.Option(help="Batch sizes, e.g. 10,50.")] = None,
    budget: Annotated[int | None, typer.Option(help="Labels per run, seed set included.")] = None,
    master_seed: Annotated[int | None, typer.Option(help="Seed every run derives from.")] = None,
    baseline: Annotated[str | None, typer.Option(help="Strategy to compare against.")] = None,
    task: Annotated[str | None, typer.Option(
        help="classification (default), regression, multilabel, anomaly, clustering, "
             "matching, weak-supervision, cleaning, imbalance or detection.")] = None,
    n_jobs: Annotated[int, typer.Option(help="Local worker processes (-1: all cores).")] = 1,
    dask_scheduler: Annotated[str | None, typer.Option(
        help="Run cells on this Dask scheduler, e.g. tcp://10.0.0.5:8786.")] = None,
    retry_failed: Annotated[bool, typer.Option(
        help="Run again the cells that failed last time.")] = False,
    report: Annotated[bool, typer.Option(help="Write report.md and figures.")] = True,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON document on stdout instead of tables.")] = False,
) -> None:
    """Run datasets × models × strategies × seeds × (initial, batch) and report.

    Running again with the same --out resumes: finished cells are not run twice.
    Exits 1 when any cell failed.  The progress bar goes to stderr, on a terminal only.
    """
    if quick and profile not in (None, "quick"):
        raise ConfigError("--quick is --profile quick; give only one of them")
    grid = resolve_config(config, profile="quick" if quick else profile, datasets=datasets,
                          max_samples=max_samples, strategies=strategies, models=models,
                          seeds=seeds, initial=initial, batch=batch, budget=budget,
                          master_seed=master_seed, baseline=baseline, task=task)
    notes = peer_notes(grid)
    for note in notes:
        console.print(note, highlight=False)
    result = run_benchmark(grid, out_dir, n_jobs=n_jobs, dask_scheduler=dask_scheduler,
                           retry_failed=retry_failed, progress=console.is_terminal,
                           console=console)
    if not as_json:
        out.print(f"{result.n_run} cell(s) run, {result.n_skipped} already done; "
                  f"{len(result.failures)} failed. Results: {result.results_path}")
        _print_summary(result, grid.baseline)
    path = None
    if report:
        command = "activelab " + shlex.join(["bench", *sys.argv[2:]]) \
            if len(sys.argv) > 1 and sys.argv[1] == "bench" else None
        metric, lower, reference = headline(grid.task)
        path = write_report(result.table, out_dir, baseline=grid.baseline, metric=metric,
                            lower_is_better=lower, reference=reference,
                            failures=result.failures, title=f"Benchmark: {grid.name}",
                            command=command, notes=[grid.description, *notes]
                            if grid.description else notes)
        if not as_json:
            out.print(f"report: {path}")
    if as_json:
        failures = result.failures
        sys.stdout.write(json.dumps({
            "cells_run": result.n_run, "cells_done_before": result.n_skipped,
            "results": str(result.results_path), "report": str(path) if path else None,
            "baseline": grid.baseline, "summary": _summary_rows(result, grid.baseline),
            "failures": failures.to_dict(orient="records") if len(failures) else []},
            indent=1, default=str) + "\n")
    elif len(result.failures):
        _print_failures(result.failures)
    if len(result.failures):
        raise typer.Exit(1)


#: Failed cells listed at the end of ``activelab bench``; report.md lists them all.
MAX_FAILURES_SHOWN = 20


def _print_failures(failures) -> None:  # noqa: ANN001 - a DataFrame of ResultStore.failures
    """The failed cells and why each failed."""
    table = Table(title=f"{len(failures)} cell(s) failed", title_justify="left")
    table.add_column("cell", ratio=2)
    table.add_column("error", ratio=3)
    rows = failures.sort_values(["dataset", "model", "strategy", "seed"])
    for row in rows.head(MAX_FAILURES_SHOWN).itertuples():
        table.add_row(f"{row.dataset} · {row.model} · {row.strategy} · seed {row.seed} · "
                      f"initial {row.initial} · batch {row.batch}", str(row.error))
    out.print(table)
    if len(failures) > MAX_FAILURES_SHOWN:
        out.print(f"... and {len(failures) - MAX_FAILURES_SHOWN} more (all in report.md)",
                  highlight=False)


def datasets_command(
    data_dir: Annotated[Path | None, typer.Option(
        help="Folder of dataset files (default: found automatically).")] = None,
    available_only: Annotated[bool, typer.Option(
        "--available", help="Only datasets that can be loaded here.")] = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON document on stdout instead of a table.")] = False,
) -> None:
    """List the datasets `activelab simulate` and `activelab bench` can load."""
    from ..data import ENV_VAR, available_datasets, data_folder_problem

    infos = available_datasets(data_dir)
    if as_json:
        sys.stdout.write(json.dumps([
            {"name": info.name, "kind": info.kind, "task": info.task,
             "samples": info.n_samples, "classes": getattr(info, "n_classes", None),
             "available": info.available,
             "unavailable_reason": None if info.available else info.unavailable_reason,
             "description": info.description or ""}
            for info in infos if info.available or not available_only], indent=1) + "\n")
        return
    table = Table(title="datasets")
    for column in ("name", "kind", "task", "samples", "classes"):
        table.add_column(column, no_wrap=True,
                         justify="right" if column in ("samples", "classes") else "left")
    table.add_column("available", max_width=40, overflow="fold")
    table.add_column("description", ratio=1)
    for info in infos:
        if available_only and not info.available:
            continue
        samples = "" if info.n_samples is None else f"{info.n_samples:,}"
        classes = getattr(info, "n_classes", None)
        table.add_row(info.name, info.kind, info.task, samples,
                      "" if classes is None else str(classes),
                      "yes" if info.available else f"no: {info.unavailable_reason}",
                      info.description or "")
    out.print(table)
    problem = data_folder_problem(data_dir)
    if problem:
        out.print(f"{problem[0].upper()}{problem[1:]}. Set {ENV_VAR} (or --data-dir) to the "
                  f"folder that holds the datasets' folders (spambase/, sms_spam/, ...).",
                  highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``bench`` and ``datasets`` to the ``activelab`` Typer app."""
    rich = getattr(app, "rich_markup_mode", None) == "rich"
    app.command("bench", short_help="Benchmark a grid of runs and write a report.",
                epilog=help_examples(
                    "activelab bench --quick",
                    "activelab bench benchmarks/suite_quick.toml --out runs/quick --n-jobs 2",
                    "activelab bench --datasets sklearn:digits --strategies margin,random "
                    "--seeds 3 --json", rich=rich))(bench_command)
    app.command("datasets", short_help="List the datasets that can be loaded by name.",
                epilog=help_examples("activelab datasets --available",
                                     "activelab datasets --json", rich=rich))(datasets_command)
