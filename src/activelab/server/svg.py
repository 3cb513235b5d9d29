"""A tiny inline-SVG line chart for the learning curve (no plotting dependency at runtime).

It plots the unbiased accuracy estimate (on evaluation items) with its 95%
interval as a band; no ``style`` attributes, so it passes a strict CSP.
"""

from __future__ import annotations

from html import escape
from typing import Any

from markupsafe import Markup

__all__ = ["learning_curve_svg", "error_curve_svg"]

WIDTH, HEIGHT, PAD = 520, 220, 40


def _no_curve(points: list[dict[str, Any]], what: str = "accuracy") -> Markup:
    if not points:
        return Markup('<p class="muted" id="curve-note">No model yet: the first one is '
                      "trained as soon as two classes (or, for numbers, two items) have a "
                      "label.</p>")
    last = points[-1]
    return Markup(f'<p class="muted" id="curve-note">Model version {last["version"]}, trained '
                  f'on {last["n_labeled"]} labels. No {what} estimate yet: '
                  f'{escape(last["metric"])}.</p>')


def learning_curve_svg(points: list[dict[str, Any]]) -> Markup:
    """Estimated accuracy against training labels, one dot per retrain, with its interval.

    ``points`` are :func:`~activelab.server.services.stats.learning_curve`'s:
    ``n_labeled``, ``accuracy``, ``low``, ``high`` (None without an estimate).
    """
    usable = [p for p in points if p["accuracy"] is not None]
    if not usable:
        return _no_curve(points)
    xs = [p["n_labeled"] for p in usable]
    x_min, x_max = min(xs), max(xs)
    span = max(x_max - x_min, 1)

    def sx(x: float) -> float:
        return PAD + (x - x_min) / span * (WIDTH - 2 * PAD)

    def sy(y: float) -> float:
        return HEIGHT - PAD - y * (HEIGHT - 2 * PAD)

    path = " ".join(f"{sx(p['n_labeled']):.1f},{sy(p['accuracy']):.1f}" for p in usable)
    upper = [f"{sx(p['n_labeled']):.1f},{sy(p['high']):.1f}" for p in usable]
    lower = [f"{sx(p['n_labeled']):.1f},{sy(p['low']):.1f}" for p in reversed(usable)]
    if len(usable) == 1:  # a band needs width: an error bar instead
        x = sx(usable[0]["n_labeled"])
        band = (f'<line class="interval" x1="{x:.1f}" x2="{x:.1f}" y1="{sy(usable[0]["low"]):.1f}"'
                f' y2="{sy(usable[0]["high"]):.1f}" stroke="currentColor" stroke-width="2"/>')
    else:
        band = (f'<polygon class="interval" points="{" ".join(upper + lower)}" '
                'fill="currentColor" fill-opacity="0.12"/>')
    dots = "".join(
        f'<circle cx="{sx(p["n_labeled"]):.1f}" cy="{sy(p["accuracy"]):.1f}" r="3"><title>'
        f'{p["n_labeled"]} labels: {100 * p["accuracy"]:.1f}% (95% interval '
        f'{100 * p["low"]:.0f}–{100 * p["high"]:.0f}%, {p["n_eval"]} evaluation items)'
        f'</title></circle>' for p in usable)
    grid = "".join(
        f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{sy(v):.1f}" y2="{sy(v):.1f}" class="grid"/>'
        f'<text x="{PAD - 6}" y="{sy(v) + 4:.1f}" text-anchor="end">{int(v * 100)}%</text>'
        for v in (0.0, 0.25, 0.5, 0.75, 1.0))
    title = "accuracy on evaluation items, 95% interval"
    return Markup(
        f'<svg class="curve" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="learning curve: {title}">{grid}{band}'
        f'<polyline points="{path}" fill="none" stroke-width="2"/>{dots}'
        f'<text x="{PAD}" y="{HEIGHT - 8}">{x_min}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" text-anchor="end">{x_max} training labels'
        f'</text><text x="{WIDTH / 2}" y="14" text-anchor="middle">{title}</text></svg>')


def error_curve_svg(points: list[dict[str, Any]], name: str, lower_is_better: bool = True,
                    shown: str | None = None, x: str = "n_labeled",
                    x_name: str = "training labels") -> Markup:
    """A task's metric (``name``: ``"rmse"``) against training labels, one dot per retrain.

    The y axis runs from 0 to the largest value; each dot says whether it was measured
    on evaluation items or cross-validated. ``shown`` is the metric's name on the chart
    (``name`` in capitals by default); the title says which way is better. ``x`` is the
    points' key plotted across (``x_name`` on the axis).
    """
    usable = [p for p in points if p.get(name) is not None and p.get(x) is not None]
    if not usable:
        return _no_curve(points, escape(shown or name.upper()))
    xs = [p[x] for p in usable]
    x_min, x_max = min(xs), max(xs)
    span = max(x_max - x_min, 1)
    top = max(p[name] for p in usable) or 1.0

    def sx(x: float) -> float:
        return PAD + (x - x_min) / span * (WIDTH - 2 * PAD)

    def sy(y: float) -> float:
        return HEIGHT - PAD - y / top * (HEIGHT - 2 * PAD)

    label = escape(shown or name.upper())
    path = " ".join(f"{sx(p[x]):.1f},{sy(p[name]):.1f}" for p in usable)
    dots = "".join(
        f'<circle cx="{sx(p[x]):.1f}" cy="{sy(p[name]):.1f}" r="3"><title>'
        f'{p[x]} {escape(x_name)}: {label} {p[name]:.4g} ({escape(str(p["estimate"]))})'
        f'</title></circle>' for p in usable)
    grid = "".join(
        f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{sy(v):.1f}" y2="{sy(v):.1f}" class="grid"/>'
        f'<text x="{PAD - 6}" y="{sy(v) + 4:.1f}" text-anchor="end">{v:.3g}</text>'
        for v in (0.0, top / 2, top))
    title = f"{label} ({'lower' if lower_is_better else 'higher'} is better)"
    return Markup(
        f'<svg class="curve" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="learning curve: {title}">{grid}'
        f'<polyline points="{path}" fill="none" stroke-width="2"/>{dots}'
        f'<text x="{PAD}" y="{HEIGHT - 8}">{x_min}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" text-anchor="end">{x_max} {escape(x_name)}'
        f'</text><text x="{WIDTH / 2}" y="14" text-anchor="middle">{title}</text></svg>')
