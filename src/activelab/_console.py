"""Rich consoles for the command line, shared by every command."""

from __future__ import annotations

from rich.console import Console

__all__ = ["stdout_console", "stderr_console", "help_examples"]


def stdout_console() -> Console:
    """Standard output; files and pipes get whole tables, not 80 wrapped columns."""
    console = Console()
    return console if console.is_terminal else Console(width=160)


def stderr_console() -> Console:
    return Console(stderr=True)


def help_examples(*lines: str, rich: bool) -> str:
    """A command's help epilog: its examples, one per line.  Rich help joins single line
    breaks, so each line is a paragraph there; click's plain help keeps a paragraph that
    starts with ``\\b`` as it is."""
    if rich:
        return "Examples:\n\n" + "\n\n".join(f"  {line}" for line in lines)
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)
