"""The dashboard's agreement card and aggregation setting, and the review screen, in
Chromium (strict CSP)."""

from __future__ import annotations

import json

import pytest
from browser_helpers import chromium_fixture, login, screenshot  # noqa: F401
from team_helpers import label_everything, team_project

pytestmark = pytest.mark.browser


def test_agreement_card_and_aggregation_setting(live, admin, chromium):
    from playwright.sync_api import expect

    project, tokens = team_project(live, admin, ["ann", "bob"], 4, overlap=2)
    label_everything(live, tokens["ann"], project["id"], lambda eid: "pos")
    label_everything(live, tokens["bob"], project["id"],
                     lambda eid: "pos" if eid in ("t0", "t1") else "neg")
    errors: list[str] = []
    page = login(chromium, live.url, "root-admin")
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.goto(f"{live.url}/projects/{project['id']}/dashboard")
    expect(page.locator("#agreement")).to_contain_text("On 4 items labelled by two")
    expect(page.locator("#annotator-agreement")).to_contain_text("ann")
    page.select_option("select[name=aggregation]", "dawid-skene")
    page.locator("#settings button[type=submit]").click()
    expect(page.locator("#admin-result")).to_contain_text("dawid-skene")
    assert admin.get(f"/api/projects/{project['id']}").json()["aggregation"] == "dawid-skene"
    assert errors == []


def _split_answer(name: str, external_id: str) -> str:
    """ann and bob outvote cat on t0; ann alone disagrees on t1; all agree elsewhere."""
    i = int(external_id[1:])
    return "neg" if (i == 0 and name in ("ann", "bob")) or (i == 1 and name == "ann") else "pos"


def test_reviewer_works_the_review_queue_with_the_keyboard(live, admin, chromium):
    from playwright.sync_api import expect

    from activelab.server.models import Role

    project, tokens = team_project(live, admin, ["ann", "bob", "cat"], 3, overlap=3)
    pid = project["id"]
    for name, token in tokens.items():
        label_everything(live, token, pid, lambda eid, name=name: _split_answer(name, eid))
    reviewer_id, _ = live.user("rev", Role.reviewer)
    assert admin.put(f"/api/projects/{pid}/members/{reviewer_id}").status_code == 204
    errors: list[str] = []
    page = login(chromium, live.url, "rev")
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    expect(page.locator("#active-projects")).not_to_contain_text("Annotate")
    page.locator("#active-projects a", has_text="Review").click()
    expect(page.locator("#item")).to_contain_text("item 0")
    expect(page.locator("#review-combined")).to_contain_text("Combined label (majority): neg")
    expect(page.locator("#review-combined")).to_contain_text("confidence 67%")
    expect(page.locator("#review-labels tbody tr")).to_have_count(3)
    expect(page.locator("#review-labels")).to_contain_text("cat")
    expect(page.locator("#review-progress")).to_have_text("3 to review")
    screenshot(page, "review")
    page.keyboard.press("1")  # override with "pos", the first class
    expect(page.locator("#item")).to_contain_text("item 1")
    expect(page.locator("#review-progress")).to_have_text("2 to review")
    page.keyboard.press("Enter")  # accept "pos" on item 1
    expect(page.locator("#item")).to_contain_text("item 2")
    page.keyboard.press("Enter")
    expect(page.locator("#item")).to_contain_text("Nothing left to review")
    rows = admin.get(f"/api/projects/{pid}/export", params={"format": "consensus"}).text
    decided = {row["external_id"]: row for row in map(json.loads, rows.splitlines())}
    assert {eid: row["label"] for eid, row in decided.items()} == \
        {"t0": "pos", "t1": "pos", "t2": "pos"}
    assert {row["reviewed_by"] for row in decided.values()} == {"rev"}
    assert errors == []
    annotator = login(chromium, live.url, "ann")
    annotator.goto(f"{live.url}/projects/{pid}/review")
    expect(annotator.locator("#error-message")).to_contain_text("only reviewers and admins")


def test_admin_marks_a_gold_item_and_reads_the_audit_log_on_the_dashboard(live, admin, chromium):
    from playwright.sync_api import expect

    project, _ = team_project(live, admin, [], 3)
    pid = project["id"]
    page = login(chromium, live.url, "root-admin")
    page.goto(f"{live.url}/projects/{pid}/dashboard")
    page.fill("#gold-form input[name=external_id]", "t2")
    page.select_option("#gold-form select[name=answer]", "neg")
    page.locator("#gold-form button[type=submit]").click()
    expect(page.locator("#admin-result")).to_contain_text("is gold")
    expect(page.locator("#audit")).to_contain_text("mark gold item")
    assert admin.get(f"/api/projects/{pid}/gold").json()["gold_items"] == 1
    href = page.locator("#audit-csv").get_attribute("href")
    assert admin.get(href).text.splitlines()[0] == \
        "created_at,username,action,project_id,project_name,detail"
