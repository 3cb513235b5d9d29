"""Who may call what: every route of the server, for every role, with the exact status.

Roles: anonymous, admin, an annotator and a reviewer who are members of the
project, and an annotator and a reviewer who are not.  A new route fails
``test_the_matrix_covers_every_route`` until it is given its row here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_helpers import PASSWORD, Live, make_project, png_b64, upload
from sqlalchemy import select

from activelab.server import Settings, create_app
from activelab.server.models import Role, UserSession
from activelab.server.routers import ui

ROLES = ("anonymous", "admin", "annotator", "reviewer", "outside annotator",
         "outside reviewer")
#: The member, reviewer and outsiders of a world (``anonymous`` and ``admin`` are apart).
NAMES = {"annotator": "ann", "reviewer": "rev", "outside annotator": "out-ann",
         "outside reviewer": "out-rev"}


@dataclass
class World:
    """What the calls act on: two projects (A to work in, B to archive and delete), users."""

    a: int
    b: int
    b_name: str
    labelled_item: int
    image_item: int
    prelabels: list[int]
    victim: int
    ann_token_id: int
    admin_session_id: int
    tokens: dict[str, str]
    #: Filled as the calls go: the item the caller leased, the caller's latest label.
    leased: int = 0
    my_label: int = 0


Call = tuple[str, str, Callable[[World], str], Callable[[World], dict[str, Any]], str]


def _no_body(_: World) -> dict[str, Any]:
    return {}


def _json(body: Any) -> Callable[[World], dict[str, Any]]:
    return lambda _: {"json": body}


#: (method, route, its path for a world, request arguments, codes for ROLES in order).
#: Calls run in this order on one fresh server per role (later calls rely on earlier ones).
CALLS: list[Call] = [
    ("GET", "/api/options", lambda w: "/api/options", _no_body, "200 200 200 200 200 200"),
    ("GET", "/api/auth/me", lambda w: "/api/auth/me", _no_body, "401 200 200 200 200 200"),
    ("GET", "/api/auth/sessions", lambda w: "/api/auth/sessions", _no_body,
     "401 200 200 200 200 200"),
    ("GET", "/api/auth/tokens", lambda w: "/api/auth/tokens", _no_body,
     "401 200 200 200 200 200"),
    ("POST", "/api/auth/tokens", lambda w: "/api/auth/tokens", _json({"name": "more"}),
     "401 201 201 201 201 201"),
    # The annotator's second token: theirs, or any for an admin.
    ("DELETE", "/api/auth/tokens/{token_id}", lambda w: f"/api/auth/tokens/{w.ann_token_id}",
     _no_body, "401 204 204 404 404 404"),
    # The admin's browser session: only its owner ends it.
    ("DELETE", "/api/auth/sessions/{session_id}",
     lambda w: f"/api/auth/sessions/{w.admin_session_id}", _no_body,
     "401 204 404 404 404 404"),
    ("DELETE", "/api/auth/sessions", lambda w: "/api/auth/sessions", _no_body,
     "401 204 204 204 204 204"),
    ("GET", "/api/users", lambda w: "/api/users", _no_body, "401 200 403 403 403 403"),
    ("POST", "/api/users", lambda w: "/api/users",
     _json({"username": "new-user", "password": PASSWORD, "role": "reviewer"}),
     "401 201 403 403 403 403"),
    ("PATCH", "/api/users/{user_id}", lambda w: f"/api/users/{w.victim}",
     _json({"role": "reviewer"}), "401 200 403 403 403 403"),
    ("POST", "/api/users/{user_id}/password", lambda w: f"/api/users/{w.victim}/password",
     _json({"new_password": "another long password"}), "401 204 403 403 403 403"),
    ("GET", "/api/projects", lambda w: "/api/projects", _no_body, "401 200 200 200 200 200"),
    ("POST", "/api/projects", lambda w: "/api/projects",
     _json({"name": "made", "task_type": "text_classification", "labels": ["x", "y"]}),
     "401 201 403 403 403 403"),
    ("GET", "/api/projects/audit-events", lambda w: "/api/projects/audit-events", _no_body,
     "401 200 403 403 403 403"),
    ("GET", "/api/projects/audit-events/export",
     lambda w: "/api/projects/audit-events/export", _no_body, "401 200 403 403 403 403"),
    ("GET", "/api/projects/{project_id}", lambda w: f"/api/projects/{w.a}", _no_body,
     "401 200 200 200 404 404"),
    ("GET", "/api/projects/{project_id}/members", lambda w: f"/api/projects/{w.a}/members",
     _no_body, "401 200 403 403 404 404"),
    ("PUT", "/api/projects/{project_id}/members/{user_id}",
     lambda w: f"/api/projects/{w.b}/members/{w.victim}", _no_body, "401 204 403 403 404 404"),
    ("DELETE", "/api/projects/{project_id}/members/{user_id}",
     lambda w: f"/api/projects/{w.b}/members/{w.victim}", _no_body, "401 204 403 403 404 404"),
    ("PUT", "/api/projects/{project_id}/members/by-name/{username}",
     lambda w: f"/api/projects/{w.b}/members/by-name/victim", _no_body,
     "401 204 403 403 404 404"),
    ("DELETE", "/api/projects/{project_id}/members/by-name/{username}",
     lambda w: f"/api/projects/{w.b}/members/by-name/victim", _no_body,
     "401 204 403 403 404 404"),
    ("POST", "/api/projects/{project_id}/import", lambda w: f"/api/projects/{w.a}/import",
     lambda w: {"files": {"file": ("more.jsonl",
                                   json.dumps({"id": "more", "image": png_b64(90)}))}},
     "401 200 403 403 404 404"),
    ("GET", "/api/projects/{project_id}/prelabels", lambda w: f"/api/projects/{w.a}/prelabels",
     _no_body, "401 200 200 200 404 404"),
    ("POST", "/api/projects/{project_id}/prelabels/{label_id}/review",
     lambda w: f"/api/projects/{w.a}/prelabels/{w.prelabels[0]}/review", _no_body,
     "401 200 200 200 404 404"),
    ("POST", "/api/projects/{project_id}/prelabels/{label_id}/reopen",
     lambda w: f"/api/projects/{w.a}/prelabels/{w.prelabels[1]}/reopen", _no_body,
     "401 200 403 403 404 404"),
    ("GET", "/api/projects/{project_id}/export", lambda w: f"/api/projects/{w.a}/export",
     _no_body, "401 200 403 403 404 404"),
    # Annotated formats: a Label Studio file labels as the admin; project A (image
    # classification) has a Label Studio config but no boxes for COCO or VOC.
    ("POST", "/api/projects/{project_id}/import", lambda w: f"/api/projects/{w.a}/import",
     lambda w: {"files": {"file": ("ls.json", json.dumps([{
         "data": {"image": "data:image/png;base64," + png_b64(120)},
         "meta": {"external_id": "from-label-studio"}, "annotations": [{"result": [{
             "from_name": "label", "to_name": "image", "type": "choices",
             "value": {"choices": ["light"]}}]}]}]))}},
     "401 200 403 403 404 404"),
    ("POST", "/api/projects/{project_id}/import",
     lambda w: f"/api/projects/{w.a}/import?format=coco",
     lambda w: {"files": {"file": ("coco.json", "{}")}}, "401 422 403 403 404 404"),
    ("GET", "/api/projects/{project_id}/export",
     lambda w: f"/api/projects/{w.a}/export?format=label-studio-config", _no_body,
     "401 200 403 403 404 404"),
    ("GET", "/api/projects/{project_id}/export",
     lambda w: f"/api/projects/{w.a}/export?format=coco", _no_body, "401 422 403 403 404 404"),
    ("GET", "/api/projects/{project_id}/export",
     lambda w: f"/api/projects/{w.a}/export?format=voc", _no_body, "401 422 403 403 404 404"),
    # Project A is an image project: an admin is told it takes no tables, pairs or stream.
    ("POST", "/api/projects/{project_id}/import-tables",
     lambda w: f"/api/projects/{w.a}/import-tables",
     lambda w: {"files": {"left": ("left.csv", "id,name\nL1,Ada\n")}},
     "401 422 403 403 404 404"),
    ("GET", "/api/projects/{project_id}/matches", lambda w: f"/api/projects/{w.a}/matches",
     _no_body, "401 422 403 403 404 404"),
    # ... and that it has no points to delete (it is not a clustering project).
    ("DELETE", "/api/projects/{project_id}/points/{point_id}",
     lambda w: f"/api/projects/{w.a}/points/1", _no_body, "401 422 403 403 404 404"),
    ("POST", "/api/projects/{project_id}/stream", lambda w: f"/api/projects/{w.a}/stream",
     _json({"item": {"text": "a new one"}}), "401 409 403 403 404 404"),
    ("GET", "/api/projects/{project_id}/stats", lambda w: f"/api/projects/{w.a}/stats",
     _no_body, "401 200 403 403 404 404"),
    ("POST", "/api/projects/{project_id}/retrain", lambda w: f"/api/projects/{w.a}/retrain",
     _no_body, "401 202 403 403 404 404"),
    ("GET", "/api/projects/{project_id}/items/{item_id}/image",
     lambda w: f"/api/projects/{w.a}/items/{w.image_item}/image", _no_body,
     "401 200 200 200 404 404"),
    # Reviewers do not annotate: the annotation loop refuses them before looking further.
    ("GET", "/api/projects/{project_id}/next", lambda w: f"/api/projects/{w.a}/next",
     _no_body, "401 200 200 403 404 403"),
    ("POST", "/api/projects/{project_id}/leases/{item_id}/heartbeat",
     lambda w: f"/api/projects/{w.a}/leases/{w.leased}/heartbeat", _no_body,
     "401 200 200 403 404 403"),
    ("POST", "/api/projects/{project_id}/labels", lambda w: f"/api/projects/{w.a}/labels",
     lambda w: {"json": {"item_id": w.leased, "value": "dark"}}, "401 201 201 403 404 403"),
    ("POST", "/api/projects/{project_id}/undo", lambda w: f"/api/projects/{w.a}/undo",
     _no_body, "401 200 200 403 404 403"),
    ("POST", "/api/projects/{project_id}/labels", lambda w: f"/api/projects/{w.a}/labels",
     lambda w: {"json": {"item_id": w.leased, "value": "light"}}, "401 201 201 403 404 403"),
    ("GET", "/api/projects/{project_id}/history", lambda w: f"/api/projects/{w.a}/history",
     _no_body, "401 200 200 403 404 403"),
    ("POST", "/api/projects/{project_id}/labels/{label_id}/reopen",
     lambda w: f"/api/projects/{w.a}/labels/{w.my_label}/reopen", _no_body,
     "401 200 200 403 404 403"),
    # No model trained yet: the admin is let through and told so (409).
    ("GET", "/api/projects/{project_id}/model/info", lambda w: f"/api/projects/{w.a}/model/info",
     _no_body, "401 200 403 403 404 404"),
    ("GET", "/api/projects/{project_id}/model", lambda w: f"/api/projects/{w.a}/model",
     _no_body, "401 409 403 403 404 404"),
    ("POST", "/api/projects/{project_id}/predict", lambda w: f"/api/projects/{w.a}/predict",
     _json({"images": [png_b64(5)]}), "401 409 403 403 404 404"),
    ("GET", "/api/projects/{project_id}/agreement", lambda w: f"/api/projects/{w.a}/agreement",
     _no_body, "401 200 200 200 404 404"),
    ("GET", "/api/projects/{project_id}/review", lambda w: f"/api/projects/{w.a}/review",
     _no_body, "401 200 403 200 404 404"),
    ("POST", "/api/projects/{project_id}/review/{item_id}",
     lambda w: f"/api/projects/{w.a}/review/{w.labelled_item}", _no_body,
     "401 200 403 200 404 404"),
    ("PUT", "/api/projects/{project_id}/gold", lambda w: f"/api/projects/{w.a}/gold",
     _json({"external_id": "i3", "answer": "dark"}), "401 200 403 403 404 404"),
    ("GET", "/api/projects/{project_id}/gold", lambda w: f"/api/projects/{w.a}/gold",
     _no_body, "401 200 403 403 404 404"),
    ("PATCH", "/api/projects/{project_id}", lambda w: f"/api/projects/{w.a}",
     _json({"description": "changed"}), "401 200 403 403 404 404"),
    ("POST", "/api/projects/{project_id}/archive", lambda w: f"/api/projects/{w.b}/archive",
     _no_body, "401 200 403 403 404 404"),
    ("POST", "/api/projects/{project_id}/unarchive",
     lambda w: f"/api/projects/{w.b}/unarchive", _no_body, "401 200 403 403 404 404"),
    ("DELETE", "/api/projects/{project_id}", lambda w: f"/api/projects/{w.b}",
     lambda w: {"params": {"confirm": w.b_name}}, "401 204 403 403 404 404"),
    # Pages: anonymous callers are sent to the login page.
    ("GET", "/", lambda w: "/", _no_body, "303 303 303 303 303 303"),
    ("GET", "/login", lambda w: "/login", _no_body, "200 200 200 200 200 200"),
    ("POST", "/login", lambda w: "/login",
     lambda w: {"data": {"username": "login-user", "password": PASSWORD}},
     "303 303 303 303 303 303"),
    ("GET", "/account", lambda w: "/account", _no_body, "303 200 200 200 200 200"),
    ("GET", "/projects", lambda w: "/projects", _no_body, "303 200 200 200 200 200"),
    # A reviewer opening the annotation page is sent to the review page.
    ("GET", "/projects/{project_id}/annotate", lambda w: f"/projects/{w.a}/annotate",
     _no_body, "303 200 200 303 404 404"),
    ("GET", "/projects/{project_id}/review", lambda w: f"/projects/{w.a}/review",
     _no_body, "303 200 403 200 404 404"),
    ("GET", "/projects/{project_id}/dashboard", lambda w: f"/projects/{w.a}/dashboard",
     _no_body, "303 200 403 403 403 403"),
    ("POST", "/logout", lambda w: "/logout", _no_body, "303 303 303 303 303 303"),
    ("POST", "/api/auth/password", lambda w: "/api/auth/password",
     _json({"current_password": PASSWORD, "new_password": "a new long password"}),
     "401 204 204 204 204 204"),
    ("POST", "/api/auth/login", lambda w: "/api/auth/login",
     _json({"username": "login-user", "password": PASSWORD}), "200 200 200 200 200 200"),
    ("POST", "/api/auth/logout", lambda w: "/api/auth/logout", _no_body,
     "204 204 204 204 204 204"),
]


def _routes(tmp_path: Path) -> set[tuple[str, str]]:
    app = create_app(Settings(db_url=f"sqlite:///{tmp_path / 'routes.db'}",
                              worker_enabled=False))
    routes = {(method.upper(), path) for path, operations in app.openapi()["paths"].items()
              for method in operations}
    for route in ui.router.routes:
        routes |= {(method, getattr(route, "path", "")) for method in
                   getattr(route, "methods", ()) if method != "HEAD"}
    return routes


def test_the_matrix_covers_every_route(tmp_path):
    routes = _routes(tmp_path)
    covered = {(method, route) for method, route, *_ in CALLS}
    assert routes - covered == set(), "give each new route its row in CALLS"
    assert covered - routes == set()


def _world(live: Live) -> World:
    _, admin_token = live.user("boss", Role.admin)
    tokens = {"admin": admin_token}
    ids = {}
    for role, name in NAMES.items():
        ids[role], tokens[role] = live.user(name, Role.reviewer if "reviewer" in role
                                            else Role.annotator)
    other_id, other = live.user("other", Role.annotator)
    victim, _ = live.user("victim", Role.annotator)
    live.user("login-user", Role.annotator)
    with live.client(admin_token) as admin:
        a = make_project(admin, task_type="image_classification", labels=["dark", "light"],
                         overlap=2)
        b = make_project(admin)
        rows = [{"id": f"i{i}", "image": png_b64(40 * i)} for i in range(4)]
        rows += [{"id": f"p{i}", "image": png_b64(200 + i), "label": "dark"} for i in range(2)]
        report = upload(admin, a["id"], "items.jsonl", "".join(json.dumps(row) + "\n"
                                                                 for row in rows))
        assert report.status_code == 200, report.text
        for project in (a, b):
            for user_id in (ids["annotator"], ids["reviewer"], other_id):
                assert admin.put(f"/api/projects/{project['id']}/members/{user_id}"
                                 ).status_code == 204
        prelabels = [row["label_id"] for row in
                     admin.get(f"/api/projects/{a['id']}/prelabels").json()["items"]]
    with live.client(other) as client:
        item = client.get(f"/api/projects/{a['id']}/next").json()["item"]
        assert client.post(f"/api/projects/{a['id']}/labels",
                           json={"item_id": item["id"], "value": "dark"}).status_code == 201
    with live.client(tokens["annotator"]) as client:
        ann_token_id = client.post("/api/auth/tokens", json={"name": "second"}).json()["id"]
    with httpx.Client(base_url=live.url) as browser:
        assert browser.post("/api/auth/login", json={"username": "boss", "password": PASSWORD}
                            ).status_code == 200
    with live.factory() as session:
        admin_session_id = session.scalars(select(UserSession.id)).one()
    return World(a=a["id"], b=b["id"], b_name=b["name"], labelled_item=item["id"],
                 image_item=item["id"], prelabels=prelabels, victim=victim,
                 ann_token_id=ann_token_id, admin_session_id=admin_session_id, tokens=tokens)


def _call(client: httpx.Client, world: World, call: Call) -> httpx.Response:
    method, _, path, arguments, _ = call
    response = client.request(method, path(world), **arguments(world))
    if response.status_code in (200, 201) and response.content and \
            response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("item"), dict):
            world.leased = body["item"]["id"]  # /next, /undo, /reopen
        if call[1] == "/api/projects/{project_id}/labels":
            world.my_label = body["id"]
    if not world.leased:
        world.leased = world.labelled_item
    return response


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role(db_url, role):
    from server_helpers import serve

    for live in serve(Settings(db_url=db_url, worker_enabled=False)):
        world = _world(live)
        world.my_label = world.prelabels[0]  # nobody's own label until they label
        token = None if role == "anonymous" else world.tokens[role]
        got, expected = [], []
        with live.client(token) as client:
            client.follow_redirects = False
            for call in CALLS:
                response = _call(client, world, call)
                client.cookies.clear()  # a login form's cookie is not the caller's role
                got.append((call[0], call[1], response.status_code))
                expected.append((call[0], call[1],
                                 int(call[4].split()[ROLES.index(role)])))
        assert got == expected
