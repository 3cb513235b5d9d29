"""Authentication (tokens, session cookie) and permissions (admins vs annotators)."""

from __future__ import annotations

from server_helpers import PASSWORD, make_project

from activelab.server.models import Role


def test_requests_without_credentials_get_401(live):
    with live.client() as anonymous:
        response = anonymous.get("/api/projects")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
    with live.client("al_not-a-real-token") as bad:
        assert bad.get("/api/auth/me").status_code == 401


def test_password_login_sets_a_signed_httponly_cookie(live):
    live.user("ann")
    with live.client() as browser:
        wrong = browser.post("/api/auth/login", json={"username": "ann", "password": "nope"})
        assert wrong.status_code == 401
        unknown = browser.post("/api/auth/login", json={"username": "x", "password": "nope"})
        assert unknown.json()["detail"] == wrong.json()["detail"]
        response = browser.post("/api/auth/login", json={"username": "ann", "password": PASSWORD})
        assert response.status_code == 200
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert browser.get("/api/auth/me").json()["username"] == "ann"
        browser.post("/api/auth/logout")
        assert browser.get("/api/auth/me").status_code == 401


def test_a_forged_cookie_is_ignored(live):
    with live.client() as browser:
        browser.cookies.set("activelab_session", "eyJ1c2VyX2lkIjogMX0=.forged.signature")
        assert browser.get("/api/auth/me").status_code == 401


def test_browser_login_form_redirects_to_projects(live):
    live.user("ann")
    with live.client() as browser:
        page = browser.get("/projects")
        assert page.status_code == 303 and page.headers["location"] == "/login"
        bad = browser.post("/login", data={"username": "ann", "password": "wrong"})
        assert bad.status_code == 401 and "wrong user name or password" in bad.text
        ok = browser.post("/login", data={"username": "ann", "password": PASSWORD})
        assert ok.status_code == 303 and ok.headers["location"] == "/projects"
        assert "Projects" in browser.get("/projects").text


def test_tokens_are_shown_once_and_can_be_revoked(live):
    _, token = live.user("ann")
    with live.client(token) as client:
        created = client.post("/api/auth/tokens", json={"name": "laptop"})
        assert created.status_code == 201
        new = created.json()
        assert new["token"].startswith("al_")
        listed = client.get("/api/auth/tokens").json()
        assert all(row["token"] is None for row in listed)
        assert client.delete(f"/api/auth/tokens/{new['id']}").status_code == 204
    with live.client(new["token"]) as revoked:
        assert revoked.get("/api/auth/me").status_code == 401


def test_only_admins_manage_projects_and_users(live, admin):
    annotator_id, token = live.user("ann")
    project = make_project(admin)
    with live.client(token) as annotator:
        body = {"name": "mine", "task_type": "text_classification", "labels": ["a", "b"]}
        assert annotator.post("/api/projects", json=body).status_code == 403
        assert annotator.post("/api/users", json={"username": "eve", "password": "x" * 8}
                              ).status_code == 403
        # Not a member: the project is invisible.
        assert annotator.get("/api/projects").json() == []
        assert annotator.get(f"/api/projects/{project['id']}").status_code == 404
        assert admin.put(f"/api/projects/{project['id']}/members/{annotator_id}"
                         ).status_code == 204
        assert [p["id"] for p in annotator.get("/api/projects").json()] == [project["id"]]
        pid = project["id"]
        assert annotator.patch(f"/api/projects/{pid}", json={"overlap": 2}).status_code == 403
        assert annotator.get(f"/api/projects/{pid}/export").status_code == 403
        assert annotator.post(f"/api/projects/{pid}/import",
                              files={"file": ("a.csv", b"text\nhi\n")}).status_code == 403
        assert annotator.get(f"/api/projects/{pid}/stats").status_code == 403
        assert annotator.get(f"/projects/{pid}/dashboard").status_code == 403


def test_admin_creates_users_and_names_are_unique(admin):
    body = {"username": "bob", "password": "long enough", "role": Role.annotator.value}
    assert admin.post("/api/users", json=body).status_code == 201
    assert admin.post("/api/users", json=body).status_code == 409
    short = admin.post("/api/users", json={"username": "c", "password": "short"})
    assert short.status_code == 422


def test_unknown_strategy_or_model_is_a_422_naming_the_choices(admin):
    response = admin.post("/api/projects", json={
        "name": "x", "task_type": "text_classification", "labels": ["a", "b"],
        "strategy_name": "psychic"})
    assert response.status_code == 422
    assert "margin" in response.json()["detail"]
    response = admin.post("/api/projects", json={
        "name": "y", "task_type": "multilabel_text", "labels": ["a", "b"],
        "strategy_name": "cluster"})
    assert response.status_code == 422


def test_cors_is_closed_by_default(live):
    with live.client() as client:
        response = client.options("/api/projects", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
        assert "access-control-allow-origin" not in response.headers
