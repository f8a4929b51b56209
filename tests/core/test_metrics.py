"""/metrics (forum/core/metrics.py): refused from outside, and its numbers move with what they count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from config.asgi import application
from forum.core import metrics
from forum.core.hub import Hub, _Group
from forum.core.models import ScheduledJobRun

OUTSIDE = "203.0.113.9"


def scrape(client=None, **extra) -> str:
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def value(text: str, name: str, labels: str = "") -> float:
    pattern = re.escape(name) + (r"\{" + re.escape(labels) + r"\}" if labels else "") + r" ([0-9.e+-]+)$"
    found = re.search(pattern, text, re.M)
    return float(found.group(1)) if found else 0.0


@pytest.mark.django_db
def test_from_outside_the_endpoint_does_not_exist(settings):
    settings.FORUM_METRICS_TOKEN = "s3cret-token-for-tests"
    assert Client(REMOTE_ADDR=OUTSIDE).get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR=OUTSIDE).get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert Client(REMOTE_ADDR=OUTSIDE).get("/metrics", HTTP_AUTHORIZATION="s3cret-token-for-tests").status_code == 404
    text = scrape(Client(REMOTE_ADDR=OUTSIDE), HTTP_AUTHORIZATION="Bearer s3cret-token-for-tests")
    assert "madaniya_open_sockets" in text and "django_http_requests_total" in text


@pytest.mark.django_db
def test_without_a_token_only_the_allowed_addresses_read_it(settings):
    settings.FORUM_METRICS_TOKEN = ""
    assert Client(REMOTE_ADDR=OUTSIDE).get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    scrape(Client(REMOTE_ADDR="127.0.0.1"))
    settings.FORUM_METRICS_ALLOWED_IPS = "10.0.0.0/8, not-an-address"
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404
    scrape(Client(REMOTE_ADDR="10.1.2.3"))


def test_socket_kinds_are_a_closed_list():
    assert metrics.socket_kind("/ws/rooms/12/") == "rooms"
    assert metrics.socket_kind("/ws/threads/3/") == "threads"
    assert metrics.socket_kind("/ws/" + "x" * 50 + "/") == "other"
    assert metrics.socket_kind("/elsewhere/") == "other"


@pytest.fixture
def session_cookie(client, member):
    client.force_login(member)
    return f"sessionid={client.cookies['sessionid'].value}"


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    yield
    from django.db import connections

    await sync_to_async(connections.close_all)()


@pytest.mark.django_db(transaction=True)
async def test_open_sockets_go_up_and_down_with_the_sockets(session_cookie):
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", session_cookie.encode())]
    before = value(await sync_to_async(scrape)(), "madaniya_open_sockets", 'kind="ping"')
    sockets = [WebsocketCommunicator(application, "/ws/ping/", headers=headers) for _ in range(2)]
    for socket in sockets:
        connected, _ = await socket.connect()
        assert connected
    assert value(await sync_to_async(scrape)(), "madaniya_open_sockets", 'kind="ping"') == before + 2
    await sockets[0].disconnect()
    assert value(await sync_to_async(scrape)(), "madaniya_open_sockets", 'kind="ping"') == before + 1
    await sockets[1].disconnect()
    # A refused socket (no session) is never counted.
    refused = WebsocketCommunicator(application, "/ws/ping/", headers=headers[:2])
    assert not (await refused.connect())[0]
    assert value(await sync_to_async(scrape)(), "madaniya_open_sockets", 'kind="ping"') == before


@pytest.mark.django_db
def test_pending_mail_and_failed_jobs_show_at_the_next_scrape(member):
    from forum.notifications.models import Notification

    before = scrape()
    assert value(before, "madaniya_email_outbox_pending") == 0
    assert value(before, "madaniya_email_outbox_oldest_seconds") == 0
    notice = Notification.objects.create(recipient=member, kind=Notification._meta.get_field("kind").choices[0][0],
                                         url="/", email_due_at=timezone.now())
    Notification.objects.filter(pk=notice.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    ScheduledJobRun.objects.create(name="notifications.digests", failed=True)
    after = scrape()
    assert value(after, "madaniya_email_outbox_pending") == 1
    assert 590 <= value(after, "madaniya_email_outbox_oldest_seconds") < 3600
    assert value(after, "madaniya_jobs_failed") == 1
    assert "madaniya_moderation_queue_open 0.0" in after


async def test_each_fan_out_is_timed():
    class Socket:
        def __init__(self):
            self.got = []

        async def deliver(self, event, text):
            self.got.append(text)

    before = metrics.FANOUT_SECONDS._sum.get(), sum(b.get() for b in metrics.FANOUT_SECONDS._buckets)
    entry = _Group(name="g")
    sockets = [Socket(), Socket()]
    entry.subscribers.update(dict.fromkeys(sockets))
    await Hub(layer=None)._deliver(entry, {"type": "x"}, '{"type":"x"}')
    assert all(s.got == ['{"type":"x"}'] for s in sockets)
    assert sum(b.get() for b in metrics.FANOUT_SECONDS._buckets) == before[1] + 1


def test_the_websocket_stack_is_counted():
    assert isinstance(application.application_mapping["websocket"], metrics.CountSockets)


def test_the_dashboard_and_the_guide_show_every_metric_of_ours():
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    dashboard = json.loads((root / "deploy" / "grafana-dashboard.json").read_text())
    queries = " ".join(t["expr"] for panel in dashboard["panels"] for t in panel["targets"])
    guide = (root / "docs" / "operations.md").read_text()
    ours = {"madaniya_open_sockets", "madaniya_fanout_seconds", "madaniya_ws_dropped", "madaniya_resyncs",
            "madaniya_events_dropped",
            *metrics._probes}
    for name in ours:
        assert name in queries, name
        assert name in guide, name


def _dropped(kind: str, reason: str) -> float:
    return metrics.EVENTS_DROPPED.labels(kind, reason)._value.get()


def test_a_full_channel_layer_drop_is_counted_and_warned(caplog):
    """channels-redis leaves a group message out of full channels and says so only at INFO."""
    import logging

    before = _dropped("threads", "layer_full")
    with caplog.at_level(logging.WARNING):
        logging.getLogger("channels_redis.core").info("%s of %s channels over capacity in group %s", 3, 10,
                                                      "discussions.thread.5")
    assert _dropped("threads", "layer_full") == before + 3
    [record] = [r for r in caplog.records if r.name == "channels_redis.core"]
    assert record.levelno == logging.WARNING and "discussions.thread.5" in record.getMessage()


def test_the_layer_s_other_notes_stay_below_the_log_level(caplog):
    import logging

    with caplog.at_level(logging.WARNING):
        logging.getLogger("channels_redis.core").info("something routine")
    assert [r for r in caplog.records if r.name == "channels_redis.core"] == []


@pytest.mark.django_db
def test_a_failed_broadcast_is_counted(monkeypatch, caplog):
    from forum.core import realtime

    class Broken:
        async def group_send(self, group, message):
            raise ConnectionError("layer down")

    monkeypatch.setattr(realtime, "get_channel_layer", lambda: Broken())
    before = _dropped("threads", "broadcast_failed"), _dropped("rooms", "broadcast_failed")
    realtime.broadcast("discussions.thread.7", {"type": "discussions.post.created"})
    realtime.broadcast("live.room.3", {"type": "message"})
    assert _dropped("threads", "broadcast_failed") == before[0] + 1
    assert _dropped("rooms", "broadcast_failed") == before[1] + 1
    assert "broadcast to discussions.thread.7 failed" in caplog.text


def test_a_real_redis_layer_over_capacity_is_counted():
    """The message the count relies on is channels-redis' own: a full channel on a real Redis."""
    from asgiref.sync import async_to_sync
    from django.conf import settings

    from tests.conftest import require_service

    require_service(bool(getattr(settings, "REDIS_URL", "")), "Redis (REDIS_URL)")
    from channels_redis.core import RedisChannelLayer

    config = {**settings.CHANNEL_LAYERS["default"]["CONFIG"], "capacity": 1}
    config.pop("channel_capacity", None)  # the settings give the hubs' channels (`specific.*`) a large one
    layer = RedisChannelLayer(**config)
    group = "discussions.thread.999999"

    async def overflow():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        for _ in range(3):
            await layer.group_send(group, {"type": "relay.event", "event": {}})
        await layer.group_discard(group, channel)
        await layer.flush()

    before = _dropped("threads", "layer_full")
    async_to_sync(overflow)()
    assert _dropped("threads", "layer_full") == before + 2


def test_group_kinds_are_a_closed_list():
    assert metrics.event_kind("discussions.thread.1") == "threads"
    assert metrics.event_kind("discussions.category.1") == "categories"
    assert metrics.event_kind("live.room.1.mods") == "rooms"
    assert metrics.event_kind("user.4") == "users"
    assert metrics.event_kind("anything else") == "other"
