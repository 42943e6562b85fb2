# Two commands matter: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := journal

.PHONY: run test lint demo install clean bench

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
	$(BIN)/ruff check journal tests bench
	$(BIN)/ruff format --check journal tests bench
	$(BIN)/mypy

## The whole suite: lint, unit, web, database and browser tests. TEST_DATABASE_URL
## selects PostgreSQL; REQUIRE_BROWSER=1 turns a missing browser into a failure.
test: lint
	$(BIN)/pytest -q -p no:cacheprovider

## The benchmark (never part of `make test` or CI): generates a clinic, serves it
## with gunicorn, drives it with wrk against a bare-Flask ceiling, measures page
## weight in Chromium. BENCH_DATABASE_URL picks PostgreSQL; BENCH_ARGS passes
## options, e.g. BENCH_ARGS="--reuse --duration 5".
bench: install
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing wrk (Debian package)"; \
	    apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; \
	  else \
	    echo "make bench needs wrk: sudo apt-get install wrk (Debian/Ubuntu) or brew install wrk"; exit 1; \
	  fi; }
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  echo "no Chromium: the page-weight step will fail (apt-get install chromium, or pass BENCH_ARGS=--no-page-weight)"
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
