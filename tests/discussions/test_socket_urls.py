"""The live pages take their socket address from the page (`data-socket-url`), never from the
script: each address a page gives must be one the server answers, for the object on that page."""

import html
import re

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.urls import reverse

from config.asgi import application
from forum.discussions import events

pytestmark = pytest.mark.django_db(transaction=True)

SOCKET_URL = re.compile(r'data-socket-url="([^"]*)"')


def _socket_urls(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return [html.unescape(found) for found in SOCKET_URL.findall(response.content.decode())]


def _first_event(path, cookie):
    """Connect as the browser would (same origin, the session cookie) and return the first event
    (or None when the socket sends nothing on connect)."""

    async def talk():
        headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie.encode())]
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, code = await communicator.connect()
        assert connected, f"{path} refused with {code}"
        event = None if await communicator.receive_nothing(timeout=0.3) else await communicator.receive_json_from()
        await communicator.disconnect()
        return event

    try:
        return async_to_sync(talk)()
    finally:
        connections.close_all()


def test_every_live_page_gives_socket_addresses_the_server_answers(client, member, make_category, make_thread):
    category = make_category()
    thread = make_thread(category=category)
    client.force_login(member)
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    on_thread = _socket_urls(client, thread.get_absolute_url())
    assert on_thread == ["/ws/notifications/", f"/ws/threads/{thread.pk}/"]
    on_category = _socket_urls(client, category.get_absolute_url())
    assert on_category == ["/ws/notifications/", f"/ws/categories/?categories={category.pk}"]
    on_index = _socket_urls(client, reverse("categories:index"))
    assert on_index == ["/ws/notifications/", "/ws/categories/"]

    assert _first_event("/ws/notifications/", cookie)["type"] == "notifications.unread"
    assert _first_event(f"/ws/threads/{thread.pk}/", cookie) == {"type": "hello", "seq": events.current_seq(thread.pk)}
    assert _first_event(f"/ws/categories/?categories={category.pk}", cookie) == {
        "type": "subscribed", "category_ids": [category.pk]}


def test_signed_out_pages_give_no_socket_address(client):
    assert _socket_urls(client, reverse("account_login")) == []
