# Madaniya — `make run` starts the demo site, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev migrate seed messages compilemessages lint check clean bench

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Catalogues are compiled with polib (pure Python), so no gettext is needed on the machine.
compilemessages: $(VENV)/.installed
	$(PY) manage.py compile_catalogues

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: compilemessages seed
	@$(PY) manage.py demo_logins
	@echo "Madaniya is at http://$(HOST):$(PORT)/"
	$(PY) -m forum.core.server -b $(HOST) -p $(PORT) config.asgi:application

# Three runs: everything but the browser on the fast in-memory SQLite database, then the browser tests,
# then the live-server fault tests; the last two start daphne processes, which need a database file
# (or the PostgreSQL of DATABASE_URL). The fault tests run in a process of their own: Playwright's sync
# API leaves an event loop running in the main thread, where pytest-asyncio cannot start another.
BROWSER_DB := $(CURDIR)/.pytest-browser.sqlite3
test: $(VENV)/.installed-dev compilemessages
	$(BIN)/pytest -m "not browser and not live_server" $(PYTEST_ARGS)
	rm -f $(BROWSER_DB); SQLITE_TEST_PATH=$(BROWSER_DB) $(BIN)/pytest -m browser -p no:randomly $(PYTEST_ARGS)
	rm -f $(BROWSER_DB); SQLITE_TEST_PATH=$(BROWSER_DB) $(BIN)/pytest -m "live_server and not browser" -p no:randomly $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Refresh the .po catalogues from the code (needs gettext); translators then fill them in.
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l ar -l fr --no-obsolete --ignore ".venv/*" --ignore "staticfiles/*" --ignore "bench/*" --ignore "tests/*"
	$(PY) manage.py makemessages -d djangojs -l ar -l fr --no-obsolete --ignore ".venv/*" --ignore "staticfiles/*"

# live_fanout: the quick variant (PostgreSQL at 127.0.0.1:5432 and Redis db 15, as docs/performance.md says).
bench: $(VENV)/.installed-dev
	$(PY) bench/thread_page.py
	$(PY) bench/write_path.py
	$(PY) bench/live_fanout.py --participants 200 --rate 5 --seconds 10 --client-procs 2

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
