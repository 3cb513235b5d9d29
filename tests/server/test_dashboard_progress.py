"""Item 20: project progress, labels per hour and the strategy on the dashboard."""

from __future__ import annotations

import re

import pytest
from server_helpers import make_project, upload

from activelab.server.models import Role


@pytest.fixture
def labelled(live_any_db):
    _, token = live_any_db.user("boss", Role.admin)
    with live_any_db.client(token) as client:
        project = make_project(client, labels=["sport", "food"], strategy_name="entropy",
                               overlap=1)
        texts = [f"goal match team {i}" for i in range(10)] + \
            [f"bread soup cheese {i}" for i in range(10)]
        upload(client, project["id"], "t.csv", "text\n" + "\n".join(texts) + "\n")
        for _ in range(8):
            item = client.get(f"/api/projects/{project['id']}/next").json()["item"]
            value = "sport" if "goal" in item["data"]["text"] else "food"
            client.post(f"/api/projects/{project['id']}/labels",
                        json={"item_id": item["id"], "value": value})
        skipped = client.get(f"/api/projects/{project['id']}/next").json()["item"]
        client.post(f"/api/projects/{project['id']}/labels",
                    json={"item_id": skipped["id"], "skip": True})
        yield live_any_db, client, project["id"]


def test_stats_report_progress_pace_and_strategy(labelled):
    live, client, pid = labelled
    stats = client.get(f"/api/projects/{pid}/stats").json()
    progress = stats["progress"]
    assert (progress["done"], progress["total"], progress["percent"]) == (8, 20, 40.0)
    assert progress["labels_per_hour"] == 8  # labels, not skips, of the last hour
    assert progress["hours_left"] == pytest.approx(12 / 8, abs=0.05)
    assert stats["strategy"]["name"] == "entropy" and stats["strategy"]["active"] == "random"
    live.app.state.worker.notify(pid, force=True)
    live.app.state.worker.run_pending()
    stats = client.get(f"/api/projects/{pid}/stats").json()
    assert stats["strategy"]["name"] == "entropy"
    assert stats["strategy"]["active"] in ("class discovery", "entropy")
    assert stats["eval_fraction"] == 0.1
    assert all(isinstance(row["evaluation"], bool) for row in stats["queue"])


def test_the_dashboard_page_shows_them(labelled):
    live, client, pid = labelled
    live.app.state.worker.notify(pid, force=True)
    live.app.state.worker.run_pending()
    page = client.get(f"/projects/{pid}/dashboard")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert "8 of 20 items finished (40.0%)" in text
    assert '<progress id="progress-bar" max="20" value="8">' in text
    assert "8 labels in the last hour" in text
    assert "about 1.5 hours left at this pace" in text
    assert "Strategy: <strong>entropy</strong>" in text
    assert "class discovery" in text  # 4 labels a class: still looking for more
    assert "Model version 1, trained on 8 labels. No accuracy estimate yet" in text
    assert 'name="eval_fraction"' in text and " style=" not in text.split("Label distribution")[0]
