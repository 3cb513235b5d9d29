"""Matching projects end to end: two tables imported and blocked into candidate pairs, the
AL queue with the match probability, same/different answers, pair F1, exports, bad tables."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import httpx
import pandas as pd
import pytest
from server_helpers import Live, make_project, retrain, upload

from activelab.server.models import Role
from activelab.tasks.matching import make_duplicate_records

FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances",
         "John", "Radia", "Tim", "Shafi", "Leslie", "Niklaus", "Sophie", "Dennis", "Karen"]
LAST = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson",
        "Allen", "Backus", "Perlman", "Berners", "Goldwasser", "Lamport", "Wirth", "Wilson"]
CITIES = ["London", "Manchester", "New York", "Rotterdam", "Boston", "Stanford", "Zurich",
          "Cambridge", "Paris", "Berlin", "Oslo", "Madrid"]


def people_tables(n_left: int = 80, n_right: int = 80) -> tuple[str, str, set]:
    """Two CSV tables of people, half of the right ones noisy copies of left ones.

    Returns the tables and the true matches as (left id, right id) pairs.
    """
    rows = [{"name": f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}",
             "city": CITIES[(i * 5) % len(CITIES)], "born": 1900 + (i * 13) % 97}
            for i in range(n_left + n_right)]
    frame = pd.DataFrame(rows).drop_duplicates().reset_index(drop=True)
    tables = make_duplicate_records(frame, {"name": "string", "city": "string",
                                            "born": "numeric"},
                                    n_left=n_left, n_right=n_right, random_state=0)

    def as_csv(table: pd.DataFrame, prefix: str) -> str:
        out = io.StringIO()
        table.assign(id=[f"{prefix}{i}" for i in range(len(table))],
                     born=table["born"].astype("Int64"))[
            ["id", "name", "city", "born"]].to_csv(out, index=False)
        return out.getvalue()

    matches = {(f"L{i}", f"R{j}") for i, a in enumerate(tables.left_entity.tolist())
               for j, b in enumerate(tables.right_entity.tolist()) if a == b}
    return as_csv(tables.left, "L"), as_csv(tables.right, "R"), matches


def import_tables(client: httpx.Client, pid: int, left: str, right: str | None = None,
                  **params) -> httpx.Response:
    files = {"left": ("left.csv", left.encode())}
    if right is not None:
        files["right"] = ("right.csv", right.encode())
    return client.post(f"/api/projects/{pid}/import-tables", params=params, files=files)


def n_items(client: httpx.Client, pid: int) -> int:
    return client.get(f"/api/projects/{pid}/next").json()["progress"]["total"]


def truth_of(item: dict, matches: set) -> str:
    pair = (item["data"]["left"]["id"], item["data"]["right"]["id"])
    return "same" if pair in matches else "different"


def answer(client: httpx.Client, pid: int, matches: set, n: int) -> list[dict]:
    """Answer ``n`` pairs from the queue, and more until both answers were given twice.

    The order before the first model is random: the first pairs may all be different.
    """
    served: list[dict] = []
    given = {"same": 0, "different": 0}
    while len(served) < n or min(given.values()) < 2:
        item = client.get(f"/api/projects/{pid}/next").json()["item"]
        served.append(item)
        value = truth_of(item, matches)
        given[value] += 1
        response = client.post(f"/api/projects/{pid}/labels",
                               json={"item_id": item["id"], "value": value})
        assert response.status_code == 201, response.text
    return served


@pytest.mark.slow
def test_a_matching_project_end_to_end(live_any_db: Live):
    _, token = live_any_db.user("match-admin", Role.admin)
    with live_any_db.client(token) as admin:
        project = make_project(admin, task_type="matching", labels=[], eval_fraction=0.0)
        assert project["labels"] == ["same", "different"]
        assert (project["model_name"], project["strategy_name"]) == ("logreg", "margin")
        pid = project["id"]
        left, right, matches = people_tables()
        report = import_tables(admin, pid, left, right)
        assert report.status_code == 200, report.text
        body = report.json()
        assert body["fields"] == {"name": "string", "city": "string", "born": "numeric"}
        assert (body["left_records"], body["right_records"]) == (80, 80)
        assert body["inserted"] == body["candidate_pairs"] == 80 * 5
        assert body["possible_pairs"] == 80 * 80
        again = import_tables(admin, pid, left, right).json()  # the same tables: no new pair
        assert (again["inserted"], again["duplicates"]) == (0, 400)

        first = answer(admin, pid, matches, 30)
        assert first[0]["why"]["strategy"] == "random"
        assert {"left", "right", "kinds"} <= set(first[0]["data"])
        retrain(live_any_db, pid)
        item = admin.get(f"/api/projects/{pid}/next").json()["item"]
        why = item["why"]
        assert why["strategy"] == "margin" and why["model_version"] == 1
        assert why["guess"] in ("same", "different")
        assert 0 <= why["match_probability"] <= 1 and isinstance(why["score"], float)
        assert why["probability"] == pytest.approx(max(why["match_probability"],
                                                       1 - why["match_probability"]))
        # Margin asks about the pairs the model is least sure of.
        scores = [q["score"] for q in admin.get(f"/api/projects/{pid}/stats").json()["queue"]]
        assert scores == sorted(scores, reverse=True)

        second = answer(admin, pid, matches, 20)
        retrain(live_any_db, pid)
        stats = admin.get(f"/api/projects/{pid}/stats").json()
        assert stats["headline"]["task"] == "matching" and stats["headline"]["metric"] == "f1"
        assert not stats["headline"]["lower_is_better"]
        point = stats["learning_curve"][-1]
        n_answers = len(first) + len(second)
        assert point["n_labeled"] == n_answers and point["estimate"] == "cross-validation"
        assert point["f1"] == stats["headline"]["value"] and 0.5 < point["f1"] <= 1
        assert 0 < point["estimated_matches_left"] < 400
        assert set(stats["distribution"]["counts"]) == {"same", "different"}
        assert stats["strategy"]["active"] == "margin"

        lines = admin.get(f"/api/projects/{pid}/export", params={"format": "jsonl"}).text
        answered = [json.loads(line) for line in lines.splitlines()]
        assert len(answered) == n_answers
        for row in answered:
            pair = tuple(json.loads(row["external_id"]))
            assert row["label"] == ("same" if pair in matches else "different")
        rows = list(csv.DictReader(io.StringIO(admin.get(
            f"/api/projects/{pid}/export", params={"format": "csv"}).text)))
        assert {r["external_id"]: r["label"] for r in rows} == \
            {r["external_id"]: r["label"] for r in answered}


def test_one_table_is_deduplicated_against_itself(live, admin):
    pid = make_project(admin, task_type="matching", labels=[])["id"]
    table = "id,name\n1,Ada Lovelace\n2,Ada Lovelace.\n3,Alan Turing\n4,Alan Turnig\n"
    report = import_tables(admin, pid, table, neighbours=1)
    assert report.status_code == 200, report.text
    assert report.json()["right_records"] is None
    pairs = {tuple(json.loads(item["external_id"])) for item in (
        admin.get(f"/api/projects/{pid}/next").json()["item"],)}
    assert pairs <= {("1", "2"), ("3", "4")}


def test_answers_are_same_or_different(live, admin):
    pid = make_project(admin, task_type="matching", labels=[])["id"]
    left, right, _ = people_tables(10, 10)
    import_tables(admin, pid, left, right)
    item = admin.get(f"/api/projects/{pid}/next").json()["item"]
    for value, message in (("maybe", "'same' or 'different'"), (1, "'same' or 'different'"),
                           (None, "")):
        response = admin.post(f"/api/projects/{pid}/labels",
                              json={"item_id": item["id"], "value": value})
        assert response.status_code == 422, response.text
        assert message in response.json()["detail"]
    response = admin.post(f"/api/projects/{pid}/labels",
                          json={"item_id": item["id"], "value": "same"})
    assert response.status_code == 201


def test_labels_other_than_same_and_different_are_refused(live, admin):
    response = admin.post("/api/projects", json={"name": "m", "task_type": "matching",
                                                 "labels": ["yes", "no"]})
    assert response.status_code == 422
    message = response.json()["detail"][0]["msg"]
    assert "the answers of matching projects are fixed: same, different" in message


def test_tables_that_share_no_column_are_refused(live, admin):
    pid = make_project(admin, task_type="matching", labels=[])["id"]
    response = import_tables(admin, pid, "id,name\n1,Ada\n", "id,title\n1,Ada\n")
    assert response.status_code == 422
    assert "share no column to match on" in response.json()["detail"]
    assert n_items(admin, pid) == 0


def test_a_compared_field_missing_from_one_table_is_refused(live, admin):
    pid = make_project(admin, task_type="matching", labels=[])["id"]
    response = import_tables(admin, pid, "id,name,city\n1,Ada,London\n",
                             "id,name\n1,Ada\n", fields="name,city")
    assert response.status_code == 422
    assert "field 'city' is not a column of the right table" in response.json()["detail"]


def test_bad_rows_reject_both_tables_with_their_lines(live, admin):
    pid = make_project(admin, task_type="matching", labels=[])["id"]
    left = "id,name\n1,Ada\n,Alan\n1,Grace\n"
    right = "id,name\n1,Ada\n2,Alan,extra\n"
    response = import_tables(admin, pid, left, right)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["table"], e["line"]) for e in errors] == [("left", 3), ("left", 4),
                                                         ("right", 3)]
    assert "no id" in errors[0]["error"] and "appears twice" in errors[1]["error"]
    assert "more fields" in errors[2]["error"]
    assert n_items(admin, pid) == 0


def test_a_pair_project_takes_no_single_table_import(live, admin):
    pid = make_project(admin, task_type="matching", labels=[])["id"]
    response = upload(admin, pid, "items.csv", "id,name\n1,Ada\n")
    assert response.status_code == 422
    assert "import-tables" in response.json()["detail"]


def test_only_a_matching_project_imports_two_tables(live, admin):
    pid = make_project(admin, task_type="text_classification", labels=["a", "b"])["id"]
    response = import_tables(admin, pid, "id,name\n1,Ada\n", "id,name\n1,Ada\n")
    assert response.status_code == 422
    assert "only a matching project imports two tables" in response.json()["detail"]


def test_an_unknown_pair_cannot_be_answered(live, admin):
    pid = make_project(admin, task_type="matching", labels=[])["id"]
    left, right, _ = people_tables(10, 10)
    import_tables(admin, pid, left, right)
    response = admin.post(f"/api/projects/{pid}/labels",
                          json={"item_id": 999_999, "value": "same"})
    assert response.status_code == 409  # never served: not a pair of this annotator's
    assert "item 999999 is not leased to you" in response.json()["detail"]


def matches_of(client: httpx.Client, pid: int, **params) -> list[dict]:
    response = client.get(f"/api/projects/{pid}/matches", params={"format": "jsonl", **params})
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


def test_matched_pairs_and_entities_are_exported(live, admin):
    pid = make_project(admin, task_type="matching", labels=[], eval_fraction=0.0)["id"]
    left, right, matches = people_tables(12, 12)
    n_pairs = import_tables(admin, pid, left, right, neighbours=2).json()["inserted"]
    answered = answer(admin, pid, matches, n_pairs - 4)
    same = {(i["data"]["left"]["id"], i["data"]["right"]["id"]) for i in answered
            if truth_of(i, matches) == "same"}

    pairs = matches_of(admin, pid)
    assert {(p["left_id"], p["right_id"]) for p in pairs} == same
    assert {p["source"] for p in pairs} == {"answer"}
    records = matches_of(admin, pid, result="entities")
    entity = {(r["table"], r["record_id"]): r["entity"] for r in records}
    assert len(entity) == len(records) and {t for t, _ in entity} == {"left", "right"}
    for left_id, right_id in same:
        assert entity[("left", left_id)] == entity[("right", right_id)]
    matched = {("left", a) for a, _ in same} | {("right", b) for _, b in same}
    sizes = Counter(entity.values())
    assert all(sizes[entity[record]] == 1 for record in entity if record not in matched)
    assert all(sizes[entity[record]] >= 2 for record in matched)

    retrain(live, pid)  # the open pairs get the model's guess
    with_guesses = matches_of(admin, pid, guesses="true")
    assert {p["source"] for p in with_guesses} <= {"answer", "model"}
    assert all(p["match_probability"] >= 0.5 for p in with_guesses if p["source"] == "model")
    text = admin.get(f"/api/projects/{pid}/matches").text
    assert text.splitlines()[0] == "left_id,right_id,source,match_probability"


def test_duplicates_within_one_table_form_one_entity(live, admin):
    pid = make_project(admin, task_type="matching", labels=[])["id"]
    table = "id,name\n1,Ada Lovelace\n2,Ada Lovelace.\n3,Ada  Lovelace\n4,Alan Turing\n"
    import_tables(admin, pid, table, neighbours=3)
    for _ in range(6):
        item = admin.get(f"/api/projects/{pid}/next").json()["item"]
        if item is None:
            break
        ids = {item["data"]["left"]["id"], item["data"]["right"]["id"]}
        admin.post(f"/api/projects/{pid}/labels", json={
            "item_id": item["id"], "value": "different" if "4" in ids else "same"})
    records = matches_of(admin, pid, result="entities")
    entity = {r["record_id"]: r["entity"] for r in records}
    assert {r["table"] for r in records} == {"left"}
    assert entity["1"] == entity["2"] == entity["3"] != entity["4"]


@pytest.mark.parametrize("result", ["pairs", "entities"])
def test_only_a_matching_project_has_matches(live, admin, result):
    pid = make_project(admin, task_type="text_classification", labels=["a", "b"])["id"]
    response = admin.get(f"/api/projects/{pid}/matches", params={"result": result})
    assert response.status_code == 422
    assert "not a matching project" in response.json()["detail"]
