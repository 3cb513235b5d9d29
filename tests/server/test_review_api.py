"""The reviewer role and the review queue: ranking, accept, override, who may do what."""

from __future__ import annotations

import json

import pytest
from server_helpers import PASSWORD
from team_helpers import label_everything, team_project

from activelab.server.models import Role

ANNOTATORS = ["ann", "bob", "cat"]


def _answer(name: str, external_id: str) -> str:
    """Everyone agrees except on items 0 and 1, where ann and bob (items 0) or ann disagree."""
    i = int(external_id[1:])
    if i == 0 and name in ("ann", "bob"):
        return "neg"
    if i == 1 and name == "ann":
        return "neg"
    return "pos"


def _reviewed_project(live, admin):
    project, tokens = team_project(live, admin, ANNOTATORS, 6, overlap=3)
    for name in ANNOTATORS:
        label_everything(live, tokens[name], project["id"],
                         lambda eid, name=name: _answer(name, eid))
    reviewer_id, reviewer = live.user("rev", Role.reviewer)
    assert admin.put(f"/api/projects/{project['id']}/members/{reviewer_id}").status_code == 204
    return project, tokens, reviewer


def _export(admin, project_id: int) -> dict[str, dict]:
    text = admin.get(f"/api/projects/{project_id}/export", params={"format": "consensus"}).text
    return {row["external_id"]: row for row in map(json.loads, text.splitlines())}


def test_queue_ranks_disagreement_and_a_review_settles_the_label(live_any_db):
    live = live_any_db
    _, admin_token = live.user("boss", Role.admin)
    with live.client(admin_token) as admin:
        project, _, reviewer_token = _reviewed_project(live, admin)
        pid = project["id"]
        with live.client(reviewer_token) as reviewer:
            queue = reviewer.get(f"/api/projects/{pid}/review").json()
            assert queue["total"] == 6
            order = [row["external_id"] for row in queue["items"]]
            assert order[:2] == ["t0", "t1"]  # 2-1 splits first, unanimous items after
            top = queue["items"][0]
            assert top["label"] == "neg" and top["disagreement"] == pytest.approx(1 / 3)
            assert len(top["labels"]) == 3
            overridden = reviewer.post(f"/api/projects/{pid}/review/{top['item_id']}",
                                       json={"value": "pos"})
            assert overridden.status_code == 200, overridden.text
            assert overridden.json()["overridden"] and overridden.json()["previous"] == "neg"
            accepted = reviewer.post(
                f"/api/projects/{pid}/review/{queue['items'][1]['item_id']}")
            assert accepted.status_code == 200 and not accepted.json()["overridden"]
            assert reviewer.get(f"/api/projects/{pid}/review").json()["total"] == 4
        rows = _export(admin, pid)
    assert rows["t0"]["label"] == "pos" and rows["t0"]["confidence"] == 1.0
    assert rows["t0"]["reviewed_by"] == "rev"
    assert sorted(raw["value"] for raw in rows["t0"]["labels"]) == ["neg", "neg", "pos"]


def test_reviews_teach_dawid_skene_the_annotators_accuracy(live, admin):
    project, _, reviewer_token = _reviewed_project(live, admin)
    pid = project["id"]
    assert admin.patch(f"/api/projects/{pid}",
                       json={"aggregation": "dawid-skene"}).status_code == 200
    with live.client(reviewer_token) as reviewer:
        for row in reviewer.get(f"/api/projects/{pid}/review").json()["items"]:
            assert reviewer.post(f"/api/projects/{pid}/review/{row['item_id']}",
                                 json={"value": "pos"}).status_code == 200
        assert reviewer.get(f"/api/projects/{pid}/review").json()["total"] == 0
    assert {row["label"] for row in _export(admin, pid).values()} == {"pos"}


def test_reviewer_is_not_an_annotator_in_agreement_or_team_size(live, admin):
    project, _, reviewer_token = _reviewed_project(live, admin)
    pid = project["id"]
    with live.client(reviewer_token) as reviewer:
        assert reviewer.get(f"/api/projects/{pid}/agreement").json()["scope"] == "aggregate"
        assert reviewer.patch(f"/api/projects/{pid}",
                              json={"aggregation": "majority"}).status_code == 403
    with live.client(live.user("stranger", Role.reviewer)[1]) as stranger:
        assert stranger.get(f"/api/projects/{pid}/agreement").status_code == 404
        assert stranger.patch(f"/api/projects/{pid}",
                              json={"aggregation": "majority"}).status_code == 404
    body = admin.get(f"/api/projects/{pid}/agreement").json()
    assert body["n_annotators"] == 3
    item_id = admin.get(f"/api/projects/{pid}/review").json()["items"][0]["item_id"]  # t0
    with live.client(reviewer_token) as reviewer:
        assert reviewer.post(f"/api/projects/{pid}/review/{item_id}",
                             json={"value": "pos"}).status_code == 200
    annotators = {row["annotator"]: row for row in
                  admin.get(f"/api/projects/{pid}/agreement").json()["annotators"]}
    assert annotators["ann"]["accuracy_on_reviewed"] == 0.0
    assert annotators["cat"]["accuracy_on_reviewed"] == 1.0
    assert annotators["cat"]["reviewed_items"] == 1
    too_many = admin.patch(f"/api/projects/{pid}", json={"overlap": 4})
    assert too_many.status_code == 422 and "(3)" in too_many.text


def test_admin_creates_a_reviewer(live, admin):
    response = admin.post("/api/users", json={"username": "newrev", "password": PASSWORD,
                                              "role": "reviewer"})
    assert response.status_code == 201 and response.json()["role"] == "reviewer"


@pytest.mark.parametrize("who, expected", [("admin", 200), ("reviewer", 200),
                                           ("outside reviewer", 404), ("annotator", 403),
                                           ("anonymous", 401)])
def test_who_may_review(live, admin, who, expected):
    project, tokens, reviewer_token = _reviewed_project(live, admin)
    pid = project["id"]
    item_id = admin.get(f"/api/projects/{pid}/review").json()["items"][0]["item_id"]
    token = {"admin": None, "reviewer": reviewer_token, "annotator": tokens["ann"],
             "outside reviewer": live.user("stranger", Role.reviewer)[1],
             "anonymous": None}[who]
    if who == "admin":
        token = admin.headers["Authorization"].removeprefix("Bearer ")
    with live.client(token) as client:
        assert client.get(f"/api/projects/{pid}/review").status_code == expected
        assert client.post(f"/api/projects/{pid}/review/{item_id}").status_code == expected


def test_bad_reviews_are_clear_4xx(live, admin):
    project, _, reviewer_token = _reviewed_project(live, admin)
    pid = project["id"]
    empty, _ = team_project(live, admin, [], 1)
    item_id = admin.get(f"/api/projects/{pid}/review").json()["items"][0]["item_id"]
    with live.client(reviewer_token) as reviewer:
        bad = reviewer.post(f"/api/projects/{pid}/review/{item_id}", json={"value": "maybe"})
        assert bad.status_code == 422
        assert reviewer.post(f"/api/projects/{pid}/review/999999").status_code == 404
    unlabelled = admin.get(f"/api/projects/{empty['id']}/review").json()
    assert unlabelled["total"] == 0
    with admin.stream("GET", f"/api/projects/{empty['id']}/export",
                      params={"format": "consensus"}) as response:
        assert response.status_code == 200
