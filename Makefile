# The two set-up commands of the README: `make demo` (the main job) and `make test`.
PYTHON ?= python3
PIP_INSTALL = $(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore

.PHONY: install demo simulate test test-slow lint

install:
	$(PIP_INSTALL) -e '.[dev]'

# The annotation server on SQLite with the digits demo project; prints the URL and password.
demo: install
	$(PYTHON) -m activelab.cli serve --demo --db sqlite:///activelab-demo.db

# Margin sampling against random on scikit-learn's bundled digits: curves, table, plot.
simulate: install
	$(PYTHON) -m activelab.cli simulate sklearn:digits --model logreg --strategy margin \
		--compare random --initial 20 --batch 10 --budget 300 --seeds 5 \
		--out result.json --plot curve.png

# The default suite (CI): everything but the tests marked slow.
test: install
	$(PYTHON) -m pytest -m "not slow" -n 2 -q

# Real-data checks that take minutes (margin vs random on ../shared/data).
test-slow: install
	$(PYTHON) -m pytest -m slow -n 2 -q

# Style (ruff), layers and private imports (lint-imports, contracts in pyproject.toml),
# types (mypy over src/activelab, configured in pyproject.toml).
lint: install
	$(PYTHON) -m ruff check src tests benchmarks
	lint-imports --no-cache
	$(PYTHON) -m mypy
