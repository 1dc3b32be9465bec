# Two front doors (see README): `make run` and `make test`. Both create .venv with a
# Python >= 3.12 (found by scripts/find-python.sh) and install the package into it.
#   make run                 # the main job: compare_schemes (6 schemes x 200 replicates) + report
#   make run ARGS="..."      # any other referral-sim command line instead, e.g. ARGS="referral=tiered"
#   make test                # ruff + the CI test suite on every core (pytest-xdist; chromium for the browser test included)
#   make coverage            # the suite under coverage: a table by file, html in reports/.coverage/html
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# bench: the benchmark's peers (cynetdiff, EoN, NDlib), whose semantics CI tests
EXTRAS := test,ray,studies,viz,browser,notebooks,bench
MAIN   := experiment=compare_schemes

.PHONY: setup run test lint coverage clean

$(PY):
	@PY=$$(scripts/find-python.sh) && echo "using $$PY" && "$$PY" -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml Makefile  # a changed EXTRAS installs again
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
ifeq ($(strip $(ARGS)),)
	$(VENV)/bin/referral-sim $(MAIN)
	$(VENV)/bin/referral-sim-report multirun/compare_schemes
else
	$(VENV)/bin/referral-sim $(ARGS)
endif

test: $(STAMP)
	scripts/ci-browser-setup.sh $(PY)
	$(VENV)/bin/ruff check sim hydra_plugins tests experiments notebooks
	$(VENV)/bin/python -m pytest -n auto $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check sim hydra_plugins tests experiments notebooks
	$(VENV)/bin/ruff format --check sim hydra_plugins tests experiments

coverage: $(STAMP)  # the suite under coverage (CLI child processes too): a table, then html
	rm -rf reports/.coverage
	$(VENV)/bin/coverage run -m pytest $(PYTEST_ARGS)
	$(VENV)/bin/coverage combine --quiet
	$(VENV)/bin/coverage report
	$(VENV)/bin/coverage html --quiet -d reports/.coverage/html

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache
