"""A 2-worker Dask LocalCluster shared by the tests of one module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

#: The scheduler's own shutdown warnings and deprecations are not ours.
DASK_WARNING_FILTERS = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning:distributed.*"),
]


@pytest.fixture(name="client", scope="module")
def client_fixture() -> Iterator[Any]:
    """A client of a 2-process LocalCluster; ``":0"``: a free port for its HTTP server."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0")
    with distributed.Client(cluster) as active:
        yield active
    cluster.close()
