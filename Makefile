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

# `make run`: the demo's email goes to files in DEMO_MAIL_DIR (not 1,600 lines on the screen), links
# printed and emailed point at the address served (HOST:PORT; 0.0.0.0 is reached as 127.0.0.1), and
# the logins are printed once the server listens, last. Set EMAIL_BACKEND or FORUM_SITE_URL to override.
DEMO_MAIL_DIR ?= $(CURDIR)/.demo-mail
SITE_HOST := $(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST))
EMAIL_BACKEND ?= django.core.mail.backends.filebased.EmailBackend
FORUM_SITE_URL ?= http://$(SITE_HOST):$(PORT)
DEMO_ENV := EMAIL_BACKEND=$(EMAIL_BACKEND) EMAIL_FILE_PATH=$(DEMO_MAIL_DIR) FORUM_SITE_URL=$(FORUM_SITE_URL)

seed: migrate
	$(DEMO_ENV) $(PY) manage.py seed_demo

run: compilemessages seed
	@$(DEMO_ENV) $(PY) manage.py demo_logins > $(VENV)/demo-logins.txt
	DEMO_BANNER_FILE=$(VENV)/demo-logins.txt $(DEMO_ENV) $(PY) -m forum.core.server -b $(HOST) -p $(PORT) config.asgi:application

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
	$(PY) bench/page_weight.py
	$(PY) bench/live_fanout.py --participants 200 --rate 5 --seconds 10 --client-procs 2
	$(PY) bench/thread_fanout.py --participants 200 --rate 5 --seconds 10 --client-procs 2

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
