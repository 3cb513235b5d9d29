"""The annotate page and dashboard of an image regions project in a real headless Chromium:
the model's boxes come dashed, one is accepted with A, one box is drawn with the mouse and
relabelled with its key, and the answer stores both with their origins; a single proposed
region is relabelled, another rejected."""

from __future__ import annotations

import pytest
from browser_helpers import chromium_fixture, login, screenshot  # noqa: F401
from playwright.sync_api import expect
from server_helpers import retrain
from sqlalchemy import select
from test_region_projects import answer_truth, regions_project

from activelab.server.models import Label

pytestmark = pytest.mark.browser


def test_accept_a_proposed_box_and_draw_another(live, admin, chromium):
    pid = regions_project(admin, name="Shapes")
    answer_truth(admin, pid, 6)
    retrain(live, pid)

    page = login(chromium, live.url, "root-admin")
    page.goto(f"{live.url}/projects/{pid}/annotate")
    expect(page.locator("#why")).to_contain_text("proposes 2 dashed boxes")
    item = admin.get(f"/api/projects/{pid}/next").json()["item"]  # the page's lease
    proposed = item["why"]["boxes"]
    assert len(proposed) == 2
    status = page.locator("#box-status")
    expect(status).to_contain_text("(proposed)")
    screenshot(page, "annotate-regions-proposals")

    canvas = page.locator("#item canvas")
    canvas.focus()
    page.keyboard.press("a")                       # accept the selected (first) proposal
    expect(status).to_contain_text(f"1 {proposed[0]['label']} (accepted)")
    expect(status).to_contain_text(f"2 {proposed[1]['label']} (proposed) (selected)")
    canvas.scroll_into_view_if_needed()
    frame = canvas.bounding_box()
    assert frame is not None
    start = (frame["x"] + 0.65 * frame["width"], frame["y"] + 0.05 * frame["height"])
    end = (frame["x"] + 0.95 * frame["width"], frame["y"] + 0.25 * frame["height"])
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=5)
    page.mouse.up()
    expect(status).to_contain_text("3 square (selected)")
    page.keyboard.press("2")                       # the drawn box is a bar
    expect(status).to_contain_text("3 bar (selected)")
    expect(page.locator("#accept")).to_be_visible()  # one proposal still waits
    page.keyboard.press("Enter")
    expect(page.locator("#progress")).to_contain_text("7 by you")

    with live.factory() as session:
        value, actions = session.execute(
            select(Label.value, Label.box_actions).where(Label.item_id == item["id"])).one()
    accepted, drawn = value
    for key in ("x", "y", "w", "h"):
        assert accepted[key] == pytest.approx(proposed[0][key], abs=0.0011)
    assert accepted["label"] == proposed[0]["label"]
    assert drawn["label"] == "bar"
    for key, expected in (("x", 0.65), ("y", 0.05), ("w", 0.30), ("h", 0.20)):
        assert drawn[key] == pytest.approx(expected, abs=0.01)
    assert actions == {"origins": ["accepted", "drawn"], "rejected": 1}

    retrain(live, pid)  # the curve's second point: 14 boxes
    page.goto(f"{live.url}/projects/{pid}/dashboard")
    expect(page.locator("#box-savings")).to_contain_text(
        "1 boxes accepted as proposed, 0 corrected")
    expect(page.locator("#box-savings")).to_contain_text("13 drawn from scratch; 1 proposals "
                                                         "rejected")
    expect(page.locator("#curve h2")).to_have_text("Learning curve: mAP@0.5")
    expect(page.locator("#curve svg")).to_have_attribute(
        "aria-label", "learning curve: mAP@0.5 (higher is better)")
    screenshot(page, "dashboard-regions", page.locator("#curve"))
    expect(page.locator("#queue-strategy")).to_contain_text("margin-sum (model version 2)")
    page.locator("#settings select[name=region_queue]").select_option("regions")
    page.locator("#settings button[type=submit]").click()
    expect(page.locator("#admin-result")).to_contain_text("regions")
    assert admin.get(f"/api/projects/{pid}").json()["region_queue"] == "regions"


def test_a_single_region_is_relabelled_then_another_rejected(live, admin, chromium):
    pid = regions_project(admin, name="Shapes", region_queue="regions")
    answer_truth(admin, pid, 5)
    retrain(live, pid)

    page = login(chromium, live.url, "root-admin")
    page.goto(f"{live.url}/projects/{pid}/annotate")
    why = page.locator("#why")
    expect(why).to_contain_text("asks: is the dashed box a")
    expect(page.locator("#accept")).to_be_hidden()
    expect(page.locator("#reject")).to_be_visible()
    region = admin.get(f"/api/projects/{pid}/next").json()["item"]["why"]["region"]
    other = next(name for name in ("square", "bar") if name != region["label"])
    page.locator("#item canvas").focus()
    page.keyboard.press("1" if other == "square" else "2")
    expect(page.locator("#box-status")).to_contain_text(f"1 {other} (corrected)")
    page.keyboard.press("Enter")
    expect(page.locator("#progress")).to_contain_text("6 by you")
    page.keyboard.press("x")
    expect(page.locator("#progress")).to_contain_text("7 by you")

    with live.factory() as session:
        rows = session.execute(select(Label.value, Label.box_actions).where(
            Label.project_id == pid).order_by(Label.id)).all()
    (relabelled, first), (rejected, second) = rows[-2:]
    box = {key: region[key] for key in ("x", "y", "w", "h")}
    assert relabelled == [{**box, "label": other}]
    assert first == {"verdict": "relabelled", "region": {**box, "label": region["label"]}}
    assert rejected == [] and second["verdict"] == "rejected"
