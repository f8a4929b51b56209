"""The authorisation matrix over WebSocket: every role against every live socket.

A socket the role may not use is closed before it is accepted, with the code saying why
(4401 not signed in, 4403 not allowed, 4404 not visible); see docs/live-protocol.md.
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from forum.core import dbthreads, realtime
from tests.test_authorization_matrix import (  # noqa: F401  (fixtures)
    LIVE_ROLES,
    LIVE_ROWS,
    LIVE_SEERS,
    READERS,
    ROLES,
    SIGNED_IN,
    _consultation,
    live_world,
    world,
)


def _in_a_new_loop(coroutine_function):
    """`async_to_sync`, with channel layers of its own: every call runs a new event loop, and a
    channels-redis layer keeps locks bound to the loop that first used it (a process hub's
    receive cancelled with an earlier loop can leave one held)."""
    from channels.layers import channel_layers

    channel_layers.backends = {}

    async def run(*args, **kwargs):
        try:
            return await coroutine_function(*args, **kwargs)
        finally:
            await dbthreads.shutdown()  # the loop's database threads close their connections

    return async_to_sync(run)


# path builder, roles whose socket is accepted
# What each socket says by itself once connected (the frame types), waited for before the test acts:
# a fixed short wait let a slow connect-time frame (the badge's count, under load) leak into what the
# test checks.
CONNECT_FRAMES = {"notifications": ["notifications.unread"], "thread": ["hello"], "categories": ["subscribed"]}

SOCKETS = {
    "ping": (lambda w: "/ws/ping/", SIGNED_IN),
    "notifications": (lambda w: "/ws/notifications/", SIGNED_IN - {"suspended_member", "expired_observer"}),
    "thread": (lambda w: f"/ws/threads/{w.thread.pk}/", READERS),
    "categories": (lambda w: "/ws/categories/", READERS),
    "consultation": (lambda w: f"/ws/consultations/{_consultation(w).open.pk}/", READERS),
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

    return _in_a_new_loop(run)()


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
    "suspended": (_suspend, None, {"notifications", "thread", "categories", "consultation"}, None),
    "signed_out": (_sign_out, None, set(SOCKETS), None),
    "session_ended": (_end_session, None, set(SOCKETS), None),
    "observer_access_ended": (None, _prepare_observer_end, {"notifications", "thread", "categories", "consultation"},
                              {"observer"}),
    "category_closed": (_close_category, _open_category, {"thread", "categories", "consultation"},
                        {"member", "representative"}),
    "removed_from_organisation": (_remove_from_organisation, _prepare_organisation_only,
                                  {"thread", "categories", "consultation"},
                                  {"member", "representative"}),
}


def _events_about_everything(w, user):
    from types import SimpleNamespace

    from forum.consultations import events as consultation_events
    from forum.discussions import events
    from forum.discussions.models import Thread
    from forum.notifications.services import EVENT_UNREAD
    from forum.polls import events as poll_events

    thread = Thread.objects.get(pk=w.thread.pk)
    return [
        (events.thread_group(thread.pk), events.post_created(w.post)),
        (events.thread_group(thread.pk), poll_events.poll_counted(SimpleNamespace(pk=1, thread_id=thread.pk), ballots=3)),
        (events.thread_group(thread.pk), {**events.thread_changed(thread), "deleted": False}),
        (events.category_group(w.category.pk), events.thread_created(thread)),
        (events.category_group(w.category.pk), events.thread_activity(thread, w.post)),
        (realtime.user_group(user.pk), {"type": EVENT_UNREAD, "count": 7}),
        (consultation_events.consultation_group(_consultation(w).open.pk),
         consultation_events.position_changed(_consultation(w).position)),
    ]


def _lose_access_while_connected(w, socket, role, loss) -> list[dict]:
    """What the socket sent after `role` lost access through `loss` (text frames and the close)."""
    import asyncio
    import json

    from asgiref.sync import sync_to_async
    from django.db import connections

    apply, _prepare, _sockets, _roles = LOSSES[loss]
    user = w.users[role]
    client = Client()
    client.force_login(user)
    session = {"client": client, "key": client.cookies["sessionid"].value}
    path = SOCKETS[socket][0](w)  # may make rows: outside the event loop

    async def run():
        headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"),
                   (b"cookie", f"sessionid={session['key']}".encode())]
        communicator = WebsocketCommunicator(application, path, headers=headers)
        connected, code = await communicator.connect(timeout=5)
        assert connected, (socket, role, code)
        for expected in CONNECT_FRAMES.get(socket, []):  # what it says on connect
            said = json.loads((await communicator.receive_output(timeout=10))["text"])
            assert said["type"] == expected, (socket, said)
        while not await communicator.receive_nothing(timeout=0.1):  # and nothing else expected
            await communicator.receive_output()
        if apply is None:
            await asyncio.sleep(2)  # time passes the observer's access end: nobody acts
        else:
            await sync_to_async(apply)(w, user, session)
            await asyncio.sleep(0.3)
        layer = get_channel_layer()
        for group, event in await sync_to_async(_events_about_everything)(w, user):
            await layer.group_send(group, realtime.relay_message(group, event))
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

    return _in_a_new_loop(run)()


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


# --- Live rooms: `ws/rooms/<id>/`, over the live world of tests/test_authorization_matrix.py ---------
#
# Rooms have roles of their own (session moderators, organisers, muted and removed participants,
# observers with and without a grant), so they are walked over `live_world`. The socket is accepted for
# exactly the roles that may view the session; over it, each action is acknowledged for exactly the
# roles its permission row allows and refused with an `error` for the others.

def _cookie(user) -> str | None:
    if not getattr(user, "pk", None):
        return None
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def _room_attempt(path: str, cookie: str | None, frame: dict | None):
    """(connected, close code, the answer to `frame`: "ack", an error code, or None)."""
    import asyncio
    import json

    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    if not connected:
        return False, code, None
    answer = None
    await communicator.send_to(text_data=json.dumps({"type": "join", "after_seq": None}))
    if frame is not None:
        await communicator.send_to(text_data=json.dumps(frame))
        deadline = asyncio.get_running_loop().time() + 5
        while answer is None and asyncio.get_running_loop().time() < deadline:
            output = json.loads(await communicator.receive_from(timeout=5))
            if output["type"] == "ack":
                answer = "ack"
            elif output["type"] == "error":
                answer = output["code"]
    await communicator.disconnect()
    return True, None, answer


def _room_frame(action: str, w, role: str, n: int) -> dict:
    import uuid

    from forum.live.models import ChatMessage

    if action == "send_message":
        return {"type": "send", "client_id": str(uuid.uuid4()), "body": f"{role} says hello"}
    if action == "ask_question":
        return {"type": "ask", "client_id": str(uuid.uuid4()), "body": f"{role} asks"}
    if action == "vote_question":
        return {"type": "vote", "question_id": w.question.pk}
    if action == "edit_message":
        return {"type": "edit", "id": w.message.pk, "body": f"edited by {role}"}
    if action == "delete_message":
        fresh = ChatMessage.objects.create(session=w.session, seq=1000 + n, author=w.users["member"],
                                           client_id=uuid.uuid4(), source="Hi", html="Hi")
        return {"type": "delete", "id": fresh.pk}
    if action == "moderate_session":
        return {"type": "slow_mode", "seconds": n, "reason": f"set by {role}"}
    raise AssertionError(action)


ROOM_ACTIONS = ("send_message", "ask_question", "vote_question", "edit_message", "delete_message",
                "moderate_session")


def _room_ready(w):
    from forum.live.models import LiveSession

    # The live world stores a message (seq 1) and a question (seq 2) without their events.
    LiveSession.objects.filter(pk=w.session.pk).update(last_seq=10)


@pytest.mark.django_db(transaction=True)
def test_room_socket_matrix(live_world):  # noqa: F811
    _room_ready(live_world)
    path = f"/ws/rooms/{live_world.session.pk}/"
    accepted, refusals = set(), {}
    for role in LIVE_ROLES:
        connected, code, _answer = _in_a_new_loop(_room_attempt)(path, _cookie(live_world.users[role]), None)
        if connected:
            accepted.add(role)
        else:
            refusals[role] = code
    assert accepted == set(LIVE_SEERS), f"accepted {sorted(accepted)}"
    assert all(code in (4401, 4403, 4404) for code in refusals.values()), refusals
    assert refusals["anonymous"] == 4401


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ROOM_ACTIONS)
def test_room_socket_actions_matrix(live_world, action):  # noqa: F811
    from forum.accounts.permissions import forget

    _room_ready(live_world)
    _attempt, allowed = LIVE_ROWS[("live", action)]
    path = f"/ws/rooms/{live_world.session.pk}/"
    acked, refused = set(), {}
    for n, role in enumerate(LIVE_ROLES):
        user = live_world.users[role]
        if getattr(user, "pk", None):
            forget(user)
        frame = _room_frame(action, live_world, role, n)
        connected, code, answer = _in_a_new_loop(_room_attempt)(path, _cookie(user), frame)
        if answer == "ack":
            acked.add(role)
        else:
            refused[role] = answer if connected else code
    assert acked == set(allowed), f"{action}: acknowledged for {sorted(acked)}, refused {refused}"
    for role, answer in refused.items():
        assert answer in (4401, 4403, 4404, "forbidden", "muted", "observer", "not_yours", "not_found"), (role, answer)


def _remove_from_room(w, user, session):
    from forum.live import services

    services.participant_remove(actor=w.users["admin"], session=w.session, user=user, reason="matrix")


def _close_room(w, user, session):
    from forum.live import services

    services.session_close(actor=w.users["admin"], session=w.session)


# loss: (apply, roles of LIVE_SEERS that lose the room through it (None: all))
ROOM_LOSSES = {
    "suspended": (lambda w, user, session: _suspend(w, user, session), None),
    "signed_out": (_sign_out, None),
    "session_ended": (_end_session, None),
    "removed_from_room": (_remove_from_room, LIVE_SEERS - {"admin", "moderator", "session_moderator", "organiser",
                                                           "mfa_less_session_moderator"}),
    "session_closed_for_observers": (_close_room, {"observer"}),
}


def _room_lose_access(w, role, loss) -> list[dict]:
    import asyncio
    import json

    from asgiref.sync import sync_to_async
    from django.db import connections

    from forum.live import events

    apply, _roles = ROOM_LOSSES[loss]
    user = w.users[role]
    client = Client()
    client.force_login(user)
    session = {"client": client, "key": client.cookies["sessionid"].value}

    async def run():
        headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"),
                   (b"cookie", f"sessionid={session['key']}".encode())]
        communicator = WebsocketCommunicator(application, f"/ws/rooms/{w.session.pk}/", headers=headers)
        connected, code = await communicator.connect(timeout=5)
        assert connected, (role, code)
        await communicator.send_to(text_data=json.dumps({"type": "join", "after_seq": None}))
        while json.loads(await communicator.receive_from(timeout=5))["type"] != "hello":
            pass  # presence: the hello may take a while on a busy machine
        while not await communicator.receive_nothing(timeout=0.2):  # presence
            await communicator.receive_output()
        await sync_to_async(apply)(w, user, session)
        await asyncio.sleep(0.3)
        layer = get_channel_layer()
        for group in (events.room_group(w.session.pk), events.moderators_group(w.session.pk)):
            await layer.group_send(group, realtime.relay_message(group, {
                "type": "message", "seq": 999, "id": 1, "html": "secret"}))
        sent = []
        while not await communicator.receive_nothing(timeout=0.3):
            output = await communicator.receive_output()
            if output["type"] == "websocket.close":
                sent.append({"close": output.get("code")})
                break
            frame = json.loads(output["text"])
            if frame["type"] not in ("presence", "typing", "room_state"):
                sent.append(frame)
        await communicator.disconnect()
        await sync_to_async(connections.close_all)()
        return sent

    return _in_a_new_loop(run)()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("loss", sorted(ROOM_LOSSES))
def test_a_room_socket_forwards_nothing_once_its_user_lost_access(live_world, loss):  # noqa: F811
    _room_ready(live_world)
    _apply, losers = ROOM_LOSSES[loss]
    for role in sorted(LIVE_SEERS if losers is None else losers):
        sent = _room_lose_access(live_world, role, loss)
        frames = [frame for frame in sent if "close" not in frame]
        closes = [frame["close"] for frame in sent if "close" in frame]
        assert [frame["type"] for frame in frames] == ["error"], (role, sent)
        expected = "signed_out" if loss in ("signed_out", "session_ended") else "forbidden"
        assert frames[0]["code"] == expected, (role, sent)
        assert closes and closes[0] in ((4401,) if expected == "signed_out" else (4403, 4404)), (role, sent)


# Each socket route and the test that walks it (a new route without one fails here).
ROUTE_MATRICES = {
    "ws/ping/": "ping", "ws/notifications/": "notifications", "ws/threads/<int:thread_id>/": "thread",
    "ws/categories/": "categories", "ws/rooms/<int:session_id>/": "room",
    "ws/consultations/<int:thread_id>/": "consultation",
}


def test_every_socket_route_has_matrix_rows():
    from config.routing import websocket_urlpatterns

    routes = {str(route.pattern) for route in websocket_urlpatterns if str(route.pattern)}
    assert routes == set(ROUTE_MATRICES), sorted(routes ^ set(ROUTE_MATRICES))
    assert {name for name in ROUTE_MATRICES.values() if name != "room"} == set(SOCKETS)
