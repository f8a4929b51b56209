"""Faults, named (issue #8 §7), against real processes: each test starts its own `redis-server` and its
own daphne processes (`python -m forum.core.server`) on the test database, never the shared Redis.

After each fault, every client holds every acknowledged message exactly once, in the room's order:
the clients (tests/live/room_client.py) do what the page's script does: reconnect with
`join {after_seq}`, heal gaps, repeat an unacknowledged send with the same `client_id`.

These need a database the server processes share: they run with the browser tests (`make test`'s
second run, a SQLite file or PostgreSQL), marked `live_server`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import shutil
import sqlite3
import time

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import Client

from tests.conftest import require_service
from tests.live.room_client import Daphne, RedisServer, RoomClient, assert_everyone_holds, server_environment

pytestmark = [pytest.mark.live_server, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_server(tmp_path):
    require_service(shutil.which("redis-server") is not None, "redis-server (the binary, for a Redis of the test's own)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def servers(redis_server, tmp_path, transactional_db):
    """servers(name) -> a started daphne process on the test database and the test's Redis."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.fail("These tests start server processes: they need a file database (SQLITE_TEST_PATH; make test sets it).")
    env = server_environment(connection.settings_dict, redis_server.url)
    started: list[Daphne] = []

    def start(name: str) -> Daphne:
        server = Daphne(env, tmp_path, name)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
    if connection.vendor == "postgresql":
        # The servers' sessions end a moment after their processes: let them go before the test
        # database is flushed (and, at the end, dropped).
        for _ in range(100):
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND pid <> pg_backend_pid()")
                if not cursor.fetchone()[0]:
                    break
            time.sleep(0.1)


@pytest.fixture
def room(make_session):
    return make_session()


@pytest.fixture
def keys(make_user):
    """The session cookies of three signed-in members (made here: the tests run in an event loop)."""
    out = []
    for _ in range(3):
        client = Client()
        client.force_login(make_user(role="member"))
        out.append(client.cookies["sessionid"].value)
    return out


@contextlib.asynccontextmanager
async def connected(*clients: RoomClient):
    try:
        for client in clients:
            await client.start()
        yield clients
    finally:
        for client in clients:
            await client.stop()


async def send_all(client: RoomClient, tag: str, count: int, pause: float = 0.1) -> list[int]:
    """`count` messages, each sent until acknowledged; the acknowledged ids."""
    ids = []
    for i in range(count):
        answer = await client.send_message(f"{tag} {i}", timeout=45)
        assert answer["type"] == "ack", answer
        ids.append(answer["id"])
        await asyncio.sleep(pause)
    return ids


async def test_a_redis_restart_mid_session_loses_no_acknowledged_message(room, servers, keys, redis_server):
    one, two = servers("one"), servers("two")
    a = RoomClient([one.room_url(room.pk), two.room_url(room.pk)], keys[0], "A")
    b = RoomClient([two.room_url(room.pk), one.room_url(room.pk)], keys[1], "B")
    c = RoomClient([one.room_url(room.pk), two.room_url(room.pk)], keys[2], "C")
    async with connected(a, b, c):
        acked = await send_all(a, "before", 2) + await send_all(b, "before", 2)
        await assert_everyone_holds([a, b, c], acked)

        async def restart():
            await asyncio.sleep(0.5)
            redis_server.stop()  # no persistence: groups, rate counters, everything is gone
            await asyncio.sleep(1.5)
            redis_server.start()

        results = await asyncio.gather(send_all(a, "across", 8, 0.2), send_all(b, "across", 8, 0.2), restart())
        acked += results[0] + results[1]
        acked += await send_all(c, "after", 2)
        await assert_everyone_holds([a, b, c], acked, timeout=45)
    assert one.alive and two.alive


async def test_killing_one_of_two_server_processes_loses_no_acknowledged_message(room, servers, keys):
    one, two = servers("one"), servers("two")
    a = RoomClient([one.room_url(room.pk), two.room_url(room.pk)], keys[0], "A")
    b = RoomClient([two.room_url(room.pk), one.room_url(room.pk)], keys[1], "B")
    c = RoomClient([two.room_url(room.pk), one.room_url(room.pk)], keys[2], "C")
    async with connected(a, b, c):
        acked = await send_all(a, "before", 3) + await send_all(b, "before", 3)
        await assert_everyone_holds([a, b, c], acked)

        async def kill():
            await asyncio.sleep(0.3)
            two.kill()

        results = await asyncio.gather(send_all(a, "across", 6, 0.15), send_all(b, "across", 6, 0.15), kill())
        acked += results[0] + results[1]
        await assert_everyone_holds([a, b, c], acked, timeout=45)
        assert b.connections >= 2 and c.connections >= 2, "B and C moved to the surviving process"
    assert one.alive


