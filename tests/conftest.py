"""Shared fixtures: keyword-only factories for users of every role and organisations.

Services: tests marked `services` need the real PostgreSQL / Redis the environment names; without
them they skip, but with REQUIRE_SERVICES=1 a missing service is a failure.
"""

from __future__ import annotations

import itertools
import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from hypothesis import settings as hypothesis_settings

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"

# Property tests must not depend on the machine's speed: a loaded CI runner once failed
# `make test` on Hypothesis' default 200 ms deadline. Registered and loaded here, before any test
# module is imported, so every `@settings(...)` that does not name a deadline inherits None.
# HYPOTHESIS_PROFILE picks another registered profile (none other exists yet).
hypothesis_settings.register_profile("madaniya", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "madaniya"))
_counter = itertools.count(1)


def _end_refused_sockets_as_daphne_does() -> None:
    """After refusing a handshake, daphne tells the application the socket is gone
    (`websocket.disconnect`), and the consumer ends. Channels' test communicator does not, so a
    refused consumer was left waiting on the channel layer until the test's event loop shut down and
    cancelled it; on real Redis, with the layer's read timeout above its 5 s blocking pop, that
    shutdown never finished (the whole PostgreSQL + Redis run hung). Do what daphne does."""
    from channels.testing import WebsocketCommunicator

    connect = WebsocketCommunicator.connect

    async def connect_then_end_if_refused(self, timeout=1):
        connected, detail = await connect(self, timeout)
        if not connected:
            await self.send_input({"type": "websocket.disconnect", "code": detail})
            await self.wait(timeout)
        return connected, detail

    WebsocketCommunicator.connect = connect_then_end_if_refused


_end_refused_sockets_as_daphne_does()


def _bound_the_wait_at_a_loop_close() -> None:
    """When a test's event loop closes, asyncio cancels every task left and waits for them all, for
    ever. A consumer the server closed (not refused) and the test never disconnected is still waiting
    on the channel layer then; on real Redis its cancelled receive clean-up awaits Redis I/O whose
    client tasks were cancelled in the same sweep, so it never ends and the whole PostgreSQL + Redis
    run hung (seen twice, in different tests). Wait for the cancelled tasks at most `LIMIT` seconds,
    then let the loop close (what did not end is logged by asyncio as destroyed while pending).
    Daphne runs one loop per process, closed only at exit: production never meets this."""
    import asyncio
    import asyncio.runners

    limit = 10.0

    def cancel_all_tasks(loop) -> None:
        tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
        if not tasks:
            return
        for task in tasks:
            task.cancel()
        loop.run_until_complete(asyncio.wait(tasks, timeout=limit))
        for task in tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                loop.call_exception_handler({"message": "unhandled exception during asyncio.run() shutdown",
                                             "exception": task.exception(), "task": task})

    asyncio.runners._cancel_all_tasks = cancel_all_tasks


_bound_the_wait_at_a_loop_close()


def require_service(available: bool, what: str) -> None:
    """Skip when a service is missing, or fail when REQUIRE_SERVICES=1 says it must be there."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} not available")


def pytest_collection_modifyitems(config, items):
    if REQUIRE_SERVICES:
        uses_pg = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
        uses_redis = bool(getattr(settings, "REDIS_URL", ""))
        if not (uses_pg and uses_redis):
            raise pytest.UsageError("REQUIRE_SERVICES=1 needs DATABASE_URL (PostgreSQL) and REDIS_URL set")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (rate limits, counters) and the default language
    (a request in an earlier test leaves its language active in the thread)."""
    from django.core.cache import cache
    from django.utils import translation

    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_channel_layers():
    """Each test gets channel layers of its own. A channels-redis layer keeps asyncio locks and
    buffers bound to the event loop that first used them; a process hub's receive loop cancelled
    with an earlier test's loop can leave its lock held, and the next test's socket then fails with
    "Lock ... is bound to a different event loop". Daphne runs one loop per process, so production
    never meets this; tests run one loop per test."""
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.fixture
def make_organisation(db):
    from forum.organisations.models import Organisation

    def make(*, name: str | None = None, name_ar: str = "", seat_limit: int = 25, active: bool = True,
             slug: str | None = None) -> Organisation:
        n = next(_counter)
        name = name or f"Organisation {n}"
        return Organisation.objects.create(name=name, name_ar=name_ar, slug=slug or f"org-{n}",
                                           seat_limit=seat_limit, active=active)

    return make


@pytest.fixture
def make_user(db, make_organisation):
    """make_user(role="member"|"representative"|"moderator"|"admin"|"observer", ...) -> a verified user."""
    from allauth.account.models import EmailAddress

    from forum.accounts.models import Restriction, User
    from forum.organisations.models import Membership

    def make(*, role: str = "member", email: str | None = None, display_name: str | None = None,
             organisation=None, password: str = "correct-horse-battery", suspended: bool = False,
             access_days: int | None = 30, preferred_language: str = "", verified: bool = True) -> User:
        n = next(_counter)
        email = email or f"user{n}@example.org"
        site_role = {"representative": "member"}.get(role, role)
        user = User.objects.create_user(email=email, password=password, role=site_role,
                                        display_name=display_name or f"User {n}",
                                        preferred_language=preferred_language)
        user.display_name_key = user.display_name.casefold()
        if role == "admin":
            user.is_staff = True
            user.is_superuser = True
        if role == "observer" and access_days is not None:
            user.access_ends_at = timezone.now() + timedelta(days=access_days)
        user.save()
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
        if role in ("member", "representative"):
            organisation = organisation or make_organisation()
            Membership.objects.create(user=user, organisation=organisation,
                                      kind="representative" if role == "representative" else "member")
        if suspended:
            Restriction.objects.create(user=user, kind="suspension", scope="site", reason="test")
        return user

    return make


@pytest.fixture
def member(make_user):
    return make_user(role="member")


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    client.user = member
    return client
