"""GET /api/projects/{id}/agreement: figures, who may read them, empty projects."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from team_helpers import label_everything, team_project

from activelab.server.models import Role
from activelab.teams import fleiss_kappa, krippendorff_alpha

#: What each annotator answers per item id: ann disagrees on every third item.
TRUTH = {f"t{i}": ("pos" if i % 2 else "neg") for i in range(12)}


def _flip(label: str) -> str:
    return "neg" if label == "pos" else "pos"


def _answers(name: str, external_id: str) -> str:
    i = int(external_id[1:])
    if name == "ann" and i % 3 == 0:
        return _flip(TRUTH[external_id])
    if name == "cat" and i == 5:
        return _flip(TRUTH[external_id])
    return TRUTH[external_id]


def _labelled_team(live, admin):
    names = ["ann", "bob", "cat"]
    project, tokens = team_project(live, admin, names, 12, overlap=3)
    for name in names:
        label_everything(live, tokens[name], project["id"],
                         lambda eid, name=name: _answers(name, eid))
    return project, tokens


def test_admin_reads_every_figure(live_any_db):
    live = live_any_db
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        project, _ = _labelled_team(live, admin)
        body = admin.get(f"/api/projects/{project['id']}/agreement").json()
    codes = {"neg": 0, "pos": 1}
    ratings = np.array([[codes[_answers(n, f"t{i}")] for n in ("ann", "bob", "cat")]
                        for i in range(12)])
    assert body["scope"] == "full"
    assert body["n_items_used"] == 12 and body["n_annotators"] == 3
    assert body["fleiss_kappa"] == pytest.approx(fleiss_kappa(ratings), abs=1e-6)
    assert body["krippendorff_alpha"] == pytest.approx(krippendorff_alpha(ratings), abs=1e-6)
    assert [row["label"] for row in body["per_class"]] == ["pos", "neg"]
    pairs = {(p["a"], p["b"]): p for p in body["pairwise_cohen_kappa"]}
    assert pairs[("ann", "bob")]["common_items"] == 12
    assert pairs[("ann", "bob")]["kappa"] == pytest.approx(
        cohen_kappa_score(ratings[:, 0], ratings[:, 1]), abs=1e-6)
    per_annotator = {row["annotator"]: row for row in body["annotators"]}
    assert per_annotator["ann"]["agreement"] < per_annotator["bob"]["agreement"]


def test_member_gets_team_figures_only_and_others_nothing(live):
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        project, tokens = _labelled_team(live, admin)
        full = admin.get(f"/api/projects/{project['id']}/agreement").json()
    _, outsider = live.user("outsider", Role.annotator)
    with live.client(tokens["ann"]) as member:
        body = member.get(f"/api/projects/{project['id']}/agreement").json()
    assert body["scope"] == "aggregate"
    assert body["fleiss_kappa"] == full["fleiss_kappa"]
    assert "pairwise_cohen_kappa" not in body and "annotators" not in body
    with live.client(outsider) as other:
        assert other.get(f"/api/projects/{project['id']}/agreement").status_code == 404
    with live.client() as anonymous:
        assert anonymous.get(f"/api/projects/{project['id']}/agreement").status_code == 401


def test_project_without_items_labelled_twice_explains_why(live, admin):
    project, tokens = team_project(live, admin, ["solo"], 4)
    label_everything(live, tokens["solo"], project["id"], lambda eid: "pos")
    response = admin.get(f"/api/projects/{project['id']}/agreement")
    assert response.status_code == 200
    body = response.json()
    assert body["n_items_used"] == 0 and body["fleiss_kappa"] is None
    assert "overlap" in body["detail"]


def test_multilabel_agreement_per_label(live, admin):
    project, tokens = team_project(live, admin, ["ann", "bob"], 6, overlap=2,
                                   task_type="multilabel_text", labels=["a", "b", "c"])
    label_everything(live, tokens["ann"], project["id"], lambda eid: ["a", "b"])
    label_everything(live, tokens["bob"], project["id"],
                     lambda eid: ["a"] if int(eid[1:]) % 2 else ["a", "b"])
    body = admin.get(f"/api/projects/{project['id']}/agreement").json()
    assert body["n_items_used"] == 6
    per_label = {row["label"]: row for row in body["per_class"]}
    assert per_label["b"]["krippendorff_alpha"] < 0.5
    annotators = {row["annotator"]: row for row in body["annotators"]}
    assert annotators["ann"]["labels_on_shared_items"] == 6


def test_dashboard_shows_the_agreement_panel(live):
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        project, _ = _labelled_team(live, admin)
        page = admin.get(f"/projects/{project['id']}/dashboard")
        empty, _ = team_project(live, admin, [], 2)
        empty_page = admin.get(f"/projects/{empty['id']}/dashboard")
    assert page.status_code == 200
    assert 'id="fleiss-kappa"' in page.text and "ann · bob" in page.text
    assert " style=" not in page.text and "<script>" not in page.text
    assert "no item has labels from two annotators" in empty_page.text
