# Two front doors (see README): `make run` and `make test`. Both create .venv with a
# Python >= 3.12 (found by scripts/find-python.sh) and install the package into it.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup run test lint clean

$(PY):
	@PY=$$(scripts/find-python.sh) && echo "using $$PY" && "$$PY" -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/referral-sim $(ARGS)

test: $(STAMP)
	$(VENV)/bin/ruff check sim tests experiments
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check sim tests experiments
	$(VENV)/bin/ruff format --check sim tests experiments

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache
