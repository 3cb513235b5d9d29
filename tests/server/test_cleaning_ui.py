"""The annotate page of a cleaning project in a real headless Chromium: the given label and
why it is suspected, K keeps it, a class's key corrects it, S skips, U undoes; the dashboard
counts reviews and corrections."""

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
from server_helpers import make_project, upload
from test_cleaning_projects import CLASSES, retrain, wine_csv

pytestmark = pytest.mark.browser


def test_keep_with_k_correct_with_a_number_and_the_next_item_comes(live, admin, chromium):
    pid = make_project(admin, name="Wine labels", task_type="tabular_cleaning",
                       labels=CLASSES, eval_fraction=0.0)["id"]
    text, _, _ = wine_csv()
    assert upload(admin, pid, "wine.csv", text).status_code == 200
    retrain(live, pid)

    page = login(chromium, live.url, "root-admin")
    page.goto(f"{live.url}/projects/{pid}/annotate")
    given = page.locator("#item .given strong")
    expect(given).not_to_be_empty()
    expect(page.locator("#why")).to_contain_text("Chosen by normalized_margin")
    expect(page.locator("#why")).to_contain_text("flags this label as likely wrong")
    expect(page.locator("#choices button")).to_have_count(3)
    expect(page.locator("#keep")).to_be_visible()
    screenshot(page, "annotate-cleaning")
    progress = page.locator("#progress")
    first_label = given.inner_text()
    first_table = page.locator("#item table").inner_text()

    page.keyboard.press("k")                                   # keep the given label
    expect(progress).to_contain_text("1 by you")
    assert stored_labels(live, pid)[-1] == ({"action": "keep"}, False)
    expect(page.locator("#item table")).not_to_have_text(first_table)

    second = given.inner_text()
    target = next(i for i, name in enumerate(CLASSES) if name != second)
    page.keyboard.press(str(target + 1))                       # correct it
    expect(progress).to_contain_text("2 by you")
    assert stored_labels(live, pid)[-1] == (
        {"action": "relabel", "label": CLASSES[target]}, False)
    latest = page.locator("#history-list li").first
    expect(latest).to_contain_text(f"→ changed to {CLASSES[target]}")

    page.keyboard.press("s")                                   # skip
    expect(latest).to_contain_text("→ skipped")
    page.keyboard.press("u")                                   # undo the skip
    expect(latest).to_contain_text(f"→ changed to {CLASSES[target]}")
    page.keyboard.press("Enter")                               # Enter keeps too
    expect(progress).to_contain_text("3 by you")
    assert len(stored_labels(live, pid)) == 3
    assert first_label in CLASSES

    retrain(live, pid)
    page.goto(f"{live.url}/projects/{pid}/dashboard")
    counts = page.locator("#cleaning-counts")
    expect(counts).to_contain_text("3 labels reviewed")
    expect(counts).to_contain_text("1 corrected, 2 kept")
    expect(counts).to_contain_text("Estimated errors left")
    expect(page.locator("#curve svg")).to_have_attribute(
        "aria-label", "learning curve: ERRORS_FOUND (higher is better)")
    screenshot(page, "dashboard-cleaning", page.locator("#curve"))


def test_an_admin_creates_a_cleaning_project_in_the_browser(live, admin, chromium):
    page = login(chromium, live.url, "root-admin")
    project = create_project_in_browser(page, admin, "Spam labels", "text_cleaning",
                                        labels="ham, spam")
    assert project["task_type"] == "text_cleaning"
    assert (project["model_name"], project["strategy_name"]) == ("logreg", "normalized_margin")
