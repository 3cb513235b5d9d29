"""``activelab import`` with a label column and ``--on-duplicate``, run as a real command."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import select

from activelab.server import Settings
from activelab.server.db import (
    make_engine,
    make_session_factory,
    upgrade_database,
    write_transaction,
)
from activelab.server.models import Item, Label
from activelab.server.services.projects import create_project


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "activelab.cli", "import", *args],
                          capture_output=True, text=True, timeout=300)


def test_the_cli_reads_prelabels_and_reimports_idempotently(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(Settings(db_url=db_url))
    try:
        upgrade_database(engine)
        factory = make_session_factory(engine)
        with write_transaction(factory) as session:
            create_project(session, name="iris", task_type="tabular_classification",
                           labels=["setosa", "versicolor"])
        source = tmp_path / "iris.csv"
        source.write_text("id,petal,target\n1,1.4,setosa\n2,4.7,versicolor\n")
        first = _run("iris", str(source), "--db", db_url, "--label-column", "target")
        assert first.returncode == 0, first.stderr
        assert "imported 2 item(s); 0 bad; 0 known id(s) skipped, 0 updated; 2 pre-label(s)" \
            in first.stdout
        assert "features: petal; pre-label column: target" in first.stdout
        source.write_text("id,petal,target\n1,1.5,setosa\n2,4.7,versicolor\n3,5.1,setosa\n")
        second = _run("iris", str(source), "--db", db_url, "--label-column", "target",
                      "--on-duplicate", "update")
        assert second.returncode == 0, second.stderr
        assert "imported 1 item(s); 0 bad; 0 known id(s) skipped, 2 updated" in second.stdout
        with factory() as session:
            items = {i.external_id: i.data["columns"] for i in session.scalars(select(Item))}
            assert items == {"1": {"petal": 1.5}, "2": {"petal": 4.7}, "3": {"petal": 5.1}}
            sources = {label.source for label in session.scalars(select(Label))}
            assert sources == {"import"}
    finally:
        engine.dispose()
