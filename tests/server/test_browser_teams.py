"""The dashboard's agreement card and aggregation setting in Chromium (strict CSP)."""

from __future__ import annotations

import pytest
from browser_helpers import chromium_fixture, login  # noqa: F401
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
