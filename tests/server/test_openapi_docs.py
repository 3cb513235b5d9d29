"""The API documentation: every operation described, and Swagger UI served without a CDN."""

from __future__ import annotations

import pytest
from browser_helpers import chromium_fixture, screenshot  # noqa: F401

METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


def test_every_api_operation_has_a_summary_and_a_description(live):
    with live.client() as client:
        spec = client.get("/openapi.json").json()
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            lacks = [field for field in ("summary", "description")
                     if method in METHODS and not operation.get(field, "").strip()]
            if lacks:
                missing.append(f"{method.upper()} {path}: no {' and no '.join(lacks)}")
    assert not missing, "operations without a summary or description:\n" + "\n".join(missing)


def test_docs_are_served_locally_and_redoc_is_off(live):
    with live.client() as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assert "/docs-assets/swagger-ui-bundle.js" in page.text
        assert "cdn" not in page.text.lower() and "<script>" not in page.text
        assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
        assert client.get("/docs-assets/swagger-ui.css").status_code == 200
        assert client.get("/redoc").status_code == 404


@pytest.mark.browser
def test_swagger_ui_renders_with_no_network_beyond_this_server(live, chromium):
    from playwright.sync_api import expect

    page = chromium.new_page(viewport={"width": 1000, "height": 640})
    outside: list[str] = []

    def only_local(route) -> None:
        if route.request.url.startswith(live.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(f"{live.url}/docs")
    expect(page.locator(".swagger-ui .title")).to_contain_text("activelab annotation server")
    expect(page.locator(".opblock-summary-path", has_text="/api/projects/{project_id}/next")
           .first).to_be_visible()
    expect(page.locator(".opblock-summary-description", has_text="Lease the next item")
           ).to_be_visible()
    screenshot(page, "api-docs")
    assert outside == []
