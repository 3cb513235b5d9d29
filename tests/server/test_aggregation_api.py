"""Project aggregation settings, the combined labels and their export."""

from __future__ import annotations

import json

import pytest
from team_helpers import label_everything, team_project

from activelab.server.models import Project, Role
from activelab.server.services.consensus import consensus_labels

NAMES = ["ann", "bob", "spam1", "spam2", "spam3"]


def _truth(external_id: str) -> str:
    return "pos" if int(external_id[1:]) % 2 else "neg"


def _spammed_project(live, admin, aggregation: str):
    """Two careful annotators and three who answer "pos" whatever the item."""
    project, tokens = team_project(live, admin, NAMES, 10, overlap=5)
    assert admin.patch(f"/api/projects/{project['id']}",
                       json={"aggregation": aggregation}).status_code == 200
    for name in NAMES:
        answer = _truth if name in ("ann", "bob") else (lambda eid: "pos")
        label_everything(live, tokens[name], project["id"], answer)
    return project


def _export(admin, project_id: int) -> list[dict]:
    response = admin.get(f"/api/projects/{project_id}/export", params={"format": "consensus"})
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


def test_dawid_skene_outvotes_spammers_that_majority_follows(live_any_db):
    live = live_any_db
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        by_vote = _export(admin, _spammed_project(live, admin, "majority")["id"])
        project = _spammed_project(live, admin, "dawid-skene")
        by_ds = _export(admin, project["id"])
    assert sum(row["label"] == _truth(row["external_id"]) for row in by_vote) == 5
    assert all(row["label"] == _truth(row["external_id"]) for row in by_ds)
    assert all(len(row["labels"]) == 5 and row["aggregation"] == "dawid-skene"
               for row in by_ds)
    assert {row["labels"][0]["annotator"] for row in by_ds} <= set(NAMES)
    assert by_vote[0]["confidence"] in (pytest.approx(0.6), 1.0)
    # Training reads the same combined labels.
    with live.factory() as session:
        chosen = consensus_labels(session, session.get(Project, project["id"]))
    assert {row["item_id"]: row["label"] for row in by_ds} == \
        {item_id: c.value for item_id, c in chosen.items()}


def test_model_consensus_exports_labels_with_confidence(live, admin):
    project = _spammed_project(live, admin, "model-consensus")
    rows = _export(admin, project["id"])
    assert len(rows) == 10
    assert all(0 < row["confidence"] <= 1 for row in rows)


def test_patch_aggregation_and_its_bad_input(live, admin):
    project, tokens = team_project(live, admin, ["ann", "bob"], 2)
    url = f"/api/projects/{project['id']}"
    assert project["aggregation"] == "majority"
    response = admin.patch(url, json={"overlap": 2, "aggregation": "dawid-skene"})
    assert response.status_code == 200
    assert response.json()["aggregation"] == "dawid-skene" and response.json()["overlap"] == 2
    unknown = admin.patch(url, json={"aggregation": "plurality"})
    assert unknown.status_code == 422 and "unknown aggregation" in unknown.text
    assert "dawid-skene" in unknown.text
    too_many = admin.patch(url, json={"overlap": 3})
    assert too_many.status_code == 422 and "more annotators per item" in too_many.text
    assert admin.get(url).json()["overlap"] == 2
    with live.client(tokens["ann"]) as annotator:
        assert annotator.patch(url, json={"aggregation": "majority"}).status_code == 403


def test_overlap_is_free_while_the_team_is_unknown(live, admin):
    project, _ = team_project(live, admin, [], 2)
    assert admin.patch(f"/api/projects/{project['id']}", json={"overlap": 4}).status_code == 200
