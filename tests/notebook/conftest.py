"""The browser tests here share the server tests' Chromium launcher and screenshot helper."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
