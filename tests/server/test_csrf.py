"""Cross-site request forgery from another origin of the same site.

SameSite=Lax lets a page on another port of the same host (or a sibling
subdomain) send requests with the user's cookie.  Such a page could post a
multipart import, fire the body-less POSTs (retrain, undo, heartbeat) and log
the user in to another account.  Each attack is replayed here with the
headers a browser sends (``Origin``, ``Sec-Fetch-Site``): it is refused with
403 and changes nothing.
"""

from __future__ import annotations

import time

import pytest
from auth_helpers import cookie_client, n_sessions, project_with_member
from server_helpers import PASSWORD
from sqlalchemy import func, select

from activelab.server.models import Item, Label, Role

EVIL = {"Origin": "http://127.0.0.1:1"}  # another port on the same host: the same site


def _own(live) -> dict[str, str]:
    return {"Origin": live.url}


def _count(live, model, *where) -> int:
    with live.factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_foreign_origin_cannot_import_with_the_admins_cookie(live_any_db):
    live = live_any_db
    user_id, _ = live.user("boss", Role.admin)
    with cookie_client(live, "boss") as browser:
        project = project_with_member(live, browser, user_id, n_items=2)
        url = f"/api/projects/{project['id']}/import"
        files = {"file": ("evil.csv", b"text\nplanted one\nplanted two\n")}
        refused = browser.post(url, files=files, headers=EVIL)
        assert refused.status_code == 403
        assert refused.json()["error"] == "CrossOriginRequestError"
        assert _count(live, Item) == 2
        accepted = browser.post(url, files=files, headers=_own(live))
        assert accepted.status_code == 200 and accepted.json()["inserted"] == 2


def test_a_foreign_origin_cannot_send_the_body_less_posts(live_any_db):
    live = live_any_db
    user_id, _ = live.user("boss", Role.admin)
    with cookie_client(live, "boss") as browser:
        pid = project_with_member(live, browser, user_id)["id"]
        item = browser.get(f"/api/projects/{pid}/next").json()["item"]["id"]
        labelled = browser.post(f"/api/projects/{pid}/labels", headers=_own(live),
                                json={"item_id": item, "value": "pos"})
        assert labelled.status_code == 201
        for path in (f"/api/projects/{pid}/undo", f"/api/projects/{pid}/retrain",
                     f"/api/projects/{pid}/leases/{item}/heartbeat",
                     "/api/auth/tokens", "/api/auth/logout"):
            assert browser.post(path, headers=EVIL).status_code == 403, path
            # Browsers that send no Origin still send Sec-Fetch-Site.
            assert browser.post(path, headers={"Sec-Fetch-Site": "same-site"}
                                ).status_code == 403, path
        assert browser.delete(f"/api/projects/{pid}/members/{user_id}",
                              headers=EVIL).status_code == 403
        assert browser.patch(f"/api/projects/{pid}", json={"overlap": 3},
                             headers={"Origin": "null"}).status_code == 403
        # Nothing changed: the label stands, no token was made, the session lives.
        assert _count(live, Label, Label.undone.is_(False)) == 1
        assert [t["name"] for t in browser.get("/api/auth/tokens").json()] == ["tests"]
        assert browser.get(f"/api/projects/{pid}").json()["overlap"] == 1
        assert browser.get("/api/auth/me").status_code == 200
        # The same requests from the server's own pages go through.
        assert browser.post(f"/api/projects/{pid}/undo", headers=_own(live)).status_code == 200
        assert browser.post(f"/api/projects/{pid}/retrain",
                            headers={"Sec-Fetch-Site": "same-origin"}).status_code == 202


def test_login_csrf_is_refused_on_both_login_routes(live_any_db):
    """A foreign page must not log the victim's browser in to the attacker's account."""
    live = live_any_db
    live.user("attacker")
    with live.client() as victim:
        form = victim.post("/login", data={"username": "attacker", "password": PASSWORD},
                           headers=EVIL)
        assert form.status_code == 403 and "set-cookie" not in form.headers
        assert "Back to the login page" in form.text
        api = victim.post("/api/auth/login", headers={"Sec-Fetch-Site": "cross-site"},
                          json={"username": "attacker", "password": PASSWORD})
        assert api.status_code == 403 and "set-cookie" not in api.headers
        assert n_sessions(live) == 0
        assert victim.get("/api/auth/me").status_code == 401
        ok = victim.post("/login", data={"username": "attacker", "password": PASSWORD},
                         headers={**_own(live), "Sec-Fetch-Site": "same-origin"})
        assert ok.status_code == 303


