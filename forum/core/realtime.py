"""Sending live events: persist first, then broadcast after the transaction commits.

Group names are built from ids by each app's `events.py`; payloads are plain JSON-able dicts with
a `type` such as `discussions.post.created`. Consumers relay them as text frames.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from contextlib import contextmanager
from typing import Any

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from django.db import transaction

from . import metrics

logger = logging.getLogger(__name__)

# The consumer method that relays a broadcast to its socket (see `RelayConsumerMixin`).
RELAY_HANDLER = "relay.event"


def relay_message(group: str, event: dict[str, Any]) -> dict[str, Any]:
    """The layer message carrying `event` to `group`. It names its group: a process's hub receives
    every group on one channel (`forum.core.hub`); a socket's own `relay_event` ignores the name."""
    return {"type": RELAY_HANDLER, "group": group, "event": event}


def channel_full(where: str, target: str) -> None:
    """The layer refused a message (`ChannelFull`): never a quiet drop, logged and counted."""
    metrics.CHANNEL_FULL.labels(where).inc()
    logger.error("channel layer full: a message (%s) to %s was dropped", where, target)


_deferred = threading.local()


@contextmanager
def deferred_broadcasts(into: list):
    """While this is open, the broadcasts this THREAD makes (after commit) are appended to `into` as
    (group, event) instead of being sent: a caller on the event loop then sends them itself, in
    order, without this thread waiting for the loop (a live room's writes, `forum.core.hub`)."""
    previous = getattr(_deferred, "into", None)
    _deferred.into = into
    try:
        yield into
    finally:
        _deferred.into = previous


def broadcast(group: str, event: dict[str, Any]) -> None:
    """Send `event` to every socket in `group` now. Failures are logged, never raised to the writer."""
    collecting = getattr(_deferred, "into", None)
    if collecting is not None:
        collecting.append((group, event))
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, relay_message(group, event))
    except ChannelFull:
        channel_full("broadcast", group)
    except Exception:  # a broken channel layer must not undo a committed write
        logger.exception("broadcast to %s failed", group)


def broadcast_on_commit(group: str, event: dict[str, Any]) -> None:
    """Broadcast once the current transaction commits, so nobody sees what was rolled back."""
    transaction.on_commit(lambda: broadcast(group, event))


def user_group(user_id: int) -> str:
    """The group every open socket of one user joins (notifications, sanctions, forced logout)."""
    return f"user.{int(user_id)}"


# Sent to a user's group when one of their sessions ends (sign-out, "sign out other sessions", an
# admin ending it): the sockets opened with that session close. The session is named by a
# fingerprint, never by its key (the key signs the user in).
SESSION_ENDED = "accounts.session.ended"


def session_fingerprint(session_key: str | None) -> str:
    """A stable, non-reversible name for a session; "" without a key."""
    if not session_key:
        return ""
    return hashlib.sha256(f"madaniya.session:{session_key}".encode()).hexdigest()[:32]
