"""What ``activelab simulate --pool-on-disk`` and ``--dask`` turn into: a pool scorer."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from .exceptions import ConfigError
from .large_pool import PoolScorer, StreamingScorer
from .strategies import make_strategy
from .strategies.uncertainty import UncertaintySampling

__all__ = ["pool_scorer"]

#: Workers of ``--dask local``: one process each, one thread each.
LOCAL_WORKERS = 2


@contextmanager
def pool_scorer(strategies: Sequence[str], *, on_disk: bool, dask: str | None
                ) -> Iterator[PoolScorer | None]:
    """The scorer for these options (None when neither is given), and its cluster's lifetime.

    ``dask`` is a scheduler address or ``"local"`` (a cluster of
    :data:`LOCAL_WORKERS` processes, closed on exit).  An on-disk pool without
    Dask streams the pool on this machine.

    Raises
    ------
    ConfigError
        With ``dask``, if a strategy is not an uncertainty strategy.
    """
    uncertain = all(isinstance(make_strategy(name), UncertaintySampling) for name in strategies)
    if dask is not None and not uncertain:
        raise ConfigError("--dask scores the pool for margin, entropy and least-confident; "
                          f"not for {', '.join(strategies)}")
    if dask is None:
        yield StreamingScorer() if on_disk and uncertain else None
        return
    from .distributed import DaskScorer, connect

    if dask != "local":
        client = connect(address=dask)
        try:
            yield DaskScorer(client)
        finally:
            client.close()
        return
    import distributed

    # ":0": a free port for the scheduler's HTTP server; the default 8787 (also with None)
    # clashes with any other cluster on the machine.
    with distributed.LocalCluster(n_workers=LOCAL_WORKERS, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        yield DaskScorer(client)