def test_bearer_token_calls_are_unaffected(live):
    _, token = live.user("boss", Role.admin)
    with live.client(token) as api:
        project = api.post("/api/projects", headers=EVIL, json={
            "name": "from a script", "task_type": "text_classification", "labels": ["a", "b"]})
        assert project.status_code == 201


def test_the_origin_must_match_scheme_host_and_port(live):
    live.user("ann")
    host = live.url.removeprefix("http://")
    with cookie_client(live, "ann") as browser:
        for origin in (live.url, f"HTTP://{host}", f"{live.url}/"):
            assert browser.post("/api/auth/tokens", json={}, headers={"Origin": origin}
                                ).status_code == 201, origin
        for origin in ("https://" + host, "http://127.0.0.1", "http://localhost:"
                       + host.split(":")[1], "garbage", "http://[::1", "null"):
            assert browser.post("/api/auth/tokens", json={}, headers={"Origin": origin}
                                ).status_code == 403, origin


@pytest.mark.parametrize("server_settings", [
    {"worker_enabled": False, "csrf_trusted_origins": ["https://labels.example.org"]}],
    indirect=True)
def test_a_trusted_origin_is_accepted(live):
    live.user("ann")
    with cookie_client(live, "ann") as browser:
        trusted = browser.post("/api/auth/tokens", json={},
                               headers={"Origin": "https://labels.example.org:443"})
        assert trusted.status_code == 201
        sibling = browser.post("/api/auth/tokens", json={},
                               headers={"Origin": "https://evil.labels.example.org"})
        assert sibling.status_code == 403


ATTACK = """<script>
const target = "{target}";
const form = new FormData();
form.append("file", new Blob(["text\\nplanted\\n"], {{type: "text/csv"}}), "evil.csv");
const send = (path, body) => fetch(target + path, {{method: "POST", mode: "no-cors",
                                                   credentials: "include", body}});
send("/api/projects/{pid}/import", form);
send("/api/projects/{pid}/retrain");
send("/api/auth/tokens", JSON.stringify({{name: "stolen"}}));
</script>"""
LOGIN_AS_ATTACKER = """<form method="post" action="{target}/login">
<input name="username" value="attacker"><input name="password" value="{password}"></form>
<script>document.forms[0].submit();</script>"""


@pytest.mark.browser
def test_a_page_on_another_port_cannot_act_for_the_user_in_a_real_browser(live):
    from auth_helpers import foreign_site
    from browser_helpers import launched_chromium, login
    from playwright.sync_api import expect

    from activelab.server.models import ApiToken, Project

    user_id, _ = live.user("boss", Role.admin)
    live.user("attacker")
    with cookie_client(live, "boss") as setup:
        pid = project_with_member(live, setup, user_id, n_items=2)["id"]
    pages = {"/attack": ATTACK.format(target=live.url, pid=pid),
             "/login-csrf": LOGIN_AS_ATTACKER.format(target=live.url, password=PASSWORD)}
    with foreign_site(pages) as site, launched_chromium() as chromium:
        page = login(chromium, live.url, "boss")
        expect(page.locator("h1")).to_have_text("Projects")
        answered: list[str] = []  # the forged requests, once answered (opaque to the page)
        for event in ("requestfinished", "requestfailed"):
            page.on(event, lambda request: answered.append(request.url)
                    if request.url.startswith(live.url) else None)
        page.goto(f"{site}/attack")
        deadline = time.monotonic() + 60
        while len(answered) < 3 and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert len(answered) == 3, answered
        page.goto(f"{site}/login-csrf")
        page.wait_for_url(f"{live.url}/login")
        expect(page.locator("body")).to_contain_text("Request refused")
        page.goto(f"{live.url}/projects")
        expect(page.locator("header")).to_contain_text("boss")
    assert _count(live, Item) == 2
    assert _count(live, ApiToken) == 2  # the two made by live.user
    with live.factory() as session:
        assert session.get(Project, pid).retrain_requested is False
