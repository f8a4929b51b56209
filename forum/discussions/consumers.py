"""Live thread and list updates over WebSocket. Protocol: docs/live-protocol.md.

`ws/threads/<id>/`: one thread's open page. Checked at connect (4401 not signed in, 4404 no such
thread or not visible, 4403 not allowed) before accepting; relays `discussions.post.*` and
`discussions.thread.changed`; answers `{"type": "resume", "after": <seq>}` with the posts created
since (at most `events.RESUME_LIMIT`, else `resync`). Access is checked again on every frame,
whenever the thread changes (moved, deleted) and on any account event sent to the member's own
group (a sanction), closing the socket once the reader lost it.

`ws/categories/`: list pages, for members in good standing (else 4403). Joins the group of every
category the member may see (or only those named in `?categories=1,2`), and relays thread
created / activity / changed events.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.accounts import permissions as accounts
from forum.categories import permissions as category_permissions
from forum.core import realtime
from forum.core.consumers import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED, JsonConsumer

from . import events, permissions
from .models import Post, Thread


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and not user.deleted_at)


def _fresh_user(user):
    """The user row as it is now, with an empty per-user permission cache."""
    return get_user_model().objects.filter(pk=user.pk).first()


class ThreadConsumer(JsonConsumer):
    thread_id: int
    group: str | None = None
    own_group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not _signed_in(user):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.thread_id = int(self.scope["url_route"]["kwargs"]["thread_id"])
        code = await database_sync_to_async(self.authorise)()
        if code:
            await self.close(code=code)
            return
        self.group = events.thread_group(self.thread_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        # The member's own group carries account events (a sanction, a sign-out elsewhere): each one
        # makes this socket check access again at once.
        self.own_group = realtime.user_group(user.pk)
        await self.channel_layer.group_add(self.own_group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in (self.group, self.own_group):
            if group:
                await self.channel_layer.group_discard(group, self.channel_name)

    def authorise(self) -> int | None:
        """None when the user may read the thread now, else the close code saying why not."""
        user = _fresh_user(self.scope["user"])
        if not _signed_in(user):
            return CLOSE_UNAUTHENTICATED
        thread = Thread.objects.select_related("category").filter(pk=self.thread_id).first()
        if thread is None:
            return CLOSE_NOT_FOUND
        try:
            permissions.check_view_thread(user, thread)
        except Http404:
            return CLOSE_NOT_FOUND
        except PermissionDenied:
            return CLOSE_FORBIDDEN
        return None

    async def lost_access(self) -> bool:
        code = await database_sync_to_async(self.authorise)()
        if code:
            await self.send_error("forbidden", _("You can no longer read this thread."))
            await self.close(code=code)
            return True
        return False

    async def receive_frame(self, frame: dict[str, Any]) -> None:
        if frame["type"] != "resume":
            await self.send_error("unknown_type", _("Unknown message type."))
            return
        after = frame.get("after")
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            await self.send_error("bad_after", _("“after” must be the id of the last post you saw (a whole number)."))
            return
        if await self.lost_access():
            return
        missed = await database_sync_to_async(self.missed_posts)(after)
        if missed is None:
            await self.send_json(events.resync(after))
            return
        for payload in missed:
            await self.send_json(payload)
        await self.send_json(events.resumed(max([after, *(payload["seq"] for payload in missed)])))

    def missed_posts(self, after: int) -> list[dict] | None:
        """Created events of the live posts after `after`, oldest first; None when too many.

        Posts of the last few seconds are sent too, even with a lower id: two replies written at
        once may commit out of id order, and the client ignores posts it already knows.
        """
        recent = timezone.now() - timedelta(seconds=events.RESUME_OVERLAP_SECONDS)
        posts = list(Post.objects.filter(thread_id=self.thread_id, deleted_at__isnull=True, hidden_at__isnull=True)
                     .filter(Q(pk__gt=after) | Q(created_at__gte=recent))
                     .only("id", "thread_id", "parent_id", "author_id", "created_at")
                     .order_by("pk")[:events.RESUME_LIMIT + 1])
        if len(posts) > events.RESUME_LIMIT:
            return None
        return [events.post_created(post) for post in posts]

    async def relay_event(self, message: dict[str, Any]) -> None:
        event = message["event"]
        kind = str(event.get("type", ""))
        if not kind.startswith("discussions."):
            # An account event from the member's own group: not for this page, but access may
            # have changed. (The unread count has its own socket.)
            if kind != "notifications.unread":
                await self.lost_access()
            return
        if kind == events.THREAD_CHANGED and await self.lost_access():
            return
        await self.send_json(event)


class CategoryListConsumer(JsonConsumer):
    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if not _signed_in(user):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await database_sync_to_async(self.in_good_standing)():
            await self.close(code=CLOSE_FORBIDDEN)  # suspended, or an observer whose access ended
            return
        wanted = self.requested_categories()
        visible = await database_sync_to_async(self.visible_ids)()
        ids = sorted(visible if wanted is None else visible & wanted)
        for category_id in ids:
            group = events.category_group(category_id)
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept()
        await self.send_json({"type": "subscribed", "category_ids": ids})

    def requested_categories(self) -> set[int] | None:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        raw = query.get("categories")
        if not raw:
            return None
        ids = set()
        for part in ",".join(raw).split(","):
            if part.strip().isdigit():
                ids.add(int(part))
        return ids

    def in_good_standing(self) -> bool:
        user = _fresh_user(self.scope["user"])
        return bool(user) and accounts.in_good_standing(user)

    def visible_ids(self) -> set[int]:
        user = _fresh_user(self.scope["user"])
        return set(category_permissions.visible_category_ids(user)) if user else set()

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
