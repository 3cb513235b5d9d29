"""The Markdown report and its figures."""

from __future__ import annotations

import pandas as pd
from test_stats import SEEDS, noisy, shifted, tidy

from activelab.bench import write_report


def results() -> pd.DataFrame:
    curves = {}
    for seed in SEEDS:
        for dataset in ("alpha", "beta/2"):
            curves[(dataset, "random", seed)] = noisy(seed)
            curves[(dataset, "margin", seed)] = shifted(noisy(seed), 0.05 + 0.001 * seed)
    return tidy(curves, full=0.95)


def test_report_writes_markdown_and_png_figures(tmp_path):
    failures = pd.DataFrame([{"dataset": "beta/2", "model": "logreg",
                              "strategy": "skactiveml:margin", "seed": 0, "initial": 10,
                              "batch": 10, "error": "TypeError: Sparse data was passed"}])
    path = write_report(results(), tmp_path, failures=failures, title="Test run",
                        command="activelab bench x.toml", notes=["peer modAL 0.4.2"])
    text = path.read_text()
    assert path == tmp_path / "report.md"
    assert text.startswith("# Test run")
    assert "activelab bench x.toml" in text and "- peer modAL 0.4.2" in text
    for section in ("## Learning curves", "## Normalised AULC", "## Labels to reach 95%",
                    "## Paired tests against random", "## Pairwise penalty matrix",
                    "## Time per round", "## Cells that could not run"):
        assert section in text, section
    assert "| margin | 2 | 0 | 0 | 2 |" in text  # wins on both datasets
    assert "TypeError: Sparse data was passed" in text
    figures = sorted(p.name for p in (tmp_path / "figures").iterdir())
    assert figures == ["curves_alpha.png", "curves_beta_2.png", "summary.png"]
    for name in figures:
        assert f"figures/{name}" in text
        assert (tmp_path / "figures" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_of_an_empty_run_says_so(tmp_path):
    empty = results().iloc[0:0]
    text = write_report(empty, tmp_path).read_text()
    assert "No cell finished" in text
