"""Dask-backed selection for pools that outgrow one machine.

Every function is a two-stage reduce: the workers score or thin out their
own partitions and send back only a few candidates; the driver makes the
global choice.  Import needs ``dask[distributed]`` only when a Dask function
is called (``pip install 'activelab[distributed]'``).
"""

from ._dask import connect, dask_k_center, dask_top_k
from ._reduce import (
    global_k_center,
    merge_top_k,
    partition_k_center,
    partition_top_k,
    two_stage_k_center,
)
from ._scorer import DaskScorer

__all__ = [
    "connect",
    "DaskScorer",
    "dask_top_k",
    "dask_k_center",
    "partition_top_k",
    "merge_top_k",
    "partition_k_center",
    "global_k_center",
    "two_stage_k_center",
]
