"""Gold questions: marking, the import column, mixing into every queue, scores and flags."""

from __future__ import annotations

from server_helpers import make_project, upload
from team_helpers import team_project

from activelab.server.models import Role

REGULAR, GOLD = 16, 4


def _gold_project(live, admin, rate: float = 0.2):
    project, tokens = team_project(live, admin, ["ann", "bob"], 0, overlap=1)
    lines = "id,text,gold\n" + "".join(f"t{i},regular item {i},\n" for i in range(REGULAR)) \
        + "".join(f"g{i},another item {i},pos\n" for i in range(GOLD))
    report = upload(admin, project["id"], "items.csv", lines).json()
    assert report["inserted"] == REGULAR + GOLD, report
    assert admin.patch(f"/api/projects/{project['id']}",
                       json={"gold_rate": rate, "gold_min_accuracy": 0.7}).status_code == 200
    return project, tokens


def _work(live, tokens, pid, answers):
    """The annotators take turns until the queue has nothing for either: what each was served."""
    clients = {name: live.client(token) for name, token in tokens.items()}
    served: dict[str, list[str]] = {name: [] for name in tokens}
    try:
        active = set(tokens)
        while active:
            for name in sorted(active):
                item = clients[name].get(f"/api/projects/{pid}/next").json()["item"]
                if item is None:
                    active.discard(name)
                    continue
                served[name].append(item)
                assert clients[name].post(f"/api/projects/{pid}/labels", json={
                    "item_id": item["id"], "value": answers[name]}).status_code == 201
    finally:
        for client in clients.values():
            client.close()
    return served


def test_gold_is_mixed_into_every_queue_and_scores_the_annotators(live_any_db):
    live = live_any_db
    _, admin_token = live.user("boss", Role.admin)
    with live.client(admin_token) as admin:
        project, tokens = _gold_project(live, admin)
        pid = project["id"]
        served = _work(live, tokens, pid, {"ann": "pos", "bob": "neg"})
        report = admin.get(f"/api/projects/{pid}/gold").json()
        page = admin.get(f"/projects/{pid}/dashboard").text
    regular_ids, gold_served = set(), []
    for items in served.values():
        ids = [item["external_id"] for item in items]
        # Every fifth item is gold (rate 0.2), while regular items remain.
        assert [eid.startswith("g") for eid in ids] == [i % 5 == 4 for i in range(len(ids))]
        gold_served.append(sorted(eid for eid in ids if eid.startswith("g")))
        regular_ids |= {eid for eid in ids if eid.startswith("t")}
        # A gold item looks like any other: the same fields, nothing that tells it apart.
        assert {tuple(sorted(item)) for item in items} == {tuple(sorted(items[0]))}
        assert all("gold" not in str(item) for item in items)
    assert regular_ids == {f"t{i}" for i in range(REGULAR)}  # overlap 1: shared out once
    # Gold goes to every annotator, whatever the overlap: both answered the same ones.
    assert gold_served[0] == gold_served[1] != []
    n_gold = len(gold_served[0])
    assert report["gold_items"] == GOLD and report["flagged"] == ["bob"]
    rows = {row["annotator"]: row for row in report["annotators"]}
    assert rows["ann"] == {"annotator": "ann", "gold_answered": n_gold, "correct": n_gold,
                           "accuracy": 1.0, "flagged": False}
    assert rows["bob"]["accuracy"] == 0.0 and rows["bob"]["flagged"]
    assert 'id="gold-flagged"' in page and "Below 70% on gold: bob." in page


def test_no_gold_is_served_at_rate_zero(live, admin):
    project, tokens = _gold_project(live, admin, rate=0.0)
    served = _work(live, tokens, project["id"], {"ann": "pos", "bob": "pos"})
    assert all(not item["external_id"].startswith("g") for items in served.values()
               for item in items)


def test_admins_mark_and_unmark_gold_items(live, admin):
    project, _ = team_project(live, admin, [], 3)
    pid = project["id"]
    marked = admin.put(f"/api/projects/{pid}/gold", json={"external_id": "t1", "answer": "neg"})
    assert marked.status_code == 200 and marked.json()["is_gold"] and \
        marked.json()["answer"] == "neg"
    item_id = marked.json()["item_id"]
    assert admin.get(f"/api/projects/{pid}/gold").json()["gold_items"] == 1
    unmarked = admin.put(f"/api/projects/{pid}/gold", json={"item_id": item_id, "answer": None})
    assert unmarked.status_code == 200 and not unmarked.json()["is_gold"]
    assert admin.get(f"/api/projects/{pid}/gold").json()["gold_items"] == 0
    actions = [event["action"] for event in
               admin.get("/api/projects/audit-events", params={"project_id": pid}).json()]
    assert actions[:2] == ["unmark gold", "mark gold"]


def test_bad_gold_input_is_a_clear_4xx(live, admin):
    project, tokens = team_project(live, admin, ["ann"], 2)
    pid = project["id"]
    outside = admin.put(f"/api/projects/{pid}/gold", json={"external_id": "t0", "answer": "maybe"})
    assert outside.status_code == 422 and "maybe" in outside.json()["detail"]
    both = admin.put(f"/api/projects/{pid}/gold",
                     json={"external_id": "t0", "item_id": 1, "answer": "pos"})
    assert both.status_code == 422 and "one of them" in both.json()["detail"]
    missing = admin.put(f"/api/projects/{pid}/gold", json={"external_id": "nope", "answer": "pos"})
    assert missing.status_code == 404
    assert admin.patch(f"/api/projects/{pid}", json={"gold_rate": 0.9}).status_code == 422
    with live.client(tokens["ann"]) as annotator:
        assert annotator.put(f"/api/projects/{pid}/gold",
                             json={"external_id": "t0", "answer": "pos"}).status_code == 403
        assert annotator.get(f"/api/projects/{pid}/gold").status_code == 403
    other = make_project(admin)
    report = upload(admin, other["id"], "items.csv", "id,text,gold\na,x,pos\nb,y,maybe\n").json()
    assert report["inserted"] == 1
    assert "gold column 'gold'" in str(report["errors"]) and "maybe" in str(report["errors"])
    assert admin.get(f"/api/projects/{other['id']}/gold").json()["gold_items"] == 1
