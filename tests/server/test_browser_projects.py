"""Project management in a real headless Chromium: the new-project form's messages, members
picked by name, pre-label count, archive and delete with confirmation."""

from __future__ import annotations

import pytest
from browser_helpers import SCREENSHOTS, chromium_fixture, login  # noqa: F401
from server_helpers import make_project, upload

pytestmark = pytest.mark.browser

def test_the_new_project_form_says_why_a_name_or_label_set_is_refused(live, admin, chromium):
    from playwright.sync_api import expect

    page = login(chromium, live.url, "root-admin")
    form = page.locator("#new-project")
    form.locator("input[name=name]").fill("   ")
    form.locator("input[name=labels]").fill("spam, ham")
    form.locator("button[type=submit]").click()
    expect(page.locator("#new-project-error")).to_contain_text(
        "the project name must not be blank")
    form.locator("input[name=name]").fill("spam filter")
    form.locator("input[name=labels]").fill("spam")
    form.locator("button[type=submit]").click()
    expect(page.locator("#new-project-error")).to_contain_text("at least 2 labels")
    assert admin.get("/api/projects").json() == []
    form.locator("input[name=labels]").fill("spam, ham")
    form.locator("input[name=label_column]").fill("category")
    form.locator("button[type=submit]").click()
    expect(page.locator("#active-projects")).to_contain_text("spam filter")
    (project,) = admin.get("/api/projects").json()
    assert (project["labels"], project["label_column"]) == (["spam", "ham"], "category")


def test_members_by_name_prelabels_archive_and_delete_on_the_dashboard(live, admin, chromium):
    from playwright.sync_api import expect

    live.user("ann")
    live.user("bob")
    project = make_project(admin, name="reviews")
    pid = project["id"]
    upload(admin, pid, "t.csv", "id,text,label\na,good,pos\nb,bad,neg\nc,so so,\n")
    page = login(chromium, live.url, "root-admin")
    page.goto(f"{live.url}/projects/{pid}/dashboard")

    # Members: picked from the users' names, listed, removed.
    expect(page.locator("#members")).to_contain_text("No members yet")
    assert page.locator("#user-names option").evaluate_all(
        "options => options.map(o => o.value)") == ["root-admin", "ann", "bob"]
    page.locator("#member input[name=username]").fill("ann")
    page.locator("#member button[type=submit]").click()
    expect(page.locator("#members")).to_contain_text("ann (annotator)")
    page.locator("#member input[name=username]").fill("bob")
    page.locator("#member button[type=submit]").click()
    expect(page.locator("#members li")).to_have_count(2)
    page.get_by_role("button", name="Remove bob").click()
    expect(page.locator("#members li")).to_have_count(1)
    assert [m["username"] for m in admin.get(f"/api/projects/{pid}/members").json()] == ["ann"]

    # Pre-labels: counted, one confirmed, one sent back to the queue.
    expect(page.locator("#prelabel-count")).to_contain_text("2 label(s) came from imported")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-project-management.png"), full_page=True)
    page.locator("#prelabel-rows tr").first.get_by_role("button", name="Confirm").click()
    expect(page.locator("#prelabel-count")).to_contain_text("1 label(s) came from imported")
    page.locator("#prelabel-rows tr").first.get_by_role("button", name="Reopen").click()
    expect(page.locator("#prelabel-count")).to_contain_text("No labels from imported files")
    sources = admin.get(f"/api/projects/{pid}/stats").json()["label_sources"]
    assert sources == {"annotator": 1, "import": 0, "review": 0}

    # Archive: confirmed, listed apart, and the annotator is told why there is nothing.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#archive").click()
    expect(page.locator("#archived-badge")).to_be_visible()
    expect(page.locator("#audit")).to_contain_text("root-admin archive")
    page.goto(f"{live.url}/projects")
    expect(page.locator("#archived-projects")).to_contain_text("reviews")
    expect(page.locator("#active-projects")).not_to_contain_text("reviews")
    annotator = login(chromium, live.url, "ann")
    expect(annotator.locator("#archived-projects")).to_contain_text("reviews")
    annotator.goto(f"{live.url}/projects/{pid}/annotate")
    expect(annotator.locator("#message")).to_contain_text("archived")

    # Delete: a dialog that wants the project's name typed.
    page.goto(f"{live.url}/projects/{pid}/dashboard")
    page.locator("#delete-open").click()
    expect(page.locator("#delete-dialog")).to_be_visible()
    page.locator("#delete-dialog input[name=confirm]").fill("review")
    page.locator("#delete-dialog button[type=submit]").click()
    expect(page.locator("#delete-error")).to_contain_text("repeat its exact name")
    assert admin.get(f"/api/projects/{pid}").status_code == 200
    page.locator("#delete-dialog input[name=confirm]").fill("reviews")
    page.locator("#delete-dialog button[type=submit]").click()
    page.wait_for_url(f"{live.url}/projects")
    expect(page.locator("main")).not_to_contain_text("reviews")
    assert admin.get(f"/api/projects/{pid}").status_code == 404
    actions = [e["action"] for e in admin.get("/api/projects/audit-events").json()
               if e["id"] is not None]  # not the labels' own events
    assert actions[:3] == ["delete", "archive", "reopen pre-label"]
