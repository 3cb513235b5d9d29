"""``auto`` keeps its test of the model's uncertainty across the server's retrains.

Every retrain builds a new pool and strategy; the strategy's state is saved per
project and restored before the next query.  On blobs that overlap, a fully
grown tree is sure of every item, right or wrong (uncertainty says nothing:
AUROC 0.5), and ``auto`` must turn to random batches once enough of its random
picks are labelled, as it does in simulation; a logistic regression's
uncertainty points at its errors, and ``auto`` stays on margin.  On SQLite and
PostgreSQL, with the worker driven pass by pass (``run_pending``).
"""

from __future__ import annotations

import numpy as np
import pytest
from server_helpers import make_project, upload
from sklearn.datasets import make_blobs
from sqlalchemy import select, update

from activelab.server.db import write_transaction
from activelab.server.models import Item, ModelSnapshot, Role, StrategyState

# Two overlapping classes (about one item in four is on the wrong side of the boundary).
X, Y = make_blobs(n_samples=700, centers=[[-1.0, 0.0], [1.0, 0.0]], cluster_std=1.5,
                  random_state=0)
CLASSES = ["a", "b"]
#: 15 + 12 * 20 labels leave more open items than a retrain ranks (QUERY_DEPTH = 300), so
#: every batch holds random picks.
ROUNDS, LABELS_PER_ROUND = 12, 20


def _blobs_project(live, client, model_name: str) -> int:
    project = make_project(client, task_type="tabular_classification", labels=CLASSES,
                           model_name=model_name, strategy_name="auto", eval_fraction=0)
    body = "id,x0,x1\n" + "".join(
        f"blob-{i}," + ",".join(f"{v:.5f}" for v in row) + "\n" for i, row in enumerate(X))
    assert upload(client, project["id"], "blobs.csv", body).json()["inserted"] == len(X)
    with write_transaction(live.factory) as session:  # a fixed order before the first model
        ids = session.execute(select(Item.id, Item.external_id)
                              .where(Item.project_id == project["id"])).all()
        order = np.random.default_rng(0).permutation(len(ids))
        session.execute(update(Item), [{"id": item_id, "random_key": float(order[i]) / len(ids)}
                                       for i, (item_id, _) in enumerate(ids)])
    return project["id"]


def _label(client, pid: int, n: int) -> None:
    for _ in range(n):
        item = client.get(f"/api/projects/{pid}/next").json()["item"]
        truth = CLASSES[Y[int(item["external_id"].removeprefix("blob-"))]]
        response = client.post(f"/api/projects/{pid}/labels",
                               json={"item_id": item["id"], "value": truth})
        assert response.status_code == 201, response.text


def _run(live, client, pid: int) -> list[str | None]:
    """Retrain, then label and retrain ``ROUNDS`` times; the strategy note of every retrain."""
    worker = live.app.state.worker
    _label(client, pid, 15)  # random order until the first model
    notes = []
    for round_ in range(ROUNDS + 1):
        if round_:
            _label(client, pid, LABELS_PER_ROUND)
        assert worker.run_pending() == [pid]
        with live.factory() as session:
            notes.append(session.scalar(
                select(ModelSnapshot.strategy_note).where(ModelSnapshot.project_id == pid)
                .order_by(ModelSnapshot.version.desc()).limit(1)))
    return notes


def _stored_state(live, pid: int) -> dict:
    with live.factory() as session:
        row = session.get(StrategyState, pid)
        assert row is not None and row.context["strategy"] == "auto"
        open_ids = set(session.scalars(select(Item.id).where(Item.project_id == pid,
                                                             Item.n_labels == 0)))
    state = row.state
    # Pending random picks are named by item id, are still open, and expire.
    assert {entry[0] for entry in state["pending"]} <= open_ids
    return state


@pytest.mark.parametrize("server_settings", [{"worker_enabled": False}], indirect=True)
def test_auto_turns_random_when_uncertainty_says_nothing(live_any_db):
    _, token = live_any_db.user("boss", Role.admin)
    with live_any_db.client(token) as client:
        pid = _blobs_project(live_any_db, client, "tree")
        notes = _run(live_any_db, client, pid)
        state = _stored_state(live_any_db, pid)
        stats = client.get(f"/api/projects/{pid}/stats").json()
        page = client.get(f"/projects/{pid}/dashboard")
        why = client.get(f"/api/projects/{pid}/next").json()["item"]["why"]
    queried = [note for note in notes if note is not None]  # not the class search
    assert queried and "testing uncertainty" in queried[0], notes
    # The evidence builds up over retrains, then auto samples at random, and stays there.
    tested = [int(n.split("(")[1].split(" of")[0]) for n in queried if "testing" in n]
    assert tested == sorted(tested) and tested[-1] > tested[0], notes
    switched = next((i for i, n in enumerate(queried) if "sampling at random" in n), None)
    assert switched is not None, notes
    assert all("sampling at random: uncertainty uninformative (AUROC 0.50" in n
               for n in queried[switched:]), notes
    assert len(state["wrong"]) >= 10 and 3 <= sum(state["wrong"]) <= len(state["wrong"]) - 3
    assert stats["strategy"]["note"] == queried[-1]
    assert why["strategy"] == "auto" and why["strategy_note"] == queried[-1]
    assert page.status_code == 200 and "sampling at random" in page.text


@pytest.mark.parametrize("server_settings", [{"worker_enabled": False}], indirect=True)
def test_auto_stays_on_margin_when_uncertainty_points_at_errors(live_any_db):
    _, token = live_any_db.user("boss", Role.admin)
    with live_any_db.client(token) as client:
        pid = _blobs_project(live_any_db, client, "logreg")
        notes = _run(live_any_db, client, pid)
        state = _stored_state(live_any_db, pid)
        # Another model makes the evidence meaningless: the test starts afresh.
        assert client.patch(f"/api/projects/{pid}", json={"model_name": "nb"}).status_code == 200
        live_any_db.app.state.worker.notify(pid, force=True)
        assert live_any_db.app.state.worker.run_pending() == [pid]
        after_change = client.get(f"/api/projects/{pid}/stats").json()["strategy"]["note"]
        project = client.get(f"/api/projects/{pid}").json()
        assert client.delete(f"/api/projects/{pid}",
                             params={"confirm": project["name"]}).status_code == 204
    with live_any_db.factory() as session:  # deleted with its project
        assert session.get(StrategyState, pid) is None
    queried = [note for note in notes if note is not None]
    assert queried and not any("sampling at random" in n for n in queried), notes
    assert len(state["wrong"]) >= 10
    assert all("uncertainty informative" in n for n in queried[-4:]), notes
    assert after_change == "auto: margin with diversity; testing uncertainty on random picks " \
        "(0 of 10 labelled)"
