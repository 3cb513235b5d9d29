"""``make demo`` as a newcomer runs it: its port, and the printed way back in after a restart.

Real subprocesses: the serve command ``make -n demo`` prints, then the reset command the
server prints, run verbatim from another folder against the same database.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from server_helpers import _free_port

ROOT = Path(__file__).resolve().parents[2]
READY = "activelab annotation server: "


def demo_line(**variables: str) -> str:
    """The serve command of ``make demo`` with these variables (``make -n``: nothing runs)."""
    done = subprocess.run(["make", "-s", "-n", "-C", str(ROOT), "demo",
                           *(f"{key}={value}" for key, value in variables.items())],
                          capture_output=True, text=True, timeout=60, check=True)
    return next(line for line in done.stdout.splitlines() if "activelab.cli serve" in line)


@contextmanager
def serving(command: list[str], cwd: Path) -> Iterator[tuple[str, str]]:
    """Run a server command; yield what it printed up to listening, and its URL; stop it."""
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith(READY):
                break
        printed = "".join(lines)
        assert lines and lines[-1].startswith(READY), printed
        url = lines[-1].removeprefix(READY).strip()
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{url}/api/options", timeout=5)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, printed
                time.sleep(0.1)
        yield printed, url
    finally:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)
        process.stdout.close()


def test_make_demo_takes_port_host_and_database():
    assert demo_line().endswith("--db sqlite:///activelab-demo.db --host 127.0.0.1 --port 8000")
    line = demo_line(PORT="8123", HOST="0.0.0.0", DEMO_DB="sqlite:///elsewhere.db")
    assert line.endswith("--db sqlite:///elsewhere.db --host 0.0.0.0 --port 8123")


def test_the_printed_reset_command_reopens_the_same_demo_database(tmp_path):
    port = _free_port()
    first_dir, other_dir = tmp_path / "first", tmp_path / "other"
    first_dir.mkdir()
    other_dir.mkdir()
    line = demo_line(PORT=str(port), PYTHON=shlex.quote(sys.executable))
    with serving(shlex.split(line), first_dir) as (printed, url):
        assert url == f"http://127.0.0.1:{port}"
        project_url = re.search(r"Demo project: (\S+)", printed).group(1)
    database = first_dir / "activelab-demo.db"
    with serving(shlex.split(line), first_dir) as (printed, _):
        assert "exists already" in printed
        hint = re.search(r"Restart with: (.*?--reset-demo-password)", printed).group(1)
    # The command the user ran (python -m activelab.cli serve), on the database in use.
    assert hint == (f"{Path(sys.executable).name} -m activelab.cli serve --demo "
                    f"--db sqlite:///{database} --port {port} --reset-demo-password")
    # Run verbatim from another folder: the same database, and a new password that works.
    with serving([sys.executable, *shlex.split(hint)[1:]], other_dir) as (printed, url):
        password = re.search(r"new password '([^']+)'", printed).group(1)
        assert re.search(r"Demo project: (\S+)", printed).group(1) == project_url
        login = httpx.post(f"{url}/api/auth/login", timeout=30,
                           json={"username": "admin", "password": password})
        assert login.status_code == 200
    assert not (other_dir / "activelab-demo.db").exists()
