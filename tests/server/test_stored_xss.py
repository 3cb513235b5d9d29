"""Stored XSS in every field a user can set and every task type, checked in Chromium.

Markup is planted in a user name, a project name and description, label
names, item text, external ids, tabular column names and a browser's
User-Agent (shown on the account page).  Every page that shows them is
opened in a real browser: the markup must appear as text, no planted element
may exist in the page, no planted script may run, and the content security
policy must report nothing (it would report an inline handler that got in).
"""

from __future__ import annotations

import json

import pytest
from browser_helpers import launched_chromium
from server_helpers import PASSWORD, make_project, png_b64, upload

from activelab.server.models import Role

pytestmark = pytest.mark.browser

PLANT = '"><img src=x class=planted onerror="window.__xss=1"><script>window.__xss=2</script>'
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.sourceFile}:${e.lineNumber}`));
"""
LABELS = [f"a{PLANT}", f"b{PLANT}"]


def _items(task: str) -> str:
    """Two items of ``task`` whose every free-text field carries the plant."""
    if task in ("text_classification", "multilabel_text"):
        rows = [{"id": f"x{i}{PLANT}", "text": f"text {i} {PLANT}"} for i in range(2)]
    elif task == "tabular_classification":
        rows = [{"id": f"x{i}{PLANT}", f"width{PLANT}": i, "height": 2.5} for i in range(2)]
    else:
        rows = [{"id": f"x{i}{PLANT}", "image": png_b64(40 * i, 16)} for i in range(2)]
    return "".join(json.dumps(row) + "\n" for row in rows)


TASKS = ["text_classification", "multilabel_text", "image_classification", "image_regions",
         "tabular_classification"]


def test_planted_markup_stays_text_on_every_page(live, admin):
    from playwright.sync_api import expect

    projects = []
    for task in TASKS:
        project = make_project(admin, name=f"{task} {PLANT}", task_type=task, labels=LABELS,
                               description=f"about {PLANT}")
        report = upload(admin, project["id"], "items.jsonl", _items(task)).json()
        assert report["inserted"] == 2, report
        projects.append(project)
    # Made in the database directly: the API's name pattern would refuse it.
    user_id, token = live.user(f"eve{PLANT}", Role.admin)
    with live.client(token) as eve:  # her labels put her name on the dashboards
        for project in projects:
            item = eve.get(f"/api/projects/{project['id']}/next").json()["item"]
            value = LABELS[0] if project["task_type"] in ("text_classification",
                                                          "image_classification",
                                                          "tabular_classification") else []
            assert eve.post(f"/api/projects/{project['id']}/labels",
                            json={"item_id": item["id"], "value": value}).status_code == 201

    with launched_chromium() as chromium:
        context = chromium.new_context(user_agent=f"Browser {PLANT}")
        context.add_init_script(WATCH)
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

        def check(url: str, shows: str) -> None:
            page.goto(url)
            page.wait_for_load_state("networkidle")
            expect(page.locator("body")).to_contain_text(shows)
            assert page.locator(".planted").count() == 0, url
            assert page.evaluate("window.__xss") is None, url
            assert page.evaluate("window.__cspViolations") == [], url
            assert dialogs == [], url

        page.goto(f"{live.url}/login")
        page.fill("input[name=username]", f"eve{PLANT}")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        check(f"{live.url}/projects", f"eve{PLANT}")
        check(f"{live.url}/account", f"Browser {PLANT}")
        for project in projects:
            pid = project["id"]
            check(f"{live.url}/projects/{pid}/annotate", LABELS[1])
            if project["task_type"] in ("text_classification", "multilabel_text"):
                expect(page.locator("#item")).to_contain_text(PLANT)
            if project["task_type"] == "tabular_classification":
                expect(page.locator("#item")).to_contain_text(f"width{PLANT}")
            check(f"{live.url}/projects/{pid}/dashboard", f"eve{PLANT}")
            expect(page.locator("h1")).to_contain_text(project["name"])
        context.close()
