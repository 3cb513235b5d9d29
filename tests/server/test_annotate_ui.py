"""The annotate page in a real headless Chromium: class keys, no inert buttons, visible
multi-label selection, empty projects, and editing boxes by mouse and by keyboard."""

from __future__ import annotations

import json

import pytest
from browser_helpers import chromium_fixture, login, screenshot, stored_labels  # noqa: F401
from server_helpers import make_project, png_b64, upload

pytestmark = pytest.mark.browser


def _texts(admin, project_id: int, n: int) -> None:
    rows = "".join(f"text number {i}\n" for i in range(n))
    assert upload(admin, project_id, "t.csv", "text\n" + rows).status_code == 200


def _annotate(chromium, live, project_id: int, user: str = "root-admin"):
    from playwright.sync_api import expect

    page = login(chromium, live.url, user)
    page.goto(f"{live.url}/projects/{project_id}/annotate")
    expect(page.locator("#progress")).to_contain_text("/")
    return page


@pytest.mark.parametrize(("labels", "by_name"), [
    ([str(d) for d in range(10)], True),           # the digits: each typed as itself
    (["a", "b", "c"], True),                       # letters, too
    (["cat", "dog", "bird"], False),               # names are words: 1, 2, 3
    (["s", "t"], False),                           # S is the skip key: ordinal keys
    ([f"c{i}" for i in range(10)], False),         # ten words: 1-9 and 0
])
def test_each_class_is_stored_when_its_shown_key_is_pressed(live, admin, chromium, labels,
                                                             by_name):
    from playwright.sync_api import expect

    project = make_project(admin, name="Reviews", labels=labels)
    _texts(admin, project["id"], len(labels) + 1)
    page = _annotate(chromium, live, project["id"])
    progress = page.locator("#progress")
    buttons = page.locator("#choices button")
    expect(buttons).to_have_count(len(labels))
    pressed = []
    for i, name in enumerate(labels):
        button = buttons.nth(i)
        key = button.get_attribute("aria-keyshortcuts")
        if by_name:
            assert key == name and button.inner_text() == name
        else:
            assert key == str((i + 1) % 10) and button.inner_text().startswith(key)
        page.keyboard.press(key)
        pressed.append(name)
        expect(progress).to_contain_text(f"{i + 1} / {len(labels) + 1} done", timeout=15_000)
    assert stored_labels(live, project["id"]) == [(name, False) for name in pressed]


def _watch(page) -> None:
    """Count DOM changes and requests, so a test can tell whether a click did anything."""
    page.evaluate("""() => {
        window.__changes = 0;
        new MutationObserver((m) => { window.__changes += m.length; })
            .observe(document.body, {subtree: true, childList: true, attributes: true,
                                     characterData: true});
    }""")


@pytest.mark.parametrize("task", ["text_classification", "multilabel_text", "image_regions"])
def test_no_visible_button_on_the_annotate_page_is_inert(live, admin, chromium, task):
    from playwright.sync_api import expect

    project = make_project(admin, name="Pets", task_type=task, labels=["cat", "dog"])
    if task == "image_regions":
        lines = "".join(json.dumps({"image": png_b64(40 * i, 16)}) + "\n" for i in range(1, 6))
        upload(admin, project["id"], "i.jsonl", lines)
    else:
        _texts(admin, project["id"], 5)
    page = _annotate(chromium, live, project["id"])
    expect(page.locator("#choices button")).to_have_count(2)
    expect(page.locator("#submit")).to_be_visible(visible=task != "text_classification")
    page.keyboard.press("s")  # a skip, so that Undo has something to undo
    expect(page.locator("#progress")).to_contain_text("0 / 5 done · 0 by you")
    expect(page.locator("#history-list li")).to_have_count(1)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    visible = [b for b in page.locator("main button").all() if b.is_visible()]
    names = [b.inner_text() for b in visible]
    assert "Submit (Enter)" in names or task == "text_classification"
    for name in names:
        button = page.locator("main button", has_text=name).first
        _watch(page)
        before = len(requests)
        button.click()
        page.wait_for_timeout(300)
        changed = page.evaluate("window.__changes")
        assert changed > 0 or len(requests) > before, f"the button {name!r} did nothing"


def test_a_selected_multilabel_choice_is_pressed_and_looks_different(live, admin, chromium):
    from playwright.sync_api import expect

    project = make_project(admin, name="News topics", task_type="multilabel_text",
                           labels=["sports", "politics"])
    _texts(admin, project["id"], 2)
    page = _annotate(chromium, live, project["id"])
    on, off = page.locator("#choices button").nth(0), page.locator("#choices button").nth(1)
    expect(on).to_have_attribute("aria-pressed", "false")
    style = "(b) => { const s = getComputedStyle(b); return [s.backgroundColor, s.color]; }"
    unpressed = on.evaluate(style)
    on.click()
    expect(on).to_have_attribute("aria-pressed", "true")
    expect(off).to_have_attribute("aria-pressed", "false")
    assert on.evaluate(style) != unpressed
    assert off.evaluate(style) == unpressed
    screenshot(page, "annotate-multilabel")
    page.keyboard.press("Enter")
    expect(page.locator("#progress")).to_contain_text("1 / 2 done")
    assert stored_labels(live, project["id"]) == [(["sports"], False)]


