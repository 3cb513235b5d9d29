"""Security headers on every response, a ``Secure`` cookie over HTTPS, and a CSP the pages obey.

The attack: no CSP, ``X-Frame-Options``, ``X-Content-Type-Options`` or
``Referrer-Policy`` anywhere, so the annotate page could be framed; the
cookie lacked ``Secure``.  The pages are then checked in a real Chromium:
none may trip the strict policy (no inline script or style).
"""

from __future__ import annotations

import json

import httpx
import pytest
from auth_helpers import foreign_site
from browser_helpers import launched_chromium
from server_helpers import PASSWORD, make_project, png_b64, upload

from activelab.server.models import Role, User

EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}
CSP_PARTS = ["default-src 'self'", "script-src 'self'", "style-src 'self'",
             "img-src 'self' data: blob:", "object-src 'none'", "base-uri 'self'",
             "frame-ancestors 'none'"]


def _assert_secured(response: httpx.Response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.url, name)
    policy = response.headers["content-security-policy"]
    for part in CSP_PARTS:
        assert part in policy.split("; "), (response.url, part)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.parametrize("server_settings", [
    {"worker_enabled": False, "max_upload_bytes": 4096}], indirect=True)
def test_every_kind_of_response_carries_the_headers(live, admin):
    images = make_project(admin, task_type="image_classification", labels=["dark", "light"])
    upload(admin, images["id"], "images.jsonl", json.dumps({"image": png_b64(10)}))
    item = admin.get(f"/api/projects/{images['id']}/next").json()["item"]
    with live.client() as anonymous:
        responses = {
            "page": anonymous.get("/login"),
            "redirect": anonymous.get("/projects"),
            "api": anonymous.get("/api/options"),
            "401": anonymous.get("/api/projects"),
            "404": anonymous.get("/no/such/page"),
            "static": anonymous.get("/static/style.css"),
            "cross-origin 403": anonymous.post("/api/auth/logout",
                                               headers={"Origin": "http://127.0.0.1:1"}),
            "413": anonymous.post("/api/auth/login", content=b"x" * 5000,
                                  headers={"Content-Type": "application/json"}),
        }
    responses["image"] = admin.get(item["image_url"])
    responses["authorised api"] = admin.get(f"/api/projects/{images['id']}")
    expected_codes = {"page": 200, "redirect": 303, "api": 200, "401": 401, "404": 404,
                      "static": 200, "cross-origin 403": 403, "413": 413, "image": 200,
                      "authorised api": 200}
    for kind, response in responses.items():
        assert response.status_code == expected_codes[kind], kind
        _assert_secured(response)


def _login_cookie(live, **headers: str) -> str:
    with live.client() as browser:
        response = browser.post("/api/auth/login", headers=headers,
                                json={"username": "ann", "password": PASSWORD})
        assert response.status_code == 200
        return response.headers["set-cookie"].lower()


def _flags(cookie: str) -> list[str]:
    return [part.strip() for part in cookie.split(";")[1:]]


def test_the_cookie_is_secure_over_https_behind_a_proxy(live):
    live.user("ann")
    plain = _login_cookie(live)
    assert "secure" not in _flags(plain) and "httponly" in _flags(plain)
    # uvicorn trusts X-Forwarded-Proto from 127.0.0.1 (a local reverse proxy terminating TLS).
    proxied = _login_cookie(live, **{"X-Forwarded-Proto": "https"})
    assert "secure" in _flags(proxied) and "httponly" in _flags(proxied)
    assert "samesite=lax" in _flags(proxied)


@pytest.mark.parametrize("server_settings", [{"worker_enabled": False, "cookie_secure": True}],
                         indirect=True)
def test_the_cookie_is_always_secure_when_configured(live):
    live.user("ann")
    assert _flags(_login_cookie(live)).count("secure") == 1


def test_the_dashboard_bars_are_proportional_and_readable_without_inline_style(live, admin):
    project = make_project(admin, labels=["pos", "neg", "meh"])
    lines = "".join(json.dumps({"text": f"t{i}"}) + "\n" for i in range(4))
    upload(admin, project["id"], "items.jsonl", lines)
    pid = project["id"]
    for value in ("pos", "pos", "pos", "neg"):
        item = admin.get(f"/api/projects/{pid}/next").json()["item"]["id"]
        assert admin.post(f"/api/projects/{pid}/labels",
                          json={"item_id": item, "value": value}).status_code == 201
    with live.client() as browser:
        browser.post("/login", data={"username": "root-admin", "password": PASSWORD})
        page = browser.get(f"/projects/{pid}/dashboard").text
    assert "style=" not in page
    for name, count, share in (("pos", 3, 75), ("neg", 1, 25), ("meh", 0, 0)):
        assert (f'<tr><td>{name}</td>\n      <td><meter min="0" max="4" value="{count}"'
                in page), name
        assert f'<td class="number">{count}</td><td class="number muted">{share}%</td>' in page