async def test_a_client_dropped_again_and_again_while_others_send_misses_nothing(room, servers, keys):
    one, two = servers("one"), servers("two")
    a = RoomClient([one.room_url(room.pk)], keys[0], "A")
    b = RoomClient([two.room_url(room.pk)], keys[1], "B")
    victim = RoomClient([one.room_url(room.pk), two.room_url(room.pk)], keys[2], "victim")
    async with connected(a, b, victim):
        dropping = asyncio.Event()

        async def drop_repeatedly():
            for _ in range(8):
                await victim.joined.wait()  # back in the room (and replayed to): drop it again
                await asyncio.sleep(0.1 + random.random() * 0.3)
                victim.drop()
            await asyncio.wait_for(victim.joined.wait(), 30)  # and back after the last drop
            dropping.set()

        async def send_while_dropping(client, tag):
            ids = []
            while not dropping.is_set() or len(ids) < 5:
                ids += await send_all(client, f"{tag} {len(ids)}", 1, 0.05)
            return ids

        results = await asyncio.gather(send_while_dropping(a, "A"), send_while_dropping(b, "B"), drop_repeatedly())
        acked = results[0] + results[1]
        await assert_everyone_holds([a, b, victim], acked, timeout=30)
        assert victim.connections >= 9, "the victim really was dropped eight times and came back"


@pytest.fixture
def database_outage(transactional_db):
    """database_outage() -> a context in which the server processes cannot write to the database:
    PostgreSQL refuses connections to it (and ends the open ones); a SQLite file is locked by
    another writer (root ignores file modes, so an unwritable file would not stop it)."""
    settings = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        @contextlib.contextmanager
        def outage():
            lock = sqlite3.connect(settings["NAME"], timeout=10, isolation_level=None)
            lock.execute("BEGIN EXCLUSIVE")
            try:
                yield
            finally:
                lock.execute("ROLLBACK")
                lock.close()

        return outage
    import psycopg

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]
    conninfo = psycopg.conninfo.make_conninfo(
        dbname="postgres", user=settings.get("USER") or None, password=settings.get("PASSWORD") or None,
        host=settings.get("HOST") or None, port=settings.get("PORT") or None)
    name = settings["NAME"]

    @contextlib.contextmanager
    def outage():
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            try:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = %s AND pid <> %s", [name, own_pid])
                yield
            finally:
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    return outage


async def test_sends_while_the_database_is_unavailable_are_refused_and_it_recovers(
        room, servers, keys, database_outage):
    from forum.live.models import ChatMessage

    one = servers("one")
    a = RoomClient([one.room_url(room.pk)], keys[0], "A")
    b = RoomClient([one.room_url(room.pk)], keys[1], "B")
    async with connected(a, b):
        acked = [(await a.send_message("before"))["id"]]
        client_id = "6f1c1d1e-8a55-4d5e-9f0e-3b2a1c0d9e8f"
        with database_outage():
            answer = await a.send_once("while the database is away", client_id=client_id, timeout=30)
            assert answer is not None, "the send was answered"
            assert answer["type"] == "error" and answer["code"] == "unavailable", answer
            assert answer["message"]
            assert [f["type"] for f in a.answers[client_id]] == ["error"], "no ack"
        assert a.connections == 1 and b.connections == 1, "nobody was disconnected"
        assert await a.ping() is not None, "the socket still answers"
        # Recovered: the same send now goes through, once.
        answer = await a.send_message("while the database is away", client_id=client_id)
        acked.append(answer["id"])
        await assert_everyone_holds([a, b], acked)
    assert one.alive
    assert "Traceback" not in one.output()

    def stored() -> int:
        try:
            return ChatMessage.objects.filter(session=room, client_id=client_id).count()
        finally:
            connection.close()  # this worker thread's own connection: not left open at teardown

    assert await sync_to_async(stored)() == 1
