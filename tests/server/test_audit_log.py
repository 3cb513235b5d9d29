"""The audit log: every label, undo, override, role, membership change and export, by whom."""

from __future__ import annotations

import csv
import io
import json

from team_helpers import label_everything, team_project

from activelab.server.models import Role


def test_the_audit_log_holds_every_change(live_any_db):
    live = live_any_db
    _, admin_token = live.user("boss", Role.admin)
    with live.client(admin_token) as admin:
        project, tokens = team_project(live, admin, ["ann", "bob"], 2, overlap=2)
        pid = project["id"]
        with live.client(tokens["ann"]) as ann:
            item = ann.get(f"/api/projects/{pid}/next").json()["item"]
            assert ann.post(f"/api/projects/{pid}/labels",
                            json={"item_id": item["id"], "value": "neg"}).status_code == 201
            assert ann.post(f"/api/projects/{pid}/undo").status_code == 200
            assert ann.post(f"/api/projects/{pid}/labels",
                            json={"item_id": item["id"], "value": "pos"}).status_code == 201
        label_everything(live, tokens["ann"], pid, lambda eid: "pos")
        label_everything(live, tokens["bob"], pid, lambda eid: "neg")
        reviewer_id, reviewer_token = live.user("rev", Role.reviewer)
        assert admin.put(f"/api/projects/{pid}/members/{reviewer_id}").status_code == 204
        with live.client(reviewer_token) as reviewer:
            combined = next(row["label"] for row in
                            reviewer.get(f"/api/projects/{pid}/review").json()["items"]
                            if row["item_id"] == item["id"])
            overridden = "pos" if combined == "neg" else "neg"
            assert reviewer.post(f"/api/projects/{pid}/review/{item['id']}",
                                 json={"value": overridden}).status_code == 200
        bob_id = next(m["id"] for m in admin.get(f"/api/projects/{pid}/members").json()
                      if m["username"] == "bob")
        assert admin.patch(f"/api/users/{bob_id}", json={"role": "reviewer"}).status_code == 200
        assert admin.delete(f"/api/projects/{pid}/members/{bob_id}").status_code == 204
        assert admin.get(f"/api/projects/{pid}/export").status_code == 200
        events = admin.get("/api/projects/audit-events", params={"limit": 1000}).json()
        exported = admin.get("/api/projects/audit-events/export",
                             params={"project_id": pid, "format": "csv"})
        jsonl = admin.get("/api/projects/audit-events/export",
                          params={"project_id": pid, "format": "jsonl"}).text
        for token in (tokens["ann"], reviewer_token):
            with live.client(token) as other:
                assert other.get("/api/projects/audit-events").status_code == 403
                assert other.get("/api/projects/audit-events/export").status_code == 403
    seen = {(e["username"], e["action"]) for e in events}
    assert {("ann", "label"), ("ann", "undo"), ("bob", "label"), ("rev", "review override"),
            ("boss", "add member"), ("boss", "remove member"), ("boss", "role change"),
            ("boss", "export")} <= seen
    undo = next(e for e in events if e["action"] == "undo")
    assert undo["detail"]["value"] == "neg" and undo["detail"]["item_id"] == item["id"]
    override = next(e for e in events if e["action"] == "review override")
    assert override["detail"] == {"item_id": item["id"], "label_id":
                                  override["detail"]["label_id"], "value": overridden,
                                  "previous": combined}
    role = next(e for e in events if e["action"] == "role change")
    assert role["detail"] == {"account": "bob", "user_id": bob_id, "old": "annotator",
                              "new": "reviewer"}
    # The undone label is kept: a correction adds a record, it destroys none.
    labels = [e for e in events if e["action"] == "label" and e["username"] == "ann"
              and e["detail"]["item_id"] == item["id"]]
    assert [e["detail"]["value"] for e in labels] == ["pos", "neg"]
    times = [e["created_at"] for e in events]
    assert times == sorted(times, reverse=True)
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {(r["username"], r["action"]) for r in rows} == \
        {(e["username"], e["action"]) for e in events if e["project_id"] == pid}
    assert len(jsonl.splitlines()) == len(rows)
    assert json.loads(jsonl.splitlines()[0])["action"] == rows[0]["action"]
