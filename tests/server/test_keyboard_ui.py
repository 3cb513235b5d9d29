"""The annotate page with a keyboard alone, the history panel, and the dashboard's import
report, in a real headless Chromium."""

from __future__ import annotations

import json

import pytest
from browser_helpers import chromium_fixture, login, screenshot, stored_labels  # noqa: F401
from playwright.sync_api import expect
from server_helpers import make_project, png_b64, upload

pytestmark = pytest.mark.browser


def _open(chromium, live, admin, task: str, labels: list[str], name: str, content: str):
    project = make_project(admin, name="Reviews", task_type=task, labels=labels)
    assert upload(admin, project["id"], name, content).status_code == 200
    page = login(chromium, live.url, "root-admin")
    page.goto(f"{live.url}/projects/{project['id']}/annotate")
    expect(page.locator("#choices button")).to_have_count(len(labels))
    return project["id"], page


def _tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement.matches({json.dumps(selector)})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def _shown_text(page) -> str:
    return page.locator("#item p.text").inner_text()


def test_label_skip_undo_and_reopen_from_the_history_with_keys_only(live, admin, chromium):
    texts = "text\nfirst text\nsecond text\nthird text\n"
    pid, page = _open(chromium, live, admin, "text_classification", ["pos", "neg"], "t.csv",
                      texts)
    progress = page.locator("#progress")
    first = _shown_text(page)
    page.keyboard.press("1")                               # pos
    expect(progress).to_contain_text("1 / 3 done")
    skipped = _shown_text(page)
    page.keyboard.press("s")                               # skip
    expect(page.locator("#history-list li")).to_have_count(2)
    page.keyboard.press("u")                               # undo the skip: the same item
    expect(page.locator("#item p.text")).to_have_text(skipped)
    expect(page.locator("#history-list li")).to_have_count(1)
    page.keyboard.press("2")                               # neg
    expect(progress).to_contain_text("2 / 3 done")
    history = page.locator("#history-list li")
    expect(history).to_have_count(2)
    expect(history.nth(1)).to_contain_text(f"{first} → pos")
    screenshot(page, "annotate-history")
    # Reopen the older answer (not the latest) from the history, with Tab and Enter.
    _tab_to(page, "#history-list li:nth-child(2) button")
    page.keyboard.press("Enter")
    expect(page.locator("#item p.text")).to_have_text(first)
    expect(progress).to_contain_text("1 / 3 done")
    page.keyboard.press("2")                               # change pos to neg
    expect(progress).to_contain_text("2 / 3 done")
    expect(history.first).to_contain_text(f"{first} → neg")
    assert stored_labels(live, pid) == [("neg", False), ("neg", False)]


def test_multilabel_with_keys_only(live, admin, chromium):
    pid, page = _open(chromium, live, admin, "multilabel_text", ["a", "b", "c"], "t.csv",
                      "text\nsome text\nmore\n")
    for key in ("a", "c", "b", "b"):                        # b on and off again
        page.keyboard.press(key)
    expect(page.locator("#choices button[aria-pressed=true]")).to_have_text(["a", "c"])
    page.keyboard.press("Enter")
    expect(page.locator("#progress")).to_contain_text("1 / 2 done")
    assert stored_labels(live, pid) == [(["a", "c"], False)]


def test_draw_a_box_with_keys_only(live, admin, chromium):
    pid, page = _open(chromium, live, admin, "image_regions", ["cat", "dog"], "i.jsonl",
                      json.dumps({"image": png_b64(120, 16)}) + "\n")
    _tab_to(page, "#item canvas")
    page.keyboard.press("+")                                # a box at (0.35, 0.35), 0.3 wide
    page.keyboard.press("ArrowRight")                       # moved right by 0.02
    page.keyboard.press("Shift+ArrowDown")                  # 0.02 taller
    page.keyboard.press("2")                                # the selected box becomes a dog
    expect(page.locator("#box-status")).to_have_text("1 box: 1 dog (selected).")
    page.keyboard.press("Enter")
    expect(page.locator("#progress")).to_contain_text("1 / 1 done")
    ((boxes, _),) = stored_labels(live, pid)
    assert boxes == [{"x": 0.37, "y": 0.35, "w": 0.3, "h": 0.32, "label": "dog"}]


def test_the_dashboard_shows_an_import_report_as_a_table(live, admin, chromium, tmp_path):
    project = make_project(admin, name="Measurements", task_type="tabular_classification",
                           labels=["a", "b"])
    page = login(chromium, live.url, "root-admin")
    page.goto(f"{live.url}/projects/{project['id']}/dashboard")
    source = tmp_path / "rows.csv"
    source.write_text("width,height\n1,2\nwide,3\n4,5\n")
    page.set_input_files("#import input[type=file]", str(source))
    page.locator("#import button[type=submit]").click()
    result = page.locator("#admin-result")
    expect(result).to_contain_text("Imported 2 item(s); 1 record(s) had errors.")
    rows = result.locator("table tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_text("LineProblem")
    expect(rows.nth(1).locator("td").nth(0)).to_have_text("3")
    expect(rows.nth(1).locator("td").nth(1)).to_contain_text("'width' is not a number")
    assert "{" not in result.inner_text()
    screenshot(page, "dashboard-import-report",
               page.locator("section.card", has=page.locator("#import")))
    # Other results read as text too: the saved settings as a list of names and values.
    page.locator("#settings button[type=submit]").click()
    expect(result.locator("dt", has_text="strategy name")).to_be_visible()
    expect(result.locator("dd").first).to_be_visible()
    assert "{" not in result.inner_text() and "table" not in result.inner_html()
