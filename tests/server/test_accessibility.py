"""axe-core finds no serious or critical accessibility violation on any page."""

from __future__ import annotations

import json

import pytest
from browser_helpers import chromium_fixture, login, screenshot, serious_violations  # noqa: F401
from playwright.sync_api import expect
from server_helpers import make_project, png_b64, upload

pytestmark = pytest.mark.browser

#: A few items of each task type (the import format of each).
ITEMS = {
    "text_classification": ("t.csv", "text\nthe first review\nthe second review\n"),
    "multilabel_text": ("t.csv", "text\nsports and politics\nweather\n"),
    "image_classification": ("i.jsonl", "".join(json.dumps({"image": png_b64(v, 16)}) + "\n"
                                                for v in (40, 200))),
    "image_regions": ("i.jsonl", "".join(json.dumps({"image": png_b64(v, 16)}) + "\n"
                                         for v in (40, 200))),
    "tabular_classification": ("t.csv", "width,height\n1.5,2\n3,4.25\n"),
}


def _assert_accessible(page, what: str) -> None:
    found = serious_violations(page)
    assert not found, f"{what}: " + json.dumps(found, indent=1)


def test_login_and_error_pages(live, chromium):
    page = chromium.new_page()
    page.goto(f"{live.url}/login")
    _assert_accessible(page, "login")
    page.fill("input[name=username]", "nobody")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_be_visible()
    _assert_accessible(page, "login with an error")
    page.goto(f"{live.url}/no/such/page")
    expect(page.locator("#error-title")).to_have_text("Not found")
    _assert_accessible(page, "error page")


def test_projects_dashboard_and_error_pages_of_admins_and_annotators(live, admin, chromium):
    project = make_project(admin)
    upload(admin, project["id"], *ITEMS["text_classification"])
    user_id, _ = live.user("ann")
    other = make_project(admin)
    admin.put(f"/api/projects/{project['id']}/members/{user_id}")
    page = login(chromium, live.url, "root-admin")
    _assert_accessible(page, "projects (admin)")
    page.goto(f"{live.url}/projects/{project['id']}/dashboard")
    _assert_accessible(page, "dashboard")
    annotator = login(chromium, live.url, "ann")
    _assert_accessible(annotator, "projects (annotator)")
    annotator.goto(f"{live.url}/projects/{project['id']}/dashboard")
    expect(annotator.locator("#error-message")).to_have_text("only admins may do this")
    screenshot(annotator, "error-page")
    _assert_accessible(annotator, "403 page")
    annotator.goto(f"{live.url}/projects/{other['id']}/annotate")
    expect(annotator.locator("#error-title")).to_have_text("Not found")
    _assert_accessible(annotator, "404 page")


@pytest.mark.parametrize("task", sorted(ITEMS))
def test_the_annotate_page_of_each_task_type(live, admin, chromium, task):
    project = make_project(admin, name="Pets", task_type=task, labels=["cat", "dog"])
    page = login(chromium, live.url, "root-admin")
    page.goto(f"{live.url}/projects/{project['id']}/annotate")
    expect(page.locator("#item")).to_contain_text("no items yet")
    _assert_accessible(page, f"{task}: empty")
    upload(admin, project["id"], *ITEMS[task])
    page.reload()
    expect(page.locator("#choices button")).to_have_count(2)
    _assert_accessible(page, f"{task}: an item")
    page.keyboard.press("s")  # one entry in the history panel, with its Change button
    expect(page.locator("#history-list li")).to_have_count(1)
    _assert_accessible(page, f"{task}: with history")
    screenshot(page, f"annotate-{task.replace('_', '-')}")
