"""The authorisation matrix over WebSocket: every role against every live socket.

A socket the role may not use is closed before it is accepted, with the code saying why
(4401 not signed in, 4403 not allowed, 4404 not visible); see docs/live-protocol.md.
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from tests.test_authorization_matrix import READERS, ROLES, SIGNED_IN, world  # noqa: F401  (fixture)

# path builder, roles whose socket is accepted
SOCKETS = {
    "ping": (lambda w: "/ws/ping/", SIGNED_IN),
    "notifications": (lambda w: "/ws/notifications/", SIGNED_IN - {"suspended_member", "expired_observer"}),
    "thread": (lambda w: f"/ws/threads/{w.thread.pk}/", READERS),
    "categories": (lambda w: "/ws/categories/", READERS),
}


def _connect(path: str, cookie: str | None) -> tuple[bool, int | None]:
    async def run():
        headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, code = await communicator.connect(timeout=5)
        if connected:
            await communicator.disconnect()
        return connected, code

    return async_to_sync(run)()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("socket", sorted(SOCKETS))
def test_socket_matrix(world, socket):  # noqa: F811
    build, allowed = SOCKETS[socket]
    accepted, refusals = set(), {}
    for role in ROLES:
        user = world.users[role]
        cookie = None
        if role != "anonymous":
            client = Client()
            client.force_login(user)
            cookie = f"sessionid={client.cookies['sessionid'].value}"
        connected, code = _connect(build(world), cookie)
        if connected:
            accepted.add(role)
        else:
            refusals[role] = code
    assert accepted == set(allowed), f"{socket}: accepted {sorted(accepted)}"
    assert all(code in (4401, 4403, 4404) for code in refusals.values()), refusals
    if "anonymous" in refusals:
        assert refusals["anonymous"] == 4401
