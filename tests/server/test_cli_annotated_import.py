"""``activelab import`` of annotated files (Label Studio, COCO, VOC) as an admin."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from test_detection_formats_api import BOXES, SIZES, coco
from test_label_studio_formats import png

from activelab.exceptions import ConfigError, InvalidAnswerError
from activelab.server import Settings
from activelab.server.db import (
    make_engine,
    make_session_factory,
    upgrade_database,
    write_transaction,
)
from activelab.server.models import Label, Role, User
from activelab.server.runner import import_source
from activelab.server.services.projects import create_project

TASKS = [{"data": {"text": "fine"}, "annotations": [{"result": [
    {"from_name": "label", "to_name": "text", "type": "choices",
     "value": {"choices": ["pos"]}}]}]}]


@pytest.fixture
def database(tmp_path) -> Iterator[tuple[str, sessionmaker[Session]]]:
    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(Settings(db_url=db_url))
    try:
        upgrade_database(engine)
        factory = make_session_factory(engine)
        with write_transaction(factory) as session:
            create_project(session, name="boxes", task_type="image_regions",
                           labels=["cat", "dog"])
            create_project(session, name="reviews", task_type="text_classification",
                           labels=["pos", "neg"])
        yield db_url, factory
    finally:
        engine.dispose()


def _add_admins(factory: sessionmaker[Session], *names: str) -> None:
    with write_transaction(factory) as session:
        for name in names:
            session.add(User(username=name, password_hash="-", role=Role.admin.value,
                             is_active=True))


def _authors(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return sorted(session.scalars(select(User.username).join(
            Label, Label.user_id == User.id)))


def test_the_answers_become_labels_of_the_named_or_only_admin(database, tmp_path):
    db_url, factory = database
    tasks = tmp_path / "label-studio.json"
    tasks.write_text(json.dumps(TASKS))
    with pytest.raises(ConfigError, match="there is none yet"):
        import_source("reviews", tasks, db_url)
    _add_admins(factory, "boss")
    with pytest.raises(ConfigError, match="no active admin named 'nobody'"):
        import_source("reviews", tasks, db_url, as_user="nobody")
    report = import_source("reviews", tasks, db_url)  # the only admin
    assert (report["inserted"], report["labels"]) == (1, 1)
    _add_admins(factory, "other-boss")
    with pytest.raises(ConfigError, match="name one with --as"):
        import_source("reviews", tasks, db_url)
    dataset = tmp_path / "dataset.zip"
    with zipfile.ZipFile(dataset, "w") as archive:
        archive.writestr("instances.json", json.dumps(coco(BOXES, SIZES)))
        for name, size in SIZES.items():
            archive.writestr(name, png(*size))
    report = import_source("boxes", dataset, db_url, fmt="coco", as_user="other-boss")
    assert (report["inserted"], report["labels"]) == (3, 3)
    outside = tmp_path / "outside.json"  # .json into image regions: COCO
    outside.write_text(json.dumps(coco({"a.png": [[30, 0, 20, 10, 1]]}, {"a.png": (40, 20)})))
    with pytest.raises(InvalidAnswerError, match="inside the image"):
        import_source("boxes", outside, db_url, as_user="boss")
    assert _authors(factory) == ["boss"] + ["other-boss"] * 3


@pytest.mark.slow
def test_the_command_imports_a_label_studio_file(database, tmp_path):
    db_url, factory = database
    _add_admins(factory, "boss")
    tasks = tmp_path / "label-studio.json"
    tasks.write_text(json.dumps(TASKS))
    command = [sys.executable, "-m", "activelab.cli", "import", "reviews", str(tasks),
               "--db", db_url, "--as", "boss"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "imported 1 item(s), labelled 0 known item(s); 1 label(s)" in done.stdout
    tasks.write_text(json.dumps([{"data": {"text": "x"}, "annotations": [{"result": [
        {"from_name": "p", "to_name": "text", "type": "labels",
         "value": {"start": 0, "end": 1, "labels": ["pos"]}}]}]}]))
    refused = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0 and "another Label Studio template" in refused.stderr
    assert _authors(factory) == ["boss"]
