"""Helpers for the browser tests: Debian's Chromium through Playwright, logins, screenshots."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from server_helpers import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
#: Screenshots the docs show (small PNGs).  Tests write them to a git-ignored folder, so a
#: test run leaves the tree clean; ``make screenshots`` points this at docs/screenshots.
SCREENSHOTS = Path(os.environ.get("ACTIVELAB_SCREENSHOT_DIR")
                   or Path(__file__).resolve().parents[2] / ".cache" / "screenshots")
VIEWPORT = {"width": 1000, "height": 640}


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """A headless Debian Chromium (the test is skipped when it or Playwright is missing)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(name="chromium")
def chromium_fixture() -> Iterator[Any]:
    """:func:`launched_chromium` as a fixture."""
    with launched_chromium() as chromium:
        yield chromium


def login(browser: Any, url: str, username: str, password: str = PASSWORD) -> Any:
    """A new page (its own cookies) logged in as ``username``."""
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/projects")
    return page


def create_project_in_browser(page: Any, client: Any, name: str, task_type: str,
                              **fields: str) -> dict[str, Any]:
    """Fill in and send the "New project" form of the projects page; the project as the API
    lists it."""
    form = page.locator("#new-project")
    form.locator("input[name=name]").fill(name)
    form.locator("select[name=task_type]").select_option(task_type)
    for field, value in fields.items():
        form.locator(f"input[name={field}]").fill(value)
    form.locator("button[type=submit]").click()
    page.locator("#active-projects").get_by_text(name).wait_for()
    return next(p for p in client.get("/api/projects").json() if p["name"] == name)


def screenshot(page: Any, name: str, element: Any = None) -> Path:
    """Save what ``page`` shows (or only ``element``, a locator) as
    ``<SCREENSHOTS>/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    (element or page).screenshot(path=str(path))
    return path


def stored_labels(live: Any, project_id: int) -> list[Any]:
    """The project's labels that are not undone, oldest first: ``(value, is_skip)``."""
    from sqlalchemy import select

    from activelab.server.models import Label

    with live.factory() as session:
        rows = session.execute(
            select(Label.value, Label.is_skip).where(Label.project_id == project_id,
                                                     Label.undone.is_(False))
            .order_by(Label.id)).all()
    return [tuple(row) for row in rows]


#: axe-core from npm (``make test`` installs it: ``npm install --prefix .cache/axe axe-core@4``).
AXE = Path(__file__).resolve().parents[2] / ".cache" / "axe" / "node_modules" / "axe-core" / \
    "axe.min.js"
_RUN_AXE = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5)}))"""


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on ``page`` as it is now."""
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (npm install --prefix .cache/axe "
                    "axe-core@4; npm is missing or the install failed)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as a <script> tag: the server's CSP
        # (script-src 'self') rightly refuses an inline script.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    return [v for v in page.evaluate(_RUN_AXE) if v["impact"] in ("serious", "critical")]
