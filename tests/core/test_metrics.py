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
            *metrics._probes}
    for name in ours:
        assert name in queries, name
        assert name in guide, name
