"""The annotate page and dashboard of an anomaly project in a real headless Chromium: the
detector's suspicion with the unusual features marked, A / N / S (unsure) / U keys,
precision@k and anomalies found per label."""

from __future__ import annotations

import pytest
from browser_helpers import chromium_fixture, login, screenshot, stored_labels  # noqa: F401
from playwright.sync_api import expect
from server_helpers import upload
from test_anomaly_projects import anomaly_project, answer, thyroid_csv

from activelab.data import find_data_dir

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(find_data_dir() is None, reason="../shared/data is absent")]


def test_press_a_or_n_and_the_next_suspect_comes(live, admin, chromium):
    pid = anomaly_project(admin, name="Thyroid screening", eval_fraction=0.0)["id"]
    text, truth = thyroid_csv(400)
    assert upload(admin, pid, "thyroid.csv", text).status_code == 200
    assert live.app.state.worker.run_pending() == [pid]  # the import asked for a ranking

    page = login(chromium, live.url, "root-admin")
    page.goto(f"{live.url}/projects/{pid}/annotate")
    why = page.locator("#why")
    expect(why).to_contain_text("Chosen by most-anomalous")
    expect(why).to_contain_text("suspicion")
    expect(why).to_contain_text("robust SDs")
    expect(page.locator("#item tr.unusual")).to_have_count(3)
    expect(page.locator("#choices button")).to_have_text(["a anomaly", "n normal"])
    expect(page.locator("#skip")).to_have_text("Unsure (S)")
    screenshot(page, "annotate-anomaly")
    table = page.locator("#item table")
    first = table.inner_text()

    page.keyboard.press("a")
    expect(page.locator("#progress")).to_contain_text("1 by you")
    assert stored_labels(live, pid) == [("anomaly", False)]
    expect(table).not_to_have_text(first)
    page.keyboard.press("n")
    expect(page.locator("#progress")).to_contain_text("2 by you")
    page.keyboard.press("s")                                   # unsure: a skip
    latest = page.locator("#history-list li").first
    expect(latest).to_contain_text("→ skipped")
    assert stored_labels(live, pid)[-1] == (None, True)
    page.keyboard.press("u")                                   # undo the skip
    expect(latest).to_contain_text("→ normal")
    assert stored_labels(live, pid) == [("anomaly", False), ("normal", False)]


def test_the_dashboard_shows_precision_at_k_and_anomalies_found(live, admin, chromium):
    pid = anomaly_project(admin, name="Screening", eval_fraction=0.0)["id"]
    text, truth = thyroid_csv(400)
    upload(admin, pid, "t.csv", text)
    worker = live.app.state.worker
    assert worker.run_pending() == [pid]
    served = answer(admin, pid, truth, 24)
    found = sum(truth[item["external_id"]] == "anomaly" for item in served)
    worker.notify(pid, force=True)
    assert worker.run_pending() == [pid]

    page = login(chromium, live.url, "root-admin")
    page.goto(f"{live.url}/projects/{pid}/dashboard")
    expect(page.locator("#curve h2")).to_have_text("Learning curve: precision@k")
    expect(page.locator("#error-estimate")).to_contain_text("cross-validated precision@k on "
                                                            "24 labels")
    expect(page.locator("#anomalies-found")).to_contain_text(
        f"{found} anomalies found in 24 answers")
    expect(page.locator("#curve svg")).to_have_attribute(
        "aria-label", "learning curve: precision@k (higher is better)")
    expect(page.locator("#queue-strategy")).to_contain_text("most-anomalous (model version")
    screenshot(page, "dashboard-anomaly", page.locator("#curve"))


def test_an_admin_creates_an_anomaly_project_from_the_form(live, admin, chromium):
    page = login(chromium, live.url, "root-admin")
    page.locator("#new-project input[name=name]").fill("Fraud")
    page.locator("#new-project select[name=task_type]").select_option("anomaly")
    page.locator("#new-project button[type=submit]").click()
    expect(page.locator("#active-projects")).to_contain_text("Fraud")
    project = next(p for p in admin.get("/api/projects").json() if p["name"] == "Fraud")
    assert project["labels"] == ["anomaly", "normal"]
    assert (project["model_name"], project["strategy_name"]) == ("logreg", "most-anomalous")
