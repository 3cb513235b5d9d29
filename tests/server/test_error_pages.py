"""Browser pages answer errors with an HTML page and a way back; the API keeps JSON."""

from __future__ import annotations

import pytest
from server_helpers import PASSWORD, make_project


@pytest.fixture
def annotator_browser(live, admin):
    """A logged-in annotator's cookie session, member of no project."""
    live.user("ann")
    with live.client() as browser:
        assert browser.post("/login", data={"username": "ann", "password": PASSWORD},
                            follow_redirects=False).status_code == 303
        yield browser


def _is_page(response, status: int, message: str, back: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text
    assert f'href="{back}"' in response.text and 'id="error-back"' in response.text
    assert '"detail"' not in response.text


def test_an_annotator_opening_a_dashboard_gets_a_page_not_json(live, admin, annotator_browser):
    project = make_project(admin)
    response = annotator_browser.get(f"/projects/{project['id']}/dashboard")
    _is_page(response, 403, "only admins may do this", "/projects")
    assert "<h1 id=\"error-title\">Not allowed</h1>" in response.text
    # The header still shows who is logged in.
    assert 'href="/account"' in response.text and ">ann</a>" in response.text


def test_a_project_one_is_not_in_is_a_404_page(live, admin, annotator_browser):
    project = make_project(admin)
    _is_page(annotator_browser.get(f"/projects/{project['id']}/annotate"), 404,
             "Not found", "/projects")


def test_framework_errors_of_pages_are_pages(live, admin, annotator_browser):
    _is_page(annotator_browser.get("/no/such/page"), 404, "There is no page at /no/such/page",
             "/projects")
    _is_page(annotator_browser.get("/projects/abc/annotate"), 422, "This address is not valid",
             "/projects")
    _is_page(annotator_browser.put("/projects"), 405, "PUT is not allowed on /projects",
             "/projects")
    with live.client() as anonymous:  # nobody logged in: the way back is the login page
        _is_page(anonymous.get("/nowhere"), 404, "There is no page", "/login")


def test_the_api_keeps_json_errors(live, admin, annotator_browser):
    project = make_project(admin)
    for path, status in [(f"/api/projects/{project['id']}", 404), ("/api/nope", 404),
                         ("/api/projects/abc", 422), (f"/api/projects/{project['id']}/stats", 404)]:
        response = annotator_browser.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"] == "application/json", path
        assert "detail" in response.json()
    assert annotator_browser.put("/api/options").status_code == 405
    assert annotator_browser.put("/api/options").json() == {"detail": "Method Not Allowed"}
