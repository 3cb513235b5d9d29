"""Adaptive overlap: a second or third annotator only where an item's label is in doubt."""

from __future__ import annotations

import pytest
from server_helpers import make_project, retrain, upload
from team_helpers import team_project

from activelab.server.models import Item, Role

REGULAR, GOLD = 12, 12


def _truth(external_id: str) -> str:
    return "pos" if int(external_id[1:]) % 2 else "neg"


def _project(live, admin, names):
    """Regular items and gold items (answer ``pos``), half of each annotator's items gold,
    adaptive overlap up to 3."""
    project, tokens = team_project(live, admin, names, 0, overlap=1)
    lines = "id,text,gold\n" + "".join(f"t{i},regular item {i},\n" for i in range(REGULAR)) \
        + "".join(f"g{i},another item {i},pos\n" for i in range(GOLD))
    assert upload(admin, project["id"], "items.csv", lines).json()["inserted"] == REGULAR + GOLD
    response = admin.patch(f"/api/projects/{project['id']}", json={
        "overlap": 3, "overlap_policy": "adaptive", "gold_rate": 0.5})
    assert response.status_code == 200, response.text
    assert response.json()["overlap_policy"] == "adaptive"
    return project, tokens


def _work(live, token, pid, careful: bool) -> list[str]:
    """Label everything served; a careful annotator answers right, a careless one answers
    gold wrong.  Returns the external ids of the regular items served."""
    served = []
    with live.client(token) as client:
        while (item := client.get(f"/api/projects/{pid}/next").json()["item"]) is not None:
            eid = item["external_id"]
            if eid.startswith("g"):
                value = "pos" if careful else "neg"
            else:
                served.append(eid)
                value = _truth(eid)
            assert client.post(f"/api/projects/{pid}/labels", json={
                "item_id": item["id"], "value": value}).status_code == 201
    return served


def _labels_wanted(live, pid):
    with live.factory() as session:
        return {eid: (n, wanted) for eid, n, wanted in session.execute(
            Item.__table__.select().with_only_columns(
                Item.external_id, Item.n_labels, Item.labels_wanted).where(
                Item.project_id == pid, Item.is_gold.is_(False)))}


def test_a_reliable_annotators_labels_need_no_second_opinion(live_any_db):
    live = live_any_db
    _, admin_token = live.user("boss", Role.admin)
    with live.client(admin_token) as admin:
        project, tokens = _project(live, admin, ["ann", "bob", "cat"])
        pid = project["id"]
        assert sorted(_work(live, tokens["ann"], pid, careful=True)) == \
            sorted(f"t{i}" for i in range(REGULAR))
        # Before any estimate of ann's accuracy, one label leaves every item in doubt.
        assert set(_labels_wanted(live, pid).values()) == {(1, 2)}
        retrain(live, pid)  # ann is right on all gold: her labels are settled
        assert set(_labels_wanted(live, pid).values()) == {(1, 1)}
        assert _work(live, tokens["bob"], pid, careful=True) == []
        agreement = admin.get(f"/api/projects/{pid}/agreement").json()
        page = admin.get(f"/projects/{pid}/dashboard").text
        stats = admin.get(f"/api/projects/{pid}/stats").json()
    assert agreement["labels_per_item"] == {
        "overlap": 3, "overlap_policy": "adaptive", "items": REGULAR, "labels": REGULAR,
        "mean": 1.0, "items_with": {"1": REGULAR}}
    assert 'id="labels-per-item"' in page and "adaptive overlap" in page
    assert stats["progress"]["done"] >= REGULAR, stats["progress"]


def test_an_unreliable_annotators_labels_go_to_another(live_any_db):
    live = live_any_db
    _, admin_token = live.user("boss", Role.admin)
    with live.client(admin_token) as admin:
        project, tokens = _project(live, admin, ["ann", "bob", "cat"])
        pid = project["id"]
        _work(live, tokens["bob"], pid, careful=False)
        retrain(live, pid)  # bob is wrong on all gold: every label of his is in doubt
        assert set(_labels_wanted(live, pid).values()) == {(1, 2)}
        assert sorted(_work(live, tokens["ann"], pid, careful=True)) == \
            sorted(f"t{i}" for i in range(REGULAR))
        _work(live, tokens["cat"], pid, careful=True)
        spread = admin.get(f"/api/projects/{pid}/agreement").json()["labels_per_item"]
    counts = _labels_wanted(live, pid)
    assert all(2 <= n <= 3 and n == wanted for n, wanted in counts.values()), counts
    assert spread["items"] == REGULAR and spread["labels"] == sum(n for n, _ in counts.values())