# -- in a real browser ------------------------------------------------------------------------

#: Installed before any page script runs (CDP bypasses the page's CSP): collects violations.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective}: ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.mark.browser
def test_no_page_trips_the_content_security_policy(live, admin):
    texts = make_project(admin, labels=["pos", "neg"])
    upload(admin, texts["id"], "items.jsonl",
           "".join(json.dumps({"text": f"t{i}"}) + "\n" for i in range(3)))
    boxes = make_project(admin, task_type="image_regions", labels=["cat", "dog"])
    upload(admin, boxes["id"], "images.jsonl", json.dumps({"image": png_b64(90, 16)}))
    pictures = make_project(admin, task_type="image_classification", labels=["a", "b"])
    upload(admin, pictures["id"], "images.jsonl", json.dumps({"image": png_b64(30, 16)}))
    victim_id, _ = live.user("victim")

    with launched_chromium() as chromium:
        context = chromium.new_context()
        _visit_every_page(live, context, texts["id"], [boxes, pictures], victim_id)


def _visit_every_page(live, context, pid: int, image_projects: list[dict], victim_id: int
                      ) -> None:
    from playwright.sync_api import expect

    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))

    def violations() -> list[str]:
        found = page.evaluate("window.__cspViolations")
        return found + [m for m in console if "Content Security Policy" in m]

    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", "root-admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")  # a real same-origin form post passes the origin check
    expect(page.locator("h1")).to_have_text("Projects")
    # The users table's buttons (admin.js) work: deactivate the victim.
    page.locator(f"tr[data-user-id='{victim_id}'] button[data-action=deactivate]").click()
    expect(page.locator(f"tr[data-user-id='{victim_id}']")).to_contain_text("deactivated")
    with live.factory() as session:
        assert session.get(User, victim_id).is_active is False
    assert violations() == []

    page.goto(f"{live.url}/projects/{pid}/annotate")
    expect(page.locator("#progress")).to_contain_text("0 / 3 done")
    page.keyboard.press("1")
    expect(page.locator("#progress")).to_contain_text("1 / 3 done")
    for project in image_projects:
        page.goto(f"{live.url}/projects/{project['id']}/annotate")
        expect(page.locator("#item img, #item canvas").first).to_be_visible()
    page.goto(f"{live.url}/projects/{pid}/dashboard")
    page.wait_for_load_state("load")
    assert violations() == []
    expect(page.locator("table.distribution meter").first).to_be_visible()
    page.click("#retrain")
    expect(page.locator("#admin-result")).to_contain_text("retraining scheduled")
    assert violations() == []

    page.goto(f"{live.url}/account")
    expect(page.locator("#sessions tr")).to_have_count(1)
    expect(page.locator("#sessions")).to_contain_text("this browser")
    page.fill("input[name=current_password]", PASSWORD)
    page.fill("input[name=new_password]", "another long passphrase")
    page.click("#password button[type=submit]")
    expect(page.locator("#password-message")).to_contain_text("Password changed")
    expect(page.locator("#sessions")).to_contain_text("this browser")
    assert violations() == []
    context.close()


@pytest.mark.browser
def test_the_pages_cannot_be_framed(live):
    """A page of another origin frames the annotate page (clickjacking): the browser refuses."""
    _, token = live.user("boss", Role.admin)
    with live.client(token) as admin:
        target = f"{live.url}/projects/{make_project(admin)['id']}/annotate"
    frames = {"/": "<p>harmless</p>",
              "/attack": f"<iframe name=own src='/'></iframe><iframe name=victim src='{target}'>"}
    with foreign_site(frames) as site, launched_chromium() as chromium:
        page = chromium.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{site}/attack")
        page.wait_for_load_state("load")
        # The control: the site can frame a page that allows it.
        assert "harmless" in page.frame(name="own").inner_text("p")
        victim = page.frame(name="victim")
        assert victim.url.startswith("chrome-error://"), victim.url
        assert any("frame-ancestors 'none'" in text for text in console), console
