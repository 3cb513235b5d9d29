"""The labeller's widgets, embedded as HTML (ipywidgets.embed), render in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from activelab import ActiveLearner, Pool
from activelab.notebook import Labeller

#: The widgets' HTML manager from npm (``make test`` installs it); with it, the embedded
#: page needs no CDN.
EMBED_JS = (Path(__file__).resolve().parents[2] / ".cache" / "widgets" / "node_modules" /
            "@jupyter-widgets" / "html-manager" / "dist" / "embed.js")


@pytest.mark.browser
def test_the_embedded_labeller_renders_and_is_screenshot(tmp_path) -> None:
    if not EMBED_JS.is_file():
        pytest.skip("npm package @jupyter-widgets/html-manager not installed (make test)")
    from browser_helpers import launched_chromium, screenshot
    from ipywidgets.embed import embed_minimal_html

    X, y = load_digits(return_X_y=True)
    X_pool, X_test, y_pool, y_test = train_test_split(X / 16, y, test_size=0.3, random_state=0)
    learner = ActiveLearner(LogisticRegression(max_iter=1000), Pool(X_pool, classes=range(10)),
                            "margin", eval_set=(X_test, y_test), random_state=0)
    labeller = Labeller(learner, items=X_pool.reshape(-1, 8, 8))
    for _ in range(30):
        labeller.buttons[int(y_pool[labeller.current])].click()
    page_path = tmp_path / "labeller.html"
    # The page is ipywidgets' own embedding, CDN address and all; the browser gets that
    # script from the npm copy instead.
    embed_minimal_html(page_path, views=[labeller.widget], title="activelab labeller",
                       requirejs=False)

    with launched_chromium() as chromium:
        page = chromium.new_page(viewport={"width": 900, "height": 420})
        page.route("**/@jupyter-widgets/html-manager@*/dist/embed.js", lambda route: route.fulfill(
            path=EMBED_JS, content_type="text/javascript",
            headers={"Access-Control-Allow-Origin": "*"}))
        page.route("http*://**", lambda route: route.abort())  # nothing else leaves the machine
        page.goto(page_path.as_uri())
        page.wait_for_selector(".widget-button")
        buttons = page.locator(".widget-button").all_inner_texts()
        assert [text.strip() for text in buttons[:10]] == [str(d) for d in range(10)]
        assert "skip [s]" in buttons and "undo [u]" in buttons
        assert page.locator("img.widget-image").count() == 1
        assert "30 labelled" in page.inner_text("body")
        assert page.locator("svg.activelab-curve polyline").count() == 1
        assert page.locator("img.widget-image").bounding_box()["width"] >= 128
        screenshot(page, "notebook-labeller", page.locator(".jupyter-widgets").first)
