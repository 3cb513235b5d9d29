"""Run a benchmark grid: sequentially, on local cores (joblib) or on a Dask cluster.

Workers only compute; the calling process writes each finished cell, so a
results directory never has two writers.  Cells already stored are skipped,
which makes an interrupted run resumable by running the same command again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ..exceptions import ConfigError, MissingDependencyError
from .cells import Cell, CellOutcome, expand_cells, run_cell
from .config import BenchConfig
from .store import ResultStore

__all__ = ["BenchResult", "run_benchmark"]


@dataclass
class BenchResult:
    """What :func:`run_benchmark` did and produced."""

    config: BenchConfig
    table: pd.DataFrame
    failures: pd.DataFrame
    n_cells: int
    n_run: int
    n_skipped: int
    out_dir: Path
    results_path: Path


def _sequential(cells: list[Cell], loader: Any) -> Iterator[CellOutcome]:
    for cell in cells:
        yield run_cell(cell, loader)


def _joblib(cells: list[Cell], loader: Any, n_jobs: int) -> Iterator[CellOutcome]:
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    yield from parallel(delayed(run_cell)(cell, loader) for cell in cells)


def _dask(cells: list[Cell], loader: Any, scheduler: Any) -> Iterator[CellOutcome]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise MissingDependencyError("dask[distributed]", "distributed",
                                     "--dask-scheduler") from None
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        # pure=False: a cell is cheap to describe but must run even if an equal one ran.
        futures = client.map(run_cell, cells, loader=loader, pure=False)
        for future in as_completed(futures):
            yield future.result()
            future.release()
    finally:
        if own:
            client.close()


def run_benchmark(config: BenchConfig, out_dir: str | Path, *, n_jobs: int = 1,
                  dask_scheduler: Any = None, retry_failed: bool = False,
                  progress: bool = True, console: Console | None = None,
                  loader: Callable[..., Any] | None = None) -> BenchResult:
    """Run every cell of ``config`` not yet stored in ``out_dir``.

    Parameters
    ----------
    config : BenchConfig
    out_dir : path
        Results directory; created if needed, reused to resume.
    n_jobs : int, default=1
        Local worker processes (joblib; -1 = all cores).  Ignored with a Dask scheduler.
    dask_scheduler : str or distributed.Client, optional
        Address of a running Dask scheduler (``tcp://host:8786``) or a client.
    retry_failed : bool, default=False
        Run again the cells that failed before (by default a failure is an outcome).
    progress : bool, default=True
        Show a Rich progress bar.
    loader : callable ``(DatasetSpec, master_seed) -> Dataset``, optional
        Dataset loader (default: :func:`activelab.data.load_dataset`).  Must be
        picklable for ``n_jobs > 1`` and Dask.

    Returns
    -------
    BenchResult
        ``table`` holds the rows of every cell of ``config`` (new and resumed).
    """
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ConfigError(f"n_jobs must be a positive int or -1, got {n_jobs!r}")
    store = ResultStore(out_dir)
    store.write_config(config)
    cells = expand_cells(config)
    done = store.finished_keys() | (set() if retry_failed else store.failed_keys())
    pending = [cell for cell in cells if cell.key not in done]
    if dask_scheduler is not None:
        outcomes = _dask(pending, loader, dask_scheduler)
    elif n_jobs != 1 and len(pending) > 1:
        outcomes = _joblib(pending, loader, n_jobs)
    else:
        outcomes = _sequential(pending, loader)

    console = console or Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not progress, transient=False) as bar:
        task = bar.add_task(f"{config.name}: cells", total=len(pending))
        failed = 0
        for outcome in outcomes:
            store.write(outcome)
            failed += outcome.error is not None
            label = f"{config.name}: cells" + (f" ({failed} failed)" if failed else "")
            bar.update(task, advance=1, description=label)

    keys = [cell.key for cell in cells]
    table = store.load(keys)
    results_path = store.write_combined(table)
    return BenchResult(config=config, table=table, failures=store.failures(keys),
                       n_cells=len(cells), n_run=len(pending),
                       n_skipped=len(cells) - len(pending), out_dir=Path(out_dir),
                       results_path=results_path)
