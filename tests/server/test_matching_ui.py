"""The annotate page of a matching project in a real headless Chromium: two records side by
side with their differences highlighted, the match probability, 1 same, 2 different, S unsure,
U undo; the dashboard's pair F1 and the two-table import form."""

from __future__ import annotations

import json

import pytest
from browser_helpers import chromium_fixture, login, screenshot, stored_labels  # noqa: F401
from playwright.sync_api import expect
from server_helpers import make_project
from test_matching_projects import answer, import_tables, people_tables, retrain

pytestmark = pytest.mark.browser


def test_press_1_or_2_and_the_next_pair_comes(live, admin, chromium):
    pid = make_project(admin, name="People", task_type="matching", labels=[],
                       eval_fraction=0.0)["id"]
    left, right, matches = people_tables(40, 40)
    assert import_tables(admin, pid, left, right).status_code == 200
    n = len(answer(admin, pid, matches, 16))
    retrain(live, pid)

    page = login(chromium, live.url, "root-admin")
    page.goto(f"{live.url}/projects/{pid}/annotate")
    table = page.locator("#item table.pair")
    expect(table.locator("caption")).to_have_text("Are these the same entity?")
    expect(table).to_contain_text("name")
    expect(table.locator("th[scope=col]").first).to_contain_text("Left L")
    expect(page.locator("#why")).to_contain_text("match probability")
    expect(page.locator("#why")).to_contain_text("Chosen by margin")
    expect(page.locator("#choices button")).to_have_text(["1 same", "2 different"])
    screenshot(page, "annotate-matching")
    progress = page.locator("#progress")
    expect(progress).to_contain_text(f"{n} by you")
    first = table.inner_text()
    differing = table.locator("tr.differs").count()
    rows = table.locator("tr").count() - 1
    assert 0 <= differing <= rows == 3

    page.keyboard.press("1")                                   # same
    expect(progress).to_contain_text(f"{n + 1} by you")
    assert stored_labels(live, pid)[-1] == ("same", False)
    expect(table).not_to_have_text(first)
    second = table.inner_text()
    page.keyboard.press("2")                                   # different
    expect(progress).to_contain_text(f"{n + 2} by you")
    assert stored_labels(live, pid)[-1] == ("different", False)
    expect(table).not_to_have_text(second)

    latest = page.locator("#history-list li").first
    expect(latest).to_contain_text("vs R")
    expect(latest).to_contain_text("→ different")
    page.keyboard.press("s")                                   # unsure: skipped
    expect(latest).to_contain_text("→ skipped")
    assert stored_labels(live, pid)[-1] == (None, True)
    page.keyboard.press("u")                                   # undo the skip
    expect(latest).to_contain_text("→ different")
    assert len(stored_labels(live, pid)) == n + 2


def test_an_admin_imports_two_tables_and_reads_the_pair_f1(live, admin, chromium, tmp_path):
    page = login(chromium, live.url, "root-admin")
    form = page.locator("#new-project")
    form.locator("input[name=name]").fill("Customers")
    form.locator("select[name=task_type]").select_option("matching")
    form.locator("button[type=submit]").click()
    expect(page.locator("#active-projects")).to_contain_text("Customers")
    project = next(p for p in admin.get("/api/projects").json() if p["name"] == "Customers")
    assert project["labels"] == ["same", "different"]
    pid = project["id"]

    left, right, matches = people_tables(40, 40)
    (tmp_path / "left.csv").write_text(left)
    (tmp_path / "right.csv").write_text("id,title\n1,x\n")
    page.goto(f"{live.url}/projects/{pid}/dashboard")
    importer = page.locator("#import")
    importer.locator("input[name=left]").set_input_files(str(tmp_path / "left.csv"))
    importer.locator("input[name=right]").set_input_files(str(tmp_path / "right.csv"))
    importer.locator("button[type=submit]").click()
    expect(page.locator("#admin-result")).to_contain_text("share no column to match on")
    (tmp_path / "right.csv").write_text(right)
    importer.locator("input[name=right]").set_input_files(str(tmp_path / "right.csv"))
    importer.locator("button[type=submit]").click()
    expect(page.locator("#admin-result")).to_contain_text("Imported 200 item(s)")

    n = len(answer(admin, pid, matches, 30))
    retrain(live, pid)
    page.goto(f"{live.url}/projects/{pid}/dashboard")
    expect(page.locator("#curve h2")).to_have_text("Learning curve: F1")
    expect(page.locator("#error-estimate")).to_contain_text(f"cross-validated F1 on {n} labels")
    expect(page.locator("#matches-left")).to_contain_text("matches left")
    expect(page.locator("#curve svg")).to_have_attribute("aria-label",
                                                         "learning curve: F1 (higher is better)")
    screenshot(page, "dashboard-matching", page.locator("#curve"))
    expect(page.locator("#entities")).to_have_attribute(
        "href", f"/api/projects/{pid}/matches?result=entities&guesses=true")
    records = admin.get(f"/api/projects/{pid}/matches", params={
        "result": "entities", "guesses": "true", "format": "jsonl"}).text.splitlines()
    assert len(records) == 80  # the records of both tables, each in some candidate pair
    assert all(json.loads(r)["entity"].startswith("E") for r in records)
