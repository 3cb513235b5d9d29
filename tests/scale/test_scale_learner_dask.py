"""ActiveLearner scoring its pool on a 2-worker Dask LocalCluster, against local scoring."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from activelab import ActiveLearner, Pool
from activelab.large_pool import ParquetFeatures, write_parquet_features

distributed = pytest.importorskip("distributed")
from dask_helpers import DASK_WARNING_FILTERS, client_fixture  # noqa: E402, F401

from activelab.distributed import DaskScorer  # noqa: E402

pytestmark = DASK_WARNING_FILTERS


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    X, y = make_classification(n_samples=3_000, n_features=8, n_informative=5, n_classes=3,
                               random_state=1)
    X = X.astype(np.float32)
    folder = tmp_path_factory.mktemp("dask_learner_pools")
    np.save(folder / "X.npy", X)
    write_parquet_features(X, folder / "X.parquet", row_group_size=600)
    return X, y, folder


def _run(pool, y, strategy, scorer=None):
    learner = ActiveLearner(LogisticRegression(max_iter=1000), pool, strategy, random_state=7,
                            scorer=scorer)
    seed = learner.initial_query(20)
    learner.teach(seed, y[seed])
    learner.skip([int(i) for i in np.flatnonzero(~pool.labeled_mask)[:3]])
    batches = []
    for _ in range(3):
        batch = learner.query(15)
        learner.teach(batch, y[batch])
        batches.append(batch.tolist())
    return batches, learner.history_[-1].scores


@pytest.mark.parametrize("strategy", ["margin", "entropy"])
@pytest.mark.parametrize("kind", ["parquet", "memmap", "memory"])
def test_dask_scored_learner_queries_like_local(client, data, kind, strategy):
    X, y, folder = data
    expected, expected_scores = _run(Pool(X), y, strategy)
    pool = {"parquet": lambda: Pool(ParquetFeatures(folder / "X.parquet")),
            "memmap": lambda: Pool(np.load(folder / "X.npy", mmap_mode="r")),
            "memory": lambda: Pool(X)}[kind]()
    with distributed.get_task_stream(client) as stream:
        got, scores = _run(pool, y, strategy, DaskScorer(client, chunk_rows=700))
    assert got == expected
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-6)
    scored_on = {task["worker"] for task in stream.data if "_score_block" in str(task["key"])}
    assert scored_on, "the pool was scored on the cluster"


@pytest.mark.slow
def test_the_documented_example_runs():
    """docs/scale.md, "With the learner": its Python block runs as written."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "scale.md").read_text()
    section = doc.split("## With the learner", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    namespace: dict = {}
    exec(compile(block, "docs/scale.md", "exec"), namespace)
    assert namespace["learner"].pool.n_labeled == 50
    assert len(namespace["learner"].history_) == 4
