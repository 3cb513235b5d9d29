"""A stream project in a real headless Chromium: created in the browser with a rate and a
budget, fed through POST /stream, its asked items answered with the keyboard, and the
stream's counts on the dashboard."""

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
from test_stream_projects import CLASSES, send, wine_rows

pytestmark = pytest.mark.browser


def test_the_asked_items_are_answered_with_the_keyboard(live, admin, chromium):
    page = login(chromium, live.url, "root-admin")
    project = create_project_in_browser(page, admin, "Wine arrivals", "tabular_classification",
                                        labels=", ".join(CLASSES), stream_rate="0.5",
                                        stream_budget="6")
    assert (project["stream_rate"], project["stream_budget"]) == (0.5, 6)
    pid = project["id"]
    decisions = [send(admin, pid, row).json() for row in wine_rows()[:20]]
    asked = [d["item_id"] for d in decisions if d["decision"] == "ask"]
    assert len(asked) == 6

    page.goto(f"{live.url}/projects/{pid}/annotate")
    progress = page.locator("#progress")
    expect(progress).to_contain_text("0 / 6 done")
    expect(page.locator("#item table")).to_contain_text("f0")
    screenshot(page, "annotate-stream")
    first = page.locator("#item table").inner_text()
    page.keyboard.press("2")                                   # class_1
    expect(progress).to_contain_text("1 by you")
    assert stored_labels(live, pid)[-1] == ("class_1", False)
    expect(page.locator("#item table")).not_to_have_text(first)
    page.keyboard.press("s")                                   # skip
    page.keyboard.press("u")                                   # and undo it
    expect(page.locator("#history-list li").first).to_contain_text("→ class_1")

    page.goto(f"{live.url}/projects/{pid}/dashboard")
    counts = page.locator("#stream-counts")
    expect(counts).to_contain_text("20 items seen: 6 asked, 14 skipped")
    expect(counts).to_contain_text("budget 6: 0 left")
    screenshot(page, "dashboard-stream", page.locator("#stream"))
