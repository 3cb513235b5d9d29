"""Fuzz every operation of the OpenAPI spec with schemathesis: no 5xx and no slow answer.

Whatever the input, every response is below 500 and arrives within
``MAX_RESPONSE_SECONDS`` (generous: CI machines are shared; a hang or a
runaway request is what it catches).  The quick run is part of the default
suite; the thorough one is marked slow.

The live server holds a project with items, a member and a label, so that small
generated ids reach real rows, and every request carries an admin token.
Deleting API tokens runs last (the fuzzer may delete the admin's own token).
"""

from __future__ import annotations

import json

import pytest
from server_helpers import make_project, upload

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

from activelab.server.models import Role  # noqa: E402

#: The slowest answer accepted for any generated request.
MAX_RESPONSE_SECONDS = 5.0


def _fuzz(live, max_examples: int) -> int:
    _, token = live.user("fuzz-admin", Role.admin)
    member_id, _ = live.user("fuzz-annotator")
    with live.client(token) as admin:
        project = make_project(admin, members=[member_id])
        rows = "".join(json.dumps({"id": i, "text": f"text {i}"}) + "\n" for i in range(30))
        upload(admin, project["id"], "x.jsonl", rows).raise_for_status()
        item = admin.get(f"/api/projects/{project['id']}/next").json()["item"]
        admin.post(f"/api/projects/{project['id']}/labels",
                   json={"item_id": item["id"], "value": "pos"}).raise_for_status()
        admin.get(f"/api/projects/{project['id']}/next").raise_for_status()

    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: (op.method.upper() == "DELETE" and "tokens" in op.path,
                                    op.path, op.method))
    headers = {"Authorization": f"Bearer {token}"}
    calls = 0
    server_errors: list[str] = []
    slow: list[str] = []

    for operation in operations:
        @hypothesis.settings(max_examples=max_examples, deadline=None, database=None,
                             derandomize=True, suppress_health_check=list(hypothesis.HealthCheck),
                             phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
        @hypothesis.given(case=operation.as_strategy())
        def check(case) -> None:
            nonlocal calls
            response = case.call(base_url=live.url, headers=headers, timeout=30)
            calls += 1
            described = (f"{case.method} {case.formatted_path} query={case.query} "
                         f"body={case.body!r:.300} -> {response.status_code}")
            if response.status_code >= 500:
                server_errors.append(f"{described} {response.text[:300]}")
            if response.elapsed > MAX_RESPONSE_SECONDS:
                slow.append(f"{described} in {response.elapsed:.1f} s")

        check()
    assert server_errors == []
    assert slow == []
    return calls


def test_no_server_errors_on_any_endpoint(live):
    assert _fuzz(live, max_examples=6) > 40


@pytest.mark.slow
@pytest.mark.timeout(1200)  # 150 examples per endpoint, on SQLite and PostgreSQL
def test_no_server_errors_on_any_endpoint_thoroughly(live_any_db):
    assert _fuzz(live_any_db, max_examples=150) > 1000
