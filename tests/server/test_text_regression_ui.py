"""The annotate page of a text regression project in a real headless Chromium: the text,
the model's guess with its interval, a number typed and submitted with Enter."""

from __future__ import annotations

import pytest
from browser_helpers import chromium_fixture, login, screenshot, stored_labels  # noqa: F401
from playwright.sync_api import expect
from test_regression_ui import annotate_answered_project
from test_text_regression_projects import reviews, reviews_csv

pytestmark = pytest.mark.browser


def test_read_a_text_type_its_value_and_the_next_text_comes(live, admin, chromium):
    pid, page = annotate_answered_project(
        live, admin, chromium, reviews_csv(60), name="Review scores",
        task_type="text_regression", answer_min=0, answer_max=10)
    field = page.locator("#number-input")
    expect(page.locator("#why")).to_contain_text("Chosen by igs")
    shown = page.locator("#item p.text")
    screenshot(page, "annotate-text-regression")
    first = shown.inner_text()
    assert first in {row["text"] for row in reviews(60)[0]}

    page.keyboard.type("7.5")
    page.keyboard.press("Enter")
    expect(page.locator("#progress")).to_contain_text("11 by you")
    assert stored_labels(live, pid)[-1] == (7.5, False)
    expect(shown).not_to_have_text(first)
    expect(field).to_have_value("")

    page.keyboard.type("12")                                   # outside [0, 10]
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("outside the accepted range")
    assert len(stored_labels(live, pid)) == 11


def test_an_admin_creates_a_text_regression_project_from_the_form(live, admin, chromium):
    page = login(chromium, live.url, "root-admin")
    page.locator("#new-project input[name=name]").fill("Scores")
    page.locator("#new-project select[name=task_type]").select_option("text_regression")
    page.locator("#new-project button[type=submit]").click()
    expect(page.locator("#active-projects")).to_contain_text("text regression")
    project = next(p for p in admin.get("/api/projects").json() if p["name"] == "Scores")
    assert (project["task_type"], project["model_name"]) == ("text_regression", "ridge")