def test_fixed_overlap_stays_the_default(live, admin):
    project, tokens = team_project(live, admin, ["ann", "bob"], 4, overlap=2)
    assert project["overlap_policy"] == "fixed"
    pid = project["id"]
    with live.client(tokens["ann"]) as client:
        for _ in range(4):
            item = client.get(f"/api/projects/{pid}/next").json()["item"]
            client.post(f"/api/projects/{pid}/labels", json={"item_id": item["id"],
                                                             "value": "pos"})
    with live.client(tokens["bob"]) as client:  # every item goes to a second annotator
        assert client.get(f"/api/projects/{pid}/next").json()["item"] is not None
    spread = admin.get(f"/api/projects/{pid}/agreement").json()["labels_per_item"]
    assert spread["overlap_policy"] == "fixed" and spread["items_with"] == {"1": 4}


def test_bad_adaptive_overlap_input_is_a_clear_4xx(live, admin):
    project, tokens = team_project(live, admin, ["ann", "bob", "cat"], 2)
    url = f"/api/projects/{project['id']}"
    with_one = admin.patch(url, json={"overlap_policy": "adaptive"})
    assert with_one.status_code == 422 and "overlap 2 or more" in with_one.json()["detail"]
    unknown = admin.patch(url, json={"overlap": 2, "overlap_policy": "sometimes"})
    assert unknown.status_code == 422 and "unknown overlap_policy" in unknown.json()["detail"]
    assert "adaptive" in unknown.json()["detail"]
    empty = admin.patch(url, json={"overlap_policy": ""})
    assert empty.status_code == 422 and "unknown overlap_policy" in empty.json()["detail"]
    too_many = admin.patch(url, json={"overlap": 4, "overlap_policy": "adaptive"})
    assert too_many.status_code == 422 and "more annotators per item" in too_many.text
    assert admin.get(url).json()["overlap_policy"] == "fixed"
    assert admin.get(url).json()["overlap"] == 1
    ok = admin.patch(url, json={"overlap": 3, "overlap_policy": "adaptive"})
    assert ok.status_code == 200 and ok.json()["overlap_policy"] == "adaptive"
    down = admin.patch(url, json={"overlap": 1})  # adaptive needs room for a second label
    assert down.status_code == 422 and "overlap 2 or more" in down.json()["detail"]
    numbers = make_project(admin, task_type="tabular_regression", labels=[])
    response = admin.patch(f"/api/projects/{numbers['id']}",
                           json={"overlap": 2, "overlap_policy": "adaptive"})
    assert response.status_code == 422 and "fixed overlap only" in response.json()["detail"]
    with live.client(tokens["ann"]) as annotator:
        assert annotator.patch(url, json={"overlap_policy": "fixed"}).status_code == 403


def test_an_item_comes_back_where_its_label_is_in_doubt():
    from activelab.server.services.adaptive_overlap import guess_proba, item_needs_another

    classes = ["pos", "neg"]
    confident = guess_proba("pos", 0.97, classes)
    assert confident.tolist() == pytest.approx([0.97, 0.03])
    unsure = guess_proba(None, None, classes)
    reliable = {"7": 0.95}
    cases = [  # (labels, model, accuracies, another label?)
        ({"7": "pos"}, confident, reliable, False),  # agrees with a confident model
        ({"7": "neg"}, confident, reliable, True),  # disagrees with a confident model
        ({"7": "pos"}, guess_proba("pos", 0.6, classes), {"7": 0.8}, True),  # a hard item
        ({"7": "pos"}, guess_proba("pos", 0.8, classes), {"7": 0.55}, True),  # unreliable
        ({"7": "pos"}, guess_proba("pos", 0.8, classes), {"7": 0.99}, False),  # reliable
        ({"7": "pos"}, unsure, {}, True),  # nobody known, no model: a second opinion
        ({"7": "pos", "8": "pos"}, unsure, {"7": 0.9, "8": 0.9}, False),  # two agree
        ({"7": "neg", "review": "pos"}, confident, reliable, False),  # a reviewer settled it
    ]
    for by, proba, accuracy, wanted in cases:
        assert item_needs_another(by, proba, classes, accuracy, 3) is wanted, (by, accuracy)
    assert not item_needs_another({"7": "pos", "8": "neg"}, unsure, classes, {}, 2)
