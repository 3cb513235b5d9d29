"""Rich consoles for the command line, shared by every command."""

from __future__ import annotations

from rich.console import Console

__all__ = ["stdout_console", "stderr_console"]


def stdout_console() -> Console:
    """Standard output; files and pipes get whole tables, not 80 wrapped columns."""
    console = Console()
    return console if console.is_terminal else Console(width=160)


def stderr_console() -> Console:
    return Console(stderr=True)
