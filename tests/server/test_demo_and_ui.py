"""The digits demo, ``run_server``, the browser pages and the error handler."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from server_helpers import PASSWORD, make_project
from sqlalchemy import func, select

from activelab.exceptions import (
    ConfigError,
    MissingDependencyError,
    PoolExhaustedError,
    SingleClassError,
    UnknownLabelError,
)
from activelab.server import runner
from activelab.server.errors import (
    AuthenticationError,
    ConflictError,
    ImportRejectedError,
    NotFoundError,
    PermissionDeniedError,
    status_code_for,
)
from activelab.server.models import Item, Project, User
from activelab.server.security import verify_password
from activelab.server.services.demo import DEMO_ADMIN, ensure_demo


def test_demo_is_created_once_with_a_generated_password(live):
    first = ensure_demo(live.factory)
    second = ensure_demo(live.factory)
    assert first["project_id"] == second["project_id"]
    assert first["password"] and second["password"] is None
    with live.factory() as session:
        assert session.scalar(select(func.count()).select_from(Project)) == 1
        assert session.scalar(select(func.count()).select_from(Item)) == 1797
        admin = session.scalar(select(User).where(User.username == DEMO_ADMIN))
        assert admin.is_admin
        png = session.scalar(select(Item.image).limit(1))
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (64, 64)
    with live.client() as browser:
        login = browser.post("/api/auth/login",
                             json={"username": DEMO_ADMIN, "password": first["password"]})
        assert login.status_code == 200
        project = browser.get(f"/api/projects/{first['project_id']}").json()
        assert project["task_type"] == "image_classification"
        assert project["labels"] == [str(d) for d in range(10)]


def test_run_server_with_demo_prints_the_password_and_url(sqlite_url, monkeypatch, capsys):
    served = {}

    def fake_run(app, host, port, log_level, access_log):
        served.update(app=app, host=host, port=port)
        app.state.engine.dispose()

    monkeypatch.setattr("uvicorn.run", fake_run)
    runner.main(["--db", sqlite_url, "--demo", "--port", "8123"])
    out = capsys.readouterr().out
    assert "password" in out and "http://127.0.0.1:8123" in out
    assert served["port"] == 8123
    runner.run_server(db_url=sqlite_url, demo=True, port=8124)
    again = capsys.readouterr().out
    assert "exists already" in again and "http://127.0.0.1:8124" in again
    # How to get back in: the command that was run, on the database in use.
    assert (f"Restart with: python -m activelab.server --demo --db {sqlite_url} --port 8124 "
            f"--reset-demo-password") in again


def test_reset_hint_names_the_database_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.reset_hint("activelab serve", "sqlite:///demo.db") == (
        f"activelab serve --demo --db sqlite:///{tmp_path / 'demo.db'} --reset-demo-password")
    assert runner.reset_hint("activelab serve", "postgresql+psycopg://u:pw@db:5432/al",
                             host="0.0.0.0", port=9000) == (
        "activelab serve --demo --db 'postgresql+psycopg://u:***@db:5432/al' --host 0.0.0.0 "
        "--port 9000 --reset-demo-password")


def test_reset_demo_password_prints_a_new_one_that_works(sqlite_url, monkeypatch, capsys):
    apps = []

    def fake_run(app, host, port, log_level, access_log):
        apps.append(app)

    monkeypatch.setattr("uvicorn.run", fake_run)
    runner.main(["--db", sqlite_url, "--demo"])
    first = re.search(r"password '([^']+)'", capsys.readouterr().out).group(1)
    runner.main(["--db", sqlite_url, "--demo", "--reset-demo-password"])
    second = re.search(r"new password '([^']+)'", capsys.readouterr().out).group(1)
    monkeypatch.setenv("ACTIVELAB_RESET_DEMO_PASSWORD", "1")
    runner.main(["--db", sqlite_url, "--demo"])
    third = re.search(r"new password '([^']+)'", capsys.readouterr().out).group(1)
    assert len({first, second, third}) == 3
    with apps[-1].state.session_factory() as session:
        admin = session.scalar(select(User).where(User.username == DEMO_ADMIN))
        assert verify_password(third, admin.password_hash)
        assert not verify_password(first, admin.password_hash)
        assert session.scalar(select(func.count()).select_from(User)) == 1
        assert session.scalar(select(func.count()).select_from(Project)) == 1
    for app in apps:
        app.state.engine.dispose()
    with pytest.raises(SystemExit):
        runner.main(["--db", sqlite_url, "--reset-demo-password"])
    assert "needs --demo" in capsys.readouterr().err


def test_annotate_page_offers_key_zero_for_a_tenth_class(live, admin):
    ten = make_project(admin, labels=[f"c{i}" for i in range(10)])
    two = make_project(admin)
    assert "and 0 (the 10th)" in admin.get(f"/projects/{ten['id']}/annotate").text
    assert "the 10th" not in admin.get(f"/projects/{two['id']}/annotate").text


def test_pages_render_for_annotators_and_admins(live, admin):
    project = make_project(admin, task_type="image_regions", labels=["cat", "dog"])
    user_id, _ = live.user("ann")
    admin.put(f"/api/projects/{project['id']}/members/{user_id}")
    with live.client() as browser:
        browser.post("/login", data={"username": "ann", "password": PASSWORD})
        listing = browser.get("/projects")
        assert project["name"] in listing.text and "Dashboard" not in listing.text
        page = browser.get(f"/projects/{project['id']}/annotate")
        assert page.status_code == 200
        assert 'data-task="image_regions"' in page.text and "/static/app.js" in page.text
        assert browser.get("/static/app.js").status_code == 200
    with live.client() as browser:
        browser.post("/login", data={"username": "root-admin", "password": PASSWORD})
        listing = browser.get("/projects").text
        assert "Dashboard" in listing and "<td>ann</td>" in listing  # the users table
        dashboard = browser.get(f"/projects/{project['id']}/dashboard")
        assert dashboard.status_code == 200
        assert "Learning curve" in dashboard.text and "Queue preview" in dashboard.text


def test_project_names_are_escaped_in_pages(live, admin):
    project = make_project(admin, name="<script>alert(1)</script>")
    with live.client() as browser:
        browser.post("/login", data={"username": "root-admin", "password": PASSWORD})
        page = browser.get(f"/projects/{project['id']}/annotate").text
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;" in page


@pytest.mark.parametrize(("error", "status"), [
    (AuthenticationError("x"), 401),
    (PermissionDeniedError("x"), 403),
    (NotFoundError("x"), 404),
    (ConflictError("x"), 409),
    (UnknownLabelError("x"), 422),
    (ImportRejectedError("x", [], 0), 422),
    (ConfigError("x"), 422),
    (PoolExhaustedError("x"), 404),
    (SingleClassError("x"), 409),
    (MissingDependencyError("torch", "torch", "x"), 501),
])
def test_one_handler_maps_every_error_to_a_status(error, status):
    assert status_code_for(error) == status
