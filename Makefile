# Two commands matter: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := journal

.PHONY: run test lint demo install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

## Serve the app on SQLite at http://127.0.0.1:$(PORT) (development secrets are
## generated into instance/ on the first run).
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## Load a demo therapist and patient (development only); prints their passwords.
demo: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --reset

lint: install
	$(BIN)/ruff check journal tests
	$(BIN)/ruff format --check journal tests
	$(BIN)/mypy
	$(BIN)/bandit -q -c pyproject.toml -r journal

## The whole suite: lint, unit, web, database and browser tests. TEST_DATABASE_URL
## selects PostgreSQL; REQUIRE_BROWSER=1 turns a missing browser into a failure.
test: lint
	$(BIN)/pytest -q -p no:cacheprovider

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
