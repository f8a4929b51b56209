"""A real browser against a real server.

`live_server`: daphne (HTTP and WebSocket) in a child process serving the test database. On SQLite
the test database must be a file (the Makefile sets SQLITE_TEST_PATH for the browser run).
`new_page()`: a fresh browser context and page in Debian's Chromium, driven by Playwright; every
request to a host other than the live server is recorded in `page.outside_requests` (the tests
assert it stays empty: no page may contact a third party).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urlsplit

import pytest
from django.db import connections

from tests.conftest import require_service

# Playwright's sync API keeps an event loop running in the test thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
]


def _make_application():
    from channels.routing import get_default_application
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    return ASGIStaticFilesHandler(get_default_application())


def _use_test_database(real_ensure_connection):
    """In the server process: lift pytest-django's guard (inherited through fork) and reconnect."""
    from channels.layers import channel_layers
    from django.db import connections as child_connections
    from django.db.backends.base.base import BaseDatabaseWrapper

    BaseDatabaseWrapper.ensure_connection = real_ensure_connection
    # A Redis channel layer made in the parent is bound to the parent's event loops.
    channel_layers.backends = {}

    for alias in child_connections:
        child_connections[alias].close()


class _NoSettingsChange:
    """pytest-django's autouse helper calls these on any fixture named `live_server`; the server
    here is another process, so there is nothing to switch in this one."""

    def enable(self):
        pass

    def disable(self):
        pass


@dataclass
class LiveServer:
    url: str
    host: str
    port: int
    _live_server_modified_settings: _NoSettingsChange = field(default_factory=_NoSettingsChange)

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"


def _start_server(django_db_blocker) -> tuple[object, LiveServer]:
    from daphne.testing import DaphneProcess

    with django_db_blocker.unblock():
        for connection in connections.all():
            if connection.vendor == "sqlite" and connection.is_in_memory_db():
                pytest.fail("Browser tests need a file database: set SQLITE_TEST_PATH (make test does).")
        connections.close_all()
    process = DaphneProcess("127.0.0.1", partial(_make_application),
                            setup=partial(_use_test_database, django_db_blocker._real_ensure_connection))
    process.start()
    if not process.ready.wait(timeout=30):
        process.terminate()
        raise RuntimeError("daphne did not start for the browser tests")
    port = process.port.value
    return process, LiveServer(url=f"http://127.0.0.1:{port}", host="127.0.0.1", port=port)


def _stop_server(process) -> None:
    process.terminate()
    process.join(timeout=10)
    if process.is_alive():
        process.kill()
        process.join(timeout=5)


@pytest.fixture(scope="session")
def _live_server_process(django_db_setup, django_db_blocker):
    process, server = _start_server(django_db_blocker)
    yield server
    _stop_server(process)


@pytest.fixture(scope="session")
def _second_live_server_process(django_db_setup, django_db_blocker, _live_server_process):
    process, server = _start_server(django_db_blocker)
    yield server
    _stop_server(process)


@pytest.fixture
def second_live_server(_second_live_server_process, live_server):
    """A second daphne process on the same database: only the Redis channel layer joins the two,
    as in production behind a proxy."""
    from django.conf import settings

    require_service(bool(getattr(settings, "REDIS_URL", "")), "Redis (REDIS_URL) for two server processes")
    return _second_live_server_process


@pytest.fixture
def live_server(_live_server_process, transactional_db):
    """The running server; the test's data is committed so the server sees it, and flushed after."""
    return _live_server_process


@pytest.fixture(scope="session")
def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        require_service(False, "playwright")
    require_service(os.path.exists(CHROMIUM), f"Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(locale="en") -> a Page in its own context (its own cookies), closed after the test;
    `color_scheme="dark"` emulates a reader whose system is in dark mode."""
    contexts = []

    def make(*, locale: str = "en-GB", server: LiveServer | None = None, color_scheme: str = "light"):
        server = server or live_server
        context = browser.new_context(locale=locale, base_url=server.url, color_scheme=color_scheme)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.outside_requests = []
        page.console_errors = []
        allowed = urlsplit(server.url).netloc

        def on_request(request):
            parts = urlsplit(request.url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != allowed:
                page.outside_requests.append(request.url)

        page.on("request", on_request)
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        return page

    yield make
    for context in contexts:
        context.close()


def login(page, *, email: str, password: str = "correct-horse-battery") -> None:
    """Sign in through the real login form."""
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("form:has(input[name=login]) [type=submit]").first.click()
    page.wait_for_load_state("networkidle")
