"""A tiny inline-SVG line chart for the learning curve (no plotting dependency at runtime)."""

from __future__ import annotations

from html import escape
from typing import Any

from markupsafe import Markup

__all__ = ["learning_curve_svg"]

WIDTH, HEIGHT, PAD = 520, 220, 40


def learning_curve_svg(points: list[dict[str, Any]]) -> Markup:
    """Accuracy against the number of labels, one dot per retrain."""
    usable = [(p["n_labeled"], p["accuracy"]) for p in points if p["accuracy"] is not None]
    if not usable:
        return Markup('<p class="muted">No learning curve yet: it appears after the first '
                      "retrain with two labels in each of two classes.</p>")
    xs = [x for x, _ in usable]
    x_min, x_max = min(xs), max(xs)
    span = max(x_max - x_min, 1)

    def sx(x: float) -> float:
        return PAD + (x - x_min) / span * (WIDTH - 2 * PAD)

    def sy(y: float) -> float:
        return HEIGHT - PAD - y * (HEIGHT - 2 * PAD)

    path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in usable)
    dots = "".join(
        f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3"><title>{x} labels: '
        f'{100 * y:.1f}%</title></circle>' for x, y in usable)
    grid = "".join(
        f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{sy(v):.1f}" y2="{sy(v):.1f}" class="grid"/>'
        f'<text x="{PAD - 6}" y="{sy(v) + 4:.1f}" text-anchor="end">{int(v * 100)}%</text>'
        for v in (0.0, 0.25, 0.5, 0.75, 1.0))
    label = escape(points[-1]["metric"] or "accuracy")
    return Markup(
        f'<svg class="curve" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="learning curve">{grid}'
        f'<polyline points="{path}" fill="none" stroke-width="2"/>{dots}'
        f'<text x="{PAD}" y="{HEIGHT - 8}">{x_min}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" text-anchor="end">{x_max} labels</text>'
        f'<text x="{WIDTH / 2}" y="14" text-anchor="middle">{label}</text></svg>')
