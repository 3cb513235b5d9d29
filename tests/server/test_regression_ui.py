"""The annotate page of a regression project in a real headless Chromium: the model's guess
with its interval, a number typed and submitted with Enter, S to skip, U to undo."""

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
from test_regression_projects import answer, diabetes_csv

pytestmark = pytest.mark.browser


def annotate_answered_project(live, admin, chromium, data: tuple[str, dict], **fields):
    """(project id, its annotate page) after ten answers from ``data``'s truth and a
    retrain; ``fields`` make the project; the number field has the focus."""
    pid = make_project(admin, labels=[], eval_fraction=0.0, **fields)["id"]
    text, truth = data
    assert upload(admin, pid, "items.csv", text).status_code == 200
    answer(admin, pid, truth, 10)
    worker = live.app.state.worker
    worker.notify(pid, force=True)
    assert worker.run_pending() == [pid]
    page = login(chromium, live.url, "root-admin")
    page.goto(f"{live.url}/projects/{pid}/annotate")
    expect(page.locator("#number-input")).to_be_focused()
    expect(page.locator("#why")).to_contain_text("95% interval")
    return pid, page


def test_type_a_number_press_enter_and_the_next_item_comes(live, admin, chromium):
    pid, page = annotate_answered_project(
        live, admin, chromium, diabetes_csv(40), name="Disease progression",
        task_type="tabular_regression", answer_min=0, answer_max=400)
    field = page.locator("#number-input")
    expect(page.locator("#item table")).to_contain_text("x0")
    expect(page.locator("#choices button")).to_have_count(0)
    screenshot(page, "annotate-tabular-regression")
    progress = page.locator("#progress")
    expect(progress).to_contain_text("10 by you")
    first = page.locator("#item table").inner_text()

    page.keyboard.type("151.5")
    page.keyboard.press("Enter")
    expect(progress).to_contain_text("11 by you")
    assert stored_labels(live, pid)[-1] == (151.5, False)
    expect(page.locator("#item table")).not_to_have_text(first)
    expect(field).to_be_focused()
    expect(field).to_have_value("")

    page.keyboard.type("401")                                  # outside [0, 400]
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("outside the accepted range")
    assert len(stored_labels(live, pid)) == 11

    latest = page.locator("#history-list li").first
    expect(latest).to_contain_text("→ 151.5")
    page.keyboard.press("s")                                   # skip
    expect(latest).to_contain_text("→ skipped")
    assert stored_labels(live, pid)[-1] == (None, True)
    page.keyboard.press("u")                                   # undo the skip
    expect(latest).to_contain_text("→ 151.5")
    expect(field).to_be_focused()
    page.keyboard.press("u")                                   # undo 151.5: typed back
    expect(field).to_have_value("151.5")
    assert len(stored_labels(live, pid)) == 10


def test_an_admin_creates_a_regression_project_and_reads_its_rmse(live, admin, chromium):
    page = login(chromium, live.url, "root-admin")
    project = create_project_in_browser(page, admin, "Prices", "tabular_regression",
                                        answer_min="0", answer_max="400")
    assert (project["model_name"], project["strategy_name"]) == ("ridge", "igs")
    assert (project["answer_min"], project["answer_max"]) == (0, 400)

    pid = project["id"]
    text, truth = diabetes_csv(60)
    upload(admin, pid, "d.csv", text)
    answer(admin, pid, truth, 12)
    worker = live.app.state.worker
    worker.notify(pid, force=True)
    assert worker.run_pending() == [pid]
    page.goto(f"{live.url}/projects/{pid}/dashboard")
    expect(page.locator("#curve h2")).to_have_text("Learning curve: RMSE")
    expect(page.locator("#error-estimate")).to_contain_text("cross-validated RMSE on 12 labels")
    expect(page.locator("#curve svg")).to_have_attribute("aria-label",
                                                         "learning curve: RMSE (lower is better)")
    expect(page.locator("#answer-summary")).to_contain_text("12 answers")
    screenshot(page, "dashboard-regression", page.locator("#curve"))
