# The two set-up commands of the README: `make demo` (the main job) and `make test`.
PYTHON ?= python3
PIP_INSTALL = $(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore

.PHONY: install demo simulate test test-slow lint docs screenshots wheel-smoke

install:
	$(PIP_INSTALL) -e '.[dev]'

# Where `make demo` listens and keeps its database: `make demo PORT=8080 HOST=0.0.0.0`.
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_DB ?= sqlite:///activelab-demo.db

# The annotation server on SQLite with the digits demo project; prints the URL and password.
demo: install
	$(PYTHON) -m activelab.cli serve --demo --db $(DEMO_DB) --host $(HOST) --port $(PORT)

# Margin sampling against random on scikit-learn's bundled digits: curves, table, plot.
simulate: install
	$(PYTHON) -m activelab.cli simulate sklearn:digits --model logreg --strategy margin \
		--compare random --initial 20 --batch 10 --budget 300 --seeds 5 \
		--out result.json --plot curve.png

# axe-core (npm) for the accessibility checks of the browser tests; without npm they skip.
AXE = .cache/axe/node_modules/axe-core/axe.min.js

$(AXE):
	-command -v npm >/dev/null && npm install --silent --no-audit --no-fund --prefix .cache/axe axe-core@4

# The widgets' HTML manager (npm) renders the notebook labeller in Chromium without a CDN
# (tests/notebook, docs/screenshots/notebook-labeller.png); without npm that test skips.
WIDGETS_JS = .cache/widgets/node_modules/@jupyter-widgets/html-manager/dist/embed.js

$(WIDGETS_JS):
	-command -v npm >/dev/null && npm install --silent --no-audit --no-fund --prefix .cache/widgets @jupyter-widgets/html-manager@1

# The default suite (CI): everything but the tests marked slow.
test: install $(AXE) $(WIDGETS_JS)
	$(PYTHON) -m pytest -m "not slow" -n 2 -q --durations=15

# Rewrite the screenshots the docs show (docs/screenshots/) from the browser tests.
screenshots: install $(AXE) $(WIDGETS_JS)
	ACTIVELAB_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(PYTHON) -m pytest -m browser -n 2 -q tests/server tests/notebook

# Real-data checks that take minutes (margin vs random on ../shared/data).
test-slow: install
	$(PYTHON) -m pytest -m slow -n 2 -q

# Style (ruff), layers and private imports (lint-imports, contracts in pyproject.toml),
# types (mypy over src/activelab, configured in pyproject.toml).
lint: install
	$(PYTHON) -m ruff check src tests benchmarks
	lint-imports --no-cache
	$(PYTHON) -m mypy

# The wheel and sdist (python -m build), the wheel installed in a clean venv and used from a
# temporary folder: activelab --version, a short simulation, the demo server's /login.
wheel-smoke: install
	PYTHON=$(PYTHON) bash .ci/wheel-smoke

# The documentation site (mkdocs.yml): a broken link or a missing API reference fails.
docs: install
	NO_MKDOCS_2_WARNING=1 $(PYTHON) -m mkdocs build --strict --site-dir site
