"""The browser scripts parse: a syntax error would silently disable a whole page's controls."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import activelab.server

STATIC = Path(activelab.server.__file__).parent / "static"
SCRIPTS = sorted(STATIC.glob("*.js"))


@pytest.mark.parametrize("script", SCRIPTS, ids=[path.name for path in SCRIPTS])
def test_every_static_script_parses(script: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    result = subprocess.run([node, "--check", str(script)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
