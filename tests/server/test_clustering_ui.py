"""The annotate page of a clustering project in a real headless Chromium: two items side by
side, both items' clusters in the reason, 1 same, 2 different, S unsure; the project form's
number of clusters and the dashboard's clusters card."""

from __future__ import annotations

import pytest
from browser_helpers import (  # noqa: F401
    chromium_fixture,
    create_project_in_browser,
    login,
    screenshot,
    stored_labels,
)
from playwright.sync_api import expect
from server_helpers import upload
from test_clustering_projects import blobs_csv, retrain, truth

pytestmark = pytest.mark.browser


def test_press_1_or_2_and_the_next_pair_comes(live, admin, chromium):
    page = login(chromium, live.url, "root-admin")
    project = create_project_in_browser(page, admin, "Shapes", "clustering", n_clusters="3")
    assert (project["n_clusters"], project["labels"]) == (3, ["same", "different"])
    pid = project["id"]
    text, classes = blobs_csv(n=45)
    assert upload(admin, pid, "points.csv", text).status_code == 200
    retrain(live, pid)

    page.goto(f"{live.url}/projects/{pid}/annotate")
    table = page.locator("#item table.pair")
    expect(table.locator("caption")).to_have_text("Do these two belong together?")
    expect(table.locator("th[scope=col]").first).to_contain_text("Left r")
    why = page.locator("#why")
    expect(why).to_contain_text("Chosen by uncertain-pairs")
    expect(why).to_contain_text("puts the left item in cluster")
    expect(page.locator("#choices button")).to_have_text(["1 same", "2 different"])
    screenshot(page, "annotate-clustering")
    progress = page.locator("#progress")

    served = admin.get(f"/api/projects/{pid}/next").json()["item"]  # the admin's lease
    first = table.inner_text()
    expected = truth(served, classes)
    page.keyboard.press("1" if expected == "same" else "2")
    expect(progress).to_contain_text("1 by you")
    assert stored_labels(live, pid)[-1] == (expected, False)
    expect(table).not_to_have_text(first)
    second = table.inner_text()
    page.keyboard.press("2")                                   # different
    expect(progress).to_contain_text("2 by you")
    assert stored_labels(live, pid)[-1] == ("different", False)
    expect(table).not_to_have_text(second)
    page.keyboard.press("s")                                   # unsure: skipped
    expect(page.locator("#history-list li").first).to_contain_text("→ skipped")
    assert stored_labels(live, pid)[-1] == (None, True)

    retrain(live, pid)
    page.goto(f"{live.url}/projects/{pid}/dashboard")
    card = page.locator("#clusters")
    expect(card.locator("#cluster-sizes tr")).to_have_count(3)
    expect(card.locator("#constraints-given")).to_contain_text("cannot-links")
    expect(card.locator("#clustering-change")).to_contain_text("adjusted Rand index")
    expect(page.locator("#clusters-export")).to_have_attribute(
        "href", f"/api/projects/{pid}/export?format=clusters")
    screenshot(page, "dashboard-clustering", card)
