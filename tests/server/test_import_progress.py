"""``activelab import`` shows how far a long import has gone: the bytes of the file read."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from server_helpers import count_items, make_cli_project, make_users

from activelab.server import import_source

ROWS = 30_000


def _csv(tmp_path):
    source = tmp_path / "items.csv"
    source.write_text("text\n" + "".join(f"row number {i}\n" for i in range(ROWS)))
    return source


def test_import_source_reports_the_bytes_read_until_the_whole_file(tmp_path, sqlite_url):
    make_users(sqlite_url, [])
    make_cli_project(sqlite_url)
    source = _csv(tmp_path)
    size = source.stat().st_size
    seen: list[tuple[int, int | None]] = []
    report = import_source("cli", source, sqlite_url,
                           progress=lambda done, total: seen.append((done, total)))
    assert report["inserted"] == ROWS
    assert seen[-1] == (size, size)
    assert all(total == size for _, total in seen)
    done = [d for d, _ in seen]
    assert done == sorted(done)
    assert any(0 < d < size for d in done), "no report while the import ran"


@pytest.mark.slow
def test_the_cli_draws_a_bar_on_a_terminal_and_nothing_in_a_pipe(tmp_path, sqlite_url):
    make_users(sqlite_url, [])
    make_cli_project(sqlite_url)
    source = _csv(tmp_path)
    command = [sys.executable, "-m", "activelab.cli", "import", "cli", str(source),
               "--db", sqlite_url]
    leader, follower = os.openpty()  # stderr a terminal: Rich draws its bar there
    chunks: list[bytes] = []

    def read_terminal() -> None:  # read as it comes, or a full terminal blocks the import
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: everything was read
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    try:
        process = subprocess.run(command, stdout=subprocess.PIPE, stderr=follower, timeout=300,
                                 env={**os.environ, "COLUMNS": "100"})
    finally:
        os.close(follower)
        reader.join(10)
        os.close(leader)
    terminal = b"".join(chunks)
    assert process.returncode == 0, terminal.decode(errors="replace")
    assert b"importing" in terminal
    assert f"imported {ROWS} item(s)".encode() in process.stdout
    assert b"\x1b" not in process.stdout  # stdout is a pipe: no control characters
    assert count_items(sqlite_url) == ROWS
