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
from forum.core import realtime
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


# --- Second half: access lost while connected ----------------------------------------------------
#
# Each role that may open a socket opens it, then loses access in one of the ways below while it is
# open; then events about everything the socket carried are broadcast. The socket must forward
# none of them: it closes (after an `error` event), or, for a list page that only lost a category,
# says `subscribed` again without it.

def _suspend(w, user, session):
    from forum.accounts import services
    from forum.accounts.models import Restriction

    Restriction.objects.create(user=user, kind="suspension", scope="site", reason="matrix")
    services.access_changed(user_id=user.pk, reason="restriction")


def _sign_out(w, user, session):
    session["client"].logout()


def _end_session(w, user, session):
    from allauth.usersessions.models import UserSession

    UserSession.objects.create(user=user, session_key=session["key"], ip="127.0.0.1", user_agent="matrix").end()


def _open_category(w):
    w.category.visibility = "members"
    w.category.save()


def _close_category(w, user, session):
    from forum.categories import services

    services.category_update(actor=w.users["admin"], category=w.category, visibility="restricted")


def _remove_from_organisation(w, user, session):
    from forum.organisations import services

    services.membership_remove(actor=w.users["admin"], membership=user.memberships.get())


def _prepare_organisation_only(w):
    w.category.visibility = "restricted"
    w.category.save()
    w.category.allowed_organisations.add(w.org)


def _prepare_observer_end(w):
    from datetime import timedelta

    from django.utils import timezone

    observer = w.users["observer"]
    observer.access_ends_at = timezone.now() + timedelta(seconds=1.5)
    observer.save(update_fields=["access_ends_at"])


# loss: (apply(w, user, session) or None when time does it, prepare(w) before each role or None,
#        sockets it applies to, roles that lose access through it (None: every role the socket admits))
LOSSES = {
    "suspended": (_suspend, None, {"notifications", "thread", "categories"}, None),
    "signed_out": (_sign_out, None, set(SOCKETS), None),
    "session_ended": (_end_session, None, set(SOCKETS), None),
    "observer_access_ended": (None, _prepare_observer_end, {"notifications", "thread", "categories"}, {"observer"}),
    "category_closed": (_close_category, _open_category, {"thread", "categories"}, {"member", "representative"}),
    "removed_from_organisation": (_remove_from_organisation, _prepare_organisation_only, {"thread", "categories"},
                                  {"member", "representative"}),
}


def _events_about_everything(w, user):
    from forum.discussions import events
    from forum.discussions.models import Thread
    from forum.notifications.services import EVENT_UNREAD

    thread = Thread.objects.get(pk=w.thread.pk)
    return [
        (events.thread_group(thread.pk), events.post_created(w.post)),
        (events.thread_group(thread.pk), {**events.thread_changed(thread), "deleted": False}),
        (events.category_group(w.category.pk), events.thread_created(thread)),
        (events.category_group(w.category.pk), events.thread_activity(thread, w.post)),
        (realtime.user_group(user.pk), {"type": EVENT_UNREAD, "count": 7}),
    ]


def _lose_access_while_connected(w, socket, role, loss) -> list[dict]:
    """What the socket sent after `role` lost access through `loss` (text frames and the close)."""
    import asyncio
    import json

    from asgiref.sync import sync_to_async
    from channels.layers import get_channel_layer
    from django.db import connections

    apply, _prepare, _sockets, _roles = LOSSES[loss]
    user = w.users[role]
    client = Client()
    client.force_login(user)
    session = {"client": client, "key": client.cookies["sessionid"].value}

    async def run():
        headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"),
                   (b"cookie", f"sessionid={session['key']}".encode())]
        communicator = WebsocketCommunicator(application, SOCKETS[socket][0](w), headers=headers)
        connected, code = await communicator.connect(timeout=5)
        assert connected, (socket, role, code)
        while not await communicator.receive_nothing(timeout=0.1):  # what it says on connect
            await communicator.receive_output()
        if apply is None:
            await asyncio.sleep(2)  # time passes the observer's access end: nobody acts
        else:
            await sync_to_async(apply)(w, user, session)
            await asyncio.sleep(0.3)
        layer = get_channel_layer()
        for group, event in await sync_to_async(_events_about_everything)(w, user):
            await layer.group_send(group, {"type": realtime.RELAY_HANDLER, "event": event})
        sent = []
        while not await communicator.receive_nothing(timeout=0.3):
            output = await communicator.receive_output()
            if output["type"] == "websocket.close":
                sent.append({"close": output.get("code")})
                break
            sent.append(json.loads(output["text"]))
        await communicator.disconnect()
        await sync_to_async(connections.close_all)()
        return sent

    return async_to_sync(run)()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("socket", "loss"), sorted((s, loss) for loss, spec in LOSSES.items() for s in spec[2]))
def test_a_socket_forwards_nothing_once_its_user_lost_access(world, socket, loss):  # noqa: F811
    _apply, prepare, _sockets, losers = LOSSES[loss]
    roles = sorted(SOCKETS[socket][1] if losers is None else losers & SOCKETS[socket][1])
    assert roles
    for role in roles:
        if prepare:
            prepare(world)
        sent = _lose_access_while_connected(world, socket, role, loss)
        closes = [frame["close"] for frame in sent if "close" in frame]
        frames = [frame for frame in sent if "close" not in frame]
        if socket == "categories" and loss in ("category_closed", "removed_from_organisation"):
            # Narrowed, not closed: the list page is told its new categories, and nothing of the lost one.
            assert frames == [{"type": "subscribed", "category_ids": [world.other_category.pk]}], (role, sent)
            assert not closes, (role, sent)
            continue
        assert [frame["type"] for frame in frames] == ["error"], (role, sent)
        expected = "signed_out" if loss in ("signed_out", "session_ended") else "forbidden"
        assert frames[0]["code"] == expected, (role, sent)
        assert closes and closes[0] in ((4401,) if expected == "signed_out" else (4403, 4404)), (role, sent)
