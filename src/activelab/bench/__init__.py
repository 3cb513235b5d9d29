"""Benchmark harness: declarative grids of simulated active-learning runs, resumable,
parallel (joblib or Dask), with statistics and a Markdown report.

>>> from activelab.bench import make_config
>>> config = make_config(datasets=["sklearn:iris"], strategies=["margin"], seeds=2, budget=40)
>>> len(expand_cells(config))  # 1 dataset × 2 seeds × (margin, random)
4
"""

from .cells import COLUMNS, Cell, CellOutcome, expand_cells, run_cell
from .config import BenchConfig, DatasetSpec, load_config, make_config, profile_config
from .report import write_report
from .runner import BenchResult, run_benchmark
from .stats import (
    aulc_per_seed,
    labels_to_target,
    learning_curves,
    paired_tests,
    penalty_matrix,
    win_tie_loss,
)
from .store import ResultStore

__all__ = [
    "BenchConfig",
    "DatasetSpec",
    "load_config",
    "make_config",
    "profile_config",
    "Cell",
    "CellOutcome",
    "COLUMNS",
    "expand_cells",
    "run_cell",
    "run_benchmark",
    "BenchResult",
    "ResultStore",
    "learning_curves",
    "aulc_per_seed",
    "labels_to_target",
    "paired_tests",
    "win_tie_loss",
    "penalty_matrix",
    "write_report",
]
