"""The annotator's path in a real headless Chromium, against `activelab serve --demo`.

Logs in, labels 20 digits with the keyboard, undoes one, and watches the
dashboard's counts and learning curve update.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, screenshot

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def demo_server(tmp_path: Path):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")
    port = free_port()
    env = {**os.environ, "ACTIVELAB_RETRAIN_EVERY_LABELS": "5",
           "ACTIVELAB_RETRAIN_EVERY_SECONDS": "3600"}
    command = [sys.executable, "-m", "activelab.cli", "serve", "--demo", "--port", str(port),
               "--db", f"sqlite:///{tmp_path / 'demo.db'}"]
    if shutil.which("activelab"):
        command = ["activelab", *command[3:]]
    log = (tmp_path / "server.log").open("w+")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        password = None
        while time.monotonic() < deadline and password is None:
            time.sleep(0.3)
            text = (tmp_path / "server.log").read_text()
            found = re.search(r"password '([^']+)'", text)
            if found and "annotation server: http" in text:
                password = found.group(1)
            assert server.poll() is None, text
        assert password, "the demo printed no admin password"
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):  # wait until uvicorn accepts connections
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url, password
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def logged_in_admin(playwright, url: str, password: str):
    """A headless Chromium with a page logged in as the demo's admin."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{url}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    return browser, page


def read_demo_db(tmp_path: Path, statement):
    """Rows of ``statement`` from the demo server's SQLite file."""
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        with engine.connect() as db:
            return db.execute(statement).all()
    finally:
        engine.dispose()


def curve_points(page) -> int:
    """Retrains so far (the curve plots only those with an accuracy estimate)."""
    return int(page.locator("#curve").get_attribute("data-retrains"))


@pytest.mark.slow
def test_label_twenty_digits_with_the_keyboard_undo_one_and_see_the_dashboard(demo_server):
    from playwright.sync_api import expect, sync_playwright

    url, password = demo_server
    with sync_playwright() as playwright:
        browser, page = logged_in_admin(playwright, url, password)
        page.goto(f"{url}/projects/1/annotate")
        progress = page.locator("#progress")
        expect(progress).to_contain_text("0 / 1797 done")
        expect(page.locator("#item img, #item canvas").first).to_be_visible()
        for done in range(1, 21):
            page.keyboard.press(str(done % 9 + 1))  # digits 1..9: several classes
            expect(progress).to_contain_text(f"{done} / 1797 done", timeout=15_000)
        page.keyboard.press("u")
        expect(progress).to_contain_text("19 / 1797 done", timeout=15_000)
        expect(page.locator("#why")).not_to_be_empty()

        page.goto(f"{url}/projects/1/dashboard")
        expect(page.locator("body")).to_contain_text("19 of 1797 items finished")
        # Retrains run in the background every 5 labels: wait for the curve to appear.
        deadline = time.monotonic() + 90
        while curve_points(page) == 0 and time.monotonic() < deadline:
            page.wait_for_timeout(1000)
            page.reload()
        before = curve_points(page)
        assert before >= 1, "no learning-curve point after 19 labels"

        page.goto(f"{url}/projects/1/annotate")
        expect(progress).to_contain_text("19 / 1797 done")
        expect(page.locator("#item img, #item canvas").first).to_be_visible()
        for done in range(20, 31):
            page.keyboard.press(str(done % 9 + 1))
            expect(progress).to_contain_text(f"{done} / 1797 done", timeout=15_000)
        page.goto(f"{url}/projects/1/dashboard")
        expect(page.locator("body")).to_contain_text("30 of 1797 items finished")
        deadline = time.monotonic() + 90
        while curve_points(page) <= before and time.monotonic() < deadline:
            page.wait_for_timeout(1000)
            page.reload()
        assert curve_points(page) > before, "the learning curve did not grow after a retrain"
        browser.close()


def test_each_digit_key_labels_its_own_digit(demo_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright
    from sqlalchemy import select

    from activelab.server.models import Label

    url, password = demo_server
    digits = [str(d) for d in range(10)]
    with sync_playwright() as playwright:
        browser, page = logged_in_admin(playwright, url, password)
        page.goto(f"{url}/projects/1/annotate")
        buttons = page.locator("#choices button")
        expect(buttons).to_have_text(digits)  # no ordinal key shown beside a digit
        expect(page.locator("#key-hint")).to_contain_text("type a class's name")
        progress = page.locator("#progress")
        expect(progress).to_contain_text("0 / 1797 done")
        for done, digit in enumerate(["6", *digits], start=1):
            assert buttons.nth(int(digit)).get_attribute("aria-keyshortcuts") == digit
            page.keyboard.press(digit)
            expect(progress).to_contain_text(f"{done} / 1797 done", timeout=15_000)
        expect(page.locator("#history-list img.thumb")).to_have_count(10)
        screenshot(page, "annotate-digits-demo")
        browser.close()
    stored = read_demo_db(tmp_path, select(Label.value).order_by(Label.id))
    assert [value for (value,) in stored] == ["6", *digits]


@pytest.mark.slow
def test_the_new_project_form_offers_the_featurizer(demo_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright
    from sqlalchemy import select

    from activelab.server.models import Project

    url, password = demo_server
    with sync_playwright() as playwright:
        browser, page = logged_in_admin(playwright, url, password)
        page.goto(f"{url}/projects")
        form = page.locator("#new-project")
        # Embeddings are for text: an image project asking for them is refused, and says why.
        form.locator("input[name=name]").fill("photos")
        form.locator("select[name=task_type]").select_option("image_classification")
        form.locator("input[name=labels]").fill("cat, dog")
        form.locator("select[name=featurizer]").select_option("embeddings")
        form.locator("button[type=submit]").click()
        expect(page.locator("#new-project-error")).to_contain_text("text projects")
        form.locator("input[name=name]").fill("reviews")
        form.locator("select[name=task_type]").select_option("text_classification")
        form.locator("input[name=labels]").fill("good, bad")
        form.locator("select[name=featurizer]").select_option("embeddings")
        form.locator("button[type=submit]").click()
        expect(page.locator("table").first).to_contain_text("reviews", timeout=15_000)
        browser.close()
    assert dict(read_demo_db(tmp_path, select(Project.name, Project.featurizer))) == {
        "Digits (demo)": "auto", "reviews": "embeddings"}
