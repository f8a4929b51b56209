"""Live thread and list updates over WebSocket. Protocol: docs/live-protocol.md.

Both sockets follow the reader's access (`forum.accounts.consumers.MemberConsumer`): they close at
once when the reader is signed out, the session ends, they are suspended, their observer access
ends (at that moment: the socket wakes itself) or they are taken out of their organisation, and
they check again when their thread's category (or one shown on a list) changes who may see it.
Each event is forwarded only when the reader may see it now, from what the last check cached.

`ws/threads/<id>/`: one thread's open page. Checked at connect (4401 not signed in, 4404 no such
thread or not visible, 4403 not allowed) before accepting; relays `discussions.post.*` and
`discussions.thread.changed`; answers `{"type": "resume", "after": <seq>}` with the posts created
since (at most `events.RESUME_LIMIT`, else `resync`). Access is checked again on every frame and
whenever the thread changes (moved, deleted), closing the socket once the reader lost it.

`ws/categories/`: list pages, for members in good standing (else 4403). Joins the group of every
category the member may see (or only those named in `?categories=1,2`), and relays thread
created / activity / changed events of the categories the member may see now; when that set
narrows, it leaves the lost categories' groups and says `subscribed` again with the new ids.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.accounts.consumers import MemberConsumer
from forum.categories import events as category_events
from forum.categories import permissions as category_permissions
from forum.core import metrics
from forum.core.consumers import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, HubFollowingMixin
from forum.core.hub import get_hub

from . import events, permissions
from .models import Post, Thread

# Whether the hub puts thread and category events back in `seq` order: thread events carry the
# thread's own sequence (`events.next_seq`), so yes; category events carry none and pass straight on.
THREAD_EVENTS_ORDERED = True


class ThreadConsumer(HubFollowingMixin, MemberConsumer):
    hub_ordered = THREAD_EVENTS_ORDERED
    thread_id: int
    category_id: int | None = None

    def authorise(self, user) -> int | None:
        """None when the user may read the thread now, else the close code saying why not."""
        super().authorise(user)  # schedules the next change (an observer's access end)
        self.thread_id = int(self.scope["url_route"]["kwargs"]["thread_id"])
        thread = Thread.objects.select_related("category").filter(pk=self.thread_id).first()
        if thread is None:
            return CLOSE_NOT_FOUND
        try:
            permissions.check_view_thread(user, thread)
        except Http404:
            return CLOSE_NOT_FOUND
        except PermissionDenied:
            return CLOSE_FORBIDDEN
        self.category_id = thread.category_id
        return None

    def wanted_groups(self) -> set[str]:
        groups = {events.thread_group(self.thread_id)}
        if self.category_id is not None:
            groups.add(category_events.access_group(self.category_id))
        return groups

    def is_recheck(self, kind: str) -> bool:
        return kind == category_events.ACCESS_CHANGED or super().is_recheck(kind)

    def lost_access_message(self) -> str:
        return _("You can no longer read this thread.")

    def may_forward(self, event: dict[str, Any]) -> bool:
        # The thread's own events only (the unread count has its own socket), and its poll's
        # (forum.polls sends them to the thread's group: ids and a link, never counts or names).
        return str(event.get("type", "")).startswith(("discussions.", "polls."))

    def recheck_then_forward(self, event: dict[str, Any]) -> bool:
        # Moved out of reach or deleted: the socket closes, and the change is not told.
        return event.get("type") == events.THREAD_CHANGED

    async def accepted(self) -> None:
        # The number of the thread's latest event: a page that held a higher one (the counter
        # was lost and started again) or a lower one (it missed events) knows at once.
        seq = await database_sync_to_async(events.current_seq)(self.thread_id)
        if seq is not None:
            # The hub then knows where the thread's numbers stand: its first event is not held.
            get_hub().note_seq(events.thread_group(self.thread_id), seq)
        await self.send_json(events.hello(seq))

    async def receive_frame(self, frame: dict[str, Any]) -> None:
        if frame["type"] != "resume":
            await self.send_error("unknown_type", _("Unknown message type."))
            return
        # `after` is thread protocol 1's name (pages loaded before the upgrade): kept until protocol 3.
        after_post = frame.get("after_post", frame.get("after"))
        after_seq = frame.get("after_seq")
        if isinstance(after_post, bool) or not isinstance(after_post, int) or after_post < 0:
            await self.send_error("bad_after", _("“after_post” must be the id of the last post you saw (a whole number)."))
            return
        if after_seq is not None and (isinstance(after_seq, bool) or not isinstance(after_seq, int) or after_seq < 0):
            await self.send_error("bad_after_seq",
                                  _("“after_seq” must be the number of the last event you saw (a whole number)."))
            return
        if not await self.recheck():
            return
        seq, missed = await database_sync_to_async(self.missed_posts)(after_post, after_seq)
        if missed is None:
            metrics.RESYNCS.labels("threads").inc()
            await self.send_json(events.resync(seq=seq, last_post_id=after_post))
            return
        for payload in missed:
            await self.send_json(payload)
        created = [payload["post_id"] for payload in missed if payload["type"] == events.POST_CREATED]
        await self.send_json(events.resumed(seq=seq, last_post_id=max([after_post, *created])))

    def missed_posts(self, after_post: int, after_seq: int | None = None) -> tuple[int, list[dict] | None]:
        """The thread's current `seq` and what a page that saw up to `after_post` / `after_seq` missed:
        created events of the live posts after `after_post`, then edited / removed events of the
        posts changed in the last `RESUME_OVERLAP_SECONDS`, oldest first; None when too many.

        The number is read first: an event numbered after it comes live, one before it is in the
        database already (numbers are taken after commit). Posts of the last few seconds are sent
        as created too, even with a lower id: two replies written at once may commit out of id
        order, and the client ignores posts it already knows. `after_seq` equal to the current
        number: nothing was missed, nothing is read.
        """
        seq = events.current_seq(self.thread_id)
        if after_seq == seq:
            return seq, []
        recent = timezone.now() - timedelta(seconds=events.RESUME_OVERLAP_SECONDS)
        fields = ("id", "thread_id", "parent_id", "author_id", "created_at", "edited_at", "hidden_at", "deleted_at")
        posts = list(Post.objects.filter(thread_id=self.thread_id)
                     .filter(Q(pk__gt=after_post) | Q(created_at__gte=recent) | Q(edited_at__gte=recent)
                             | Q(hidden_at__gte=recent) | Q(deleted_at__gte=recent))
                     .only(*fields).order_by("pk")[:events.RESUME_LIMIT + 1])
        if len(posts) > events.RESUME_LIMIT:
            return seq, None
        created, changed = [], []
        for post in posts:
            removed = post.hidden_at is not None or post.deleted_at is not None
            if removed:
                if post.pk <= after_post or (post.hidden_at or post.deleted_at) >= recent:
                    changed.append(events.post_removed(post))
                continue
            if post.pk > after_post or post.created_at >= recent:
                created.append(events.post_created(post))
            if post.edited_at is not None and post.edited_at >= recent:
                changed.append(events.post_edited(post))
        return seq, created + changed


class CategoryListConsumer(HubFollowingMixin, MemberConsumer):
    hub_ordered = THREAD_EVENTS_ORDERED
    visible: frozenset[int] = frozenset()
    told: frozenset[int] | None = None

    def authorise(self, user) -> int | None:
        code = super().authorise(user)  # suspended, or an observer whose access ended: 4403
        if code:
            return code
        visible = frozenset(category_permissions.visible_category_ids(user))
        wanted = self.requested_categories()
        self.visible = visible if wanted is None else visible & wanted
        return None

    def requested_categories(self) -> frozenset[int] | None:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        raw = query.get("categories")
        if not raw:
            return None
        ids = set()
        for part in ",".join(raw).split(","):
            if part.strip().isdigit():
                ids.add(int(part))
        return frozenset(ids)

    def wanted_groups(self) -> set[str]:
        return {group for category_id in self.visible
                for group in (events.category_group(category_id), category_events.access_group(category_id))}

    def is_recheck(self, kind: str) -> bool:
        return kind == category_events.ACCESS_CHANGED or super().is_recheck(kind)

    def may_forward(self, event: dict[str, Any]) -> bool:
        return str(event.get("type", "")).startswith("discussions.") and event.get("category_id") in self.visible

    async def accepted(self) -> None:
        await self.tell_subscriptions()

    async def recheck(self) -> bool:
        if not await super().recheck():
            return False
        await self.tell_subscriptions()
        return True

    async def tell_subscriptions(self) -> None:
        if self.visible != self.told:
            self.told = self.visible
            await self.send_json({"type": "subscribed", "category_ids": sorted(self.visible)})
