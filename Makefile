# Two commands matter: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
# The worker builds emailed links from PUBLIC_URL, which defaults to this port.
export PORT
export FLASK_APP := journal

.PHONY: run test lint demo install clean lighthouse screenshots icons bench vnu translations messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

## Serve the app on SQLite at http://127.0.0.1:$(PORT) (development secrets are
## generated into instance/ on the first run), with a job-queue worker beside it
## (mail, reminders, clean-ups; its queue is a SQLite file, nothing else to run).
run: install translations
	$(BIN)/flask db upgrade
	$(BIN)/flask jobs worker --workers 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## The Spanish catalog, compiled from journal/translations/es/LC_MESSAGES/messages.po
## (the .mo is built, not committed). `make messages` extracts the strings again and
## merges them into the .po files for translators.
CATALOGS := journal/translations
MO := $(CATALOGS)/es/LC_MESSAGES/messages.mo
$(MO): $(CATALOGS)/es/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel -q compile -d $(CATALOGS)
translations: $(MO)
messages: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location -o $(CATALOGS)/messages.pot journal
	$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete --width 100 -i $(CATALOGS)/messages.pot -d $(CATALOGS)

## Load a demo therapist and patient (development only); prints their passwords.
demo: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --reset

lint: install
	$(BIN)/ruff check journal tests scripts bench deploy
	$(BIN)/ruff format --check journal tests scripts bench deploy
	$(BIN)/mypy
	$(BIN)/bandit -q -c pyproject.toml -r journal

## The W3C Nu HTML checker (npm vnu-jar; needs Java, Debian's default-jre-headless),
## installed into .tools/ on first use. The browser tests check every page they visit
## with it (tests/browser/test_zz_html_valid.py).
VNU := .tools/node_modules/vnu-jar/build/dist/vnu.jar
$(VNU):
	npm install --no-audit --no-fund --prefix .tools vnu-jar@26
vnu: $(VNU)

## The whole suite: lint, unit, web, database and browser tests. TEST_DATABASE_URL
## selects PostgreSQL; REQUIRE_BROWSER=1 turns a missing browser into a failure.
test: lint $(VNU) translations
	$(BIN)/pytest -q -p no:cacheprovider

## Lighthouse (performance, accessibility, best practices) on the main pages of both
## roles on a phone profile. Not part of `make test`: about two minutes. Lighthouse 12
## (13 needs Node 22) is installed into .tools/ on first use.
LIGHTHOUSE := .tools/node_modules/.bin/lighthouse
$(LIGHTHOUSE):
	npm install --no-audit --no-fund --prefix .tools lighthouse@12
lighthouse: install $(LIGHTHOUSE)
	CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} $(BIN)/python scripts/lighthouse.py

## Every page a patient, a therapist and an administrator reach, on a phone and a
## laptop, light and dark, into docs/screenshots/ (the README shows two). Pages that are
## gone leave no stale picture; `pngquant`, when installed, shrinks them about threefold.
screenshots: install
	rm -f docs/screenshots/*.png
	SCREENSHOTS_DIR=docs/screenshots REQUIRE_BROWSER=1 $(BIN)/pytest -q -p no:cacheprovider tests/browser/test_phone.py
	if command -v pngquant >/dev/null; then pngquant --force --skip-if-larger --ext .png docs/screenshots/*.png || true; fi

## Redraw the app icons (pure Python; the PNGs are committed).
icons:
	$(PYTHON) scripts/make_icons.py

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
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .tools $(MO)
