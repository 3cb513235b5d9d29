"""Helpers for the team tests: a project with several annotators who label every item."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from server_helpers import Live, make_project, upload

from activelab.server.models import Role


def team_project(live: Live, admin: httpx.Client, names: list[str], n_items: int,
                 **fields: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """A text project with ``n_items`` items and members ``names``: (project, {name: token}).

    An annotator already made on this server for another team project is reused.
    """
    project = make_project(admin, **fields)
    lines = "".join(f'{{"id": "t{i}", "text": "item {i} word{i % 7}"}}\n'
                    for i in range(n_items))
    assert upload(admin, project["id"], "items.jsonl", lines).status_code == 200
    tokens = {}
    for name in names:
        user_id, token = _user(live, name)
        assert admin.put(f"/api/projects/{project['id']}/members/{user_id}").status_code == 204
        tokens[name] = token
    return project, tokens


def _user(live: Live, name: str) -> tuple[int, str]:
    """The annotator ``name`` of this server, made on first use (kept on the app's state)."""
    made = getattr(live.app.state, "team_test_users", None)
    if made is None:
        made = live.app.state.team_test_users = {}
    if name not in made:
        made[name] = live.user(name, Role.annotator)
    return made[name]


def label_everything(live: Live, token: str, project_id: int,
                     answer: Callable[[str], Any]) -> int:
    """Label every item the queue serves to this annotator with ``answer(external_id)``."""
    n = 0
    with live.client(token) as client:
        while True:
            served = client.get(f"/api/projects/{project_id}/next")
            assert served.status_code == 200, served.text
            item = served.json()["item"]
            if item is None:
                return n
            response = client.post(f"/api/projects/{project_id}/labels",
                                   json={"item_id": item["id"],
                                         "value": answer(item["external_id"])})
            assert response.status_code == 201, response.text
            n += 1