def test_an_empty_project_tells_the_admin_to_import_and_the_annotator_to_wait(live, admin,
                                                                             chromium):
    from playwright.sync_api import expect

    project = make_project(admin, name="Reviews")
    user_id, _ = live.user("annie")
    admin.put(f"/api/projects/{project['id']}/members/{user_id}")
    page = _annotate(chromium, live, project["id"])
    item = page.locator("#item")
    expect(item).to_contain_text("no items yet")
    expect(item).not_to_contain_text("Nothing left")
    link = item.get_by_role("link", name="import items on the dashboard")
    assert link.get_attribute("href") == f"/projects/{project['id']}/dashboard#import"
    screenshot(page, "annotate-empty-project")
    link.click()
    expect(page.locator("#import")).to_be_visible()
    annotator = _annotate(chromium, live, project["id"], "annie")
    expect(annotator.locator("#item")).to_contain_text("Nothing has been imported")
    # Once items are in and labelled, the page thanks the annotator instead.
    _texts(admin, project["id"], 1)
    annotator.reload()
    expect(annotator.locator("#choices button")).to_have_count(2)
    annotator.keyboard.press("1")
    expect(annotator.locator("#item")).to_contain_text("Nothing left to annotate")


def _canvas_point(canvas, fx: float, fy: float) -> tuple[float, float]:
    box = canvas.bounding_box()
    return box["x"] + fx * box["width"], box["y"] + fy * box["height"]


def _drag(page, canvas, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*_canvas_point(canvas, *start))
    page.mouse.down()
    page.mouse.move(*_canvas_point(canvas, *end), steps=5)
    page.mouse.up()


def test_boxes_are_drawn_selected_moved_resized_and_deleted(live, admin, chromium):
    from playwright.sync_api import expect

    project = make_project(admin, name="Pets", task_type="image_regions", labels=["cat", "dog"])
    upload(admin, project["id"], "i.jsonl", json.dumps({"image": png_b64(90, 32)}) + "\n")
    page = _annotate(chromium, live, project["id"])
    canvas = page.locator("#item canvas")
    expect(canvas).to_be_visible()
    status = page.locator("#box-status")
    # Box 1 (cat) by mouse; the rubber band shows while the button is down.
    page.mouse.move(*_canvas_point(canvas, 0.1, 0.1))
    page.mouse.down()
    page.mouse.move(*_canvas_point(canvas, 0.4, 0.4), steps=5)
    screenshot(page, "annotate-box-rubber-band")
    page.mouse.up()
    expect(status).to_contain_text("1 box: 1 cat (selected)")
    # Box 2 (dog): deselect (a class key would relabel the selected box), the class key, drag.
    page.keyboard.press("Escape")
    page.keyboard.press("2")
    expect(status).to_contain_text("1 box: 1 cat.")
    _drag(page, canvas, (0.6, 0.6), (0.9, 0.9))
    expect(status).to_contain_text("2 boxes: 1 cat, 2 dog (selected)")
    # Select box 1 by keyboard (Tab from the image), move it right twice and down once.
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    expect(status).to_contain_text("1 cat (selected)")
    for key in ("ArrowRight", "ArrowRight", "ArrowDown"):
        page.keyboard.press(key)
    # Resize it with the mouse: drag its bottom-right corner from (0.44, 0.42) to (0.5, 0.55).
    _drag(page, canvas, (0.44, 0.42), (0.5, 0.55))
    screenshot(page, "annotate-boxes-edited")
    # Delete box 2: click it to select it, then Delete.
    page.mouse.click(*_canvas_point(canvas, 0.75, 0.75))
    expect(status).to_contain_text("2 dog (selected)")
    page.keyboard.press("Delete")
    expect(status).to_contain_text("1 box: 1 cat")
    page.locator("#submit").click()
    expect(page.locator("#progress")).to_contain_text("1 / 1 done")
    ((boxes, skipped),) = stored_labels(live, project["id"])
    assert not skipped and len(boxes) == 1
    (box,) = boxes
    assert box["label"] == "cat"
    assert box["x"] == pytest.approx(0.14, abs=0.02) and box["y"] == pytest.approx(0.12, abs=0.02)
    assert box["x"] + box["w"] == pytest.approx(0.5, abs=0.02)
    assert box["y"] + box["h"] == pytest.approx(0.55, abs=0.02)
